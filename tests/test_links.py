"""A bare web address in Chinese text ends where the Chinese resumes: at a Chinese character, a
Chinese punctuation mark or a fullwidth form, whatever follows; ASCII sentence punctuation after it
is not taken in. Also as Voila renders a course page's Markdown."""

from __future__ import annotations

import html
import re
import string

from hypothesis import given
from hypothesis import strategies as st

from grader.links import find_urls, linkify_html

URL_CHARS = string.ascii_letters + string.digits + "-._~:/?#@!$&+,;=%"
CHINESE_PUNCTUATION = "，。、；：？！“”‘’（）【】《》〈〉「」『』…—～·〔〕"
FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
hosts = st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9]{1,8}){0,3}\.(cn|com|gov\.cn|org)", fullmatch=True)
paths = st.text(URL_CHARS, max_size=40).filter(lambda p: not p or p[-1] not in ".,;:!?")
urls = st.builds(lambda scheme, host, path: f"{scheme}://{host}/{path}", st.sampled_from(["http", "https"]),
                 hosts, paths)
stops = st.one_of(st.sampled_from(CHINESE_PUNCTUATION), st.sampled_from(FULLWIDTH),
                  st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF))
prose = st.text(st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF), max_size=20)


@given(prose, urls, stops, prose)
def test_an_address_ends_at_chinese_punctuation_or_a_fullwidth_character(
        before: str, url: str, stop: str, after: str) -> None:
    text = f"{before}{url}{stop}{after}"
    assert [text[a:b] for a, b in find_urls(text)] == [url]


@given(st.lists(urls, min_size=1, max_size=4), st.lists(stops, min_size=4, max_size=4))
def test_addresses_written_one_after_another_are_each_their_own_link(found: list[str], between: list[str]) -> None:
    text = "".join(url + stop for url, stop in zip(found, between, strict=False))
    assert [text[a:b] for a, b in find_urls(text)] == found


@given(urls, st.sampled_from([".", ",", ";", ":", "!", "?", ")", "'"]))
def test_ascii_punctuation_closing_a_sentence_is_not_part_of_the_address(url: str, mark: str) -> None:
    text = f"see {url}{mark} next"
    assert [text[a:b] for a, b in find_urls(text)] == [url]


def test_a_bracket_opened_inside_the_address_stays_in_it() -> None:
    text = "见 https://zh.wikipedia.org/wiki/Foo_(bar)）。"
    assert [text[a:b] for a, b in find_urls(text)] == ["https://zh.wikipedia.org/wiki/Foo_(bar)"]


@given(st.text(), st.lists(urls, max_size=3))
def test_linkified_text_reads_as_the_text_and_links_each_address(text: str, found: list[str]) -> None:
    source = "，".join([text, *found])
    rendered = linkify_html(source)
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == source
    hrefs = [html.unescape(h) for h in re.findall(r"href='([^']*)'", rendered)]
    assert hrefs == [source[a:b] for a, b in find_urls(source)]
    assert "<script" not in re.sub(r"<a [^>]+>|</a>", "", rendered)


def test_a_course_reference_list_renders_each_address_as_its_own_link() -> None:
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    from grader.markdown import ReferenceMarkdownRenderer

    class NoFiles:
        def file_exists(self, path: str) -> bool:
            return False

    source = ("1. 转载（http://www.cnread.news/content/1.html）及中阳县（http://sx.gov.cn/a.shtml）。\n"
              "2. 核对：https://xiexiebang.com/a14/e3.html、http://578011.com/w/2.html。\n"
              "3. [名称](http://x.cn/a) 与 <http://y.cn/b>\n")
    renderer = ReferenceMarkdownRenderer(contents_manager=NoFiles(), escape=False, attachments={},
                                         anchor_link_text="¶")
    rendered = MarkdownWithMath(renderer=renderer).render(source)
    assert re.findall(r"href=['\"]([^'\"]*)", rendered) == [
        "http://www.cnread.news/content/1.html", "http://sx.gov.cn/a.shtml", "https://xiexiebang.com/a14/e3.html",
        "http://578011.com/w/2.html", "http://x.cn/a", "http://y.cn/b"]
    assert "）及中阳县（" in rendered and ">名称</a>" in rendered
