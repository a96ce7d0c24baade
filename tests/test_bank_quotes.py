"""Bank items that cite a national law quote it word for word: every quotation in an item's explanation
is a verbatim piece of the reference text (whitespace aside), taken from the article the explanation
names right before it, and at least one comes from the article the item's source cites.

The reference texts are the copies in ../shared/reference (README there): 《监察法》 2024,
《公职人员政务处分法》 2020, 《刑法》 through 修正案（十二）. A wrong quote is a wrong key waiting to happen:
a candidate who knows the law is marked down by a paraphrase that changed its meaning."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from grader.bank import Item, bank_files, check_banks

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("QINGLIAN_REFERENCE", ROOT.parent / "shared" / "reference"))
BANKS = [ROOT / "exams" / "banks", ROOT / "courses" / "practice"]

# Law file, and the names by which a document or an explanation refers to it (longest first).
LAWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "supervision": ("supervision-law-2024.md", ("中华人民共和国监察法", "《监察法》")),
    "sanctions": ("public-official-sanctions-law-2020.md", ("中华人民共和国公职人员政务处分法", "政务处分法》")),
    "criminal": ("criminal-law-2023.md", ("中华人民共和国刑法", "《刑法》")),
}
# The two party regulations and the laws, as an item's source document names them.
RULES = ("中华人民共和国监察法", "中华人民共和国公职人员政务处分法", "中华人民共和国刑法",
         "中国共产党纪律处分条例", "中国共产党党内监督条例")
ARTICLE = re.compile(r"第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?")
PART = re.compile(r"第[一二三四五六七八九十]+[编章]")  # a whole part or chapter of a regulation
ARTICLE_START = re.compile(rf"^({ARTICLE.pattern})\s")
QUOTE = re.compile(r"“([^“”]*)”")
ELLIPSIS = re.compile(r"…+")

needs_reference = pytest.mark.skipif(not (REFERENCE / "README.md").exists(),
                                     reason=f"reference texts not found at {REFERENCE}")


def squash(text: str) -> str:
    return "".join(text.split())


@cache
def articles(law: str) -> dict[str, str]:
    """Article label (第三百八十八条之一) -> its text, paragraphs joined, whitespace removed."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (REFERENCE / LAWS[law][0]).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        start = ARTICLE_START.match(line)
        if start:
            current = found.setdefault(start.group(1), [])
            line = line[start.end():]
        if current is not None:
            current.append(line)
    return {label: squash("".join(lines)) for label, lines in found.items()}


def law_of(text: str) -> str | None:
    """The law a document name or a stretch of explanation names last."""
    last, where = None, -1
    for law, (_, names) in LAWS.items():
        for name in names:
            at = text.rfind(name)
            if at > where:
                last, where = law, at
    return last


def outside_quotes(text: str) -> str:
    return QUOTE.sub(lambda m: "“" + "＿" * len(m.group(1)) + "”", text)


def found_in(law: str, quote: str) -> list[str]:
    pieces = [squash(p) for p in ELLIPSIS.split(quote) if squash(p)]
    return [label for label, body in articles(law).items() if in_order(pieces, body)]


def in_order(pieces: list[str], body: str) -> bool:
    at = 0
    for piece in pieces:
        at = body.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return bool(pieces)


def quote_problems(item: Item) -> list[str]:
    """Why an item citing a law does not quote it faithfully; empty when it does."""
    law = law_of(item.source.document)
    if law is None:
        return []
    cited = set(ARTICLE.findall(item.source.clause))
    if not cited:
        return [f"{item.id}: 出处条款 {item.source.clause!r} 没有写明第几条"]
    problems = [f"{item.id}: 出处 {label} 不在参考文本中" for label in sorted(cited - set(articles(law)))]
    plain = outside_quotes(item.explanation)
    quoted_cited = False
    for match in QUOTE.finditer(item.explanation):
        before = plain[: match.start()]
        named = ARTICLE.findall(before)
        quote_law = law_of(before) or law
        if not named:
            problems.append(f"{item.id}: 引文“{match.group(1)[:20]}”前没有写明出自第几条")
            continue
        where = found_in(quote_law, match.group(1))
        if named[-1] not in where:
            actual = f"（原文见{'、'.join(where)}）" if where else "（参考文本中没有这段原文）"
            problems.append(f"{item.id}: 引文“{match.group(1)[:20]}”不是{named[-1]}的原文{actual}")
        elif quote_law == law and named[-1] in cited:
            quoted_cited = True
    if not quoted_cited:
        problems.append(f"{item.id}: 解析没有逐字引用出处 {item.source.clause} 的原文")
    return problems


@cache
def bank_items() -> tuple[Item, ...]:
    result = check_banks(bank_files(BANKS))
    assert [str(p) for p in result.problems] == []
    return result.items


def law_items(items: Iterable[Item]) -> list[Item]:
    return [item for item in items if law_of(item.source.document) is not None]


@needs_reference
def test_the_reference_texts_are_read_article_by_article() -> None:
    criminal = articles("criminal")
    assert criminal["第三百八十二条"].startswith("国家工作人员利用职务上的便利")
    assert criminal["第三百八十八条之一"].startswith("国家工作人员的近亲属")
    assert "第三百八十九条" not in criminal["第三百八十八条之一"]
    assert len(articles("supervision")) == 78
    assert len(articles("sanctions")) == 68


@needs_reference
def test_every_item_citing_a_law_quotes_the_cited_article_word_for_word() -> None:
    items = law_items(bank_items())
    assert len(items) >= 100
    assert [p for item in items for p in quote_problems(item)] == []


@needs_reference
def test_a_paraphrase_is_not_taken_for_a_quote() -> None:
    item = next(i for i in law_items(bank_items()) if i.source.clause.startswith("第三百八十四条"))
    paraphrase = "国家工作人员利用职务上的便利，挪用公款数额较大、超过三个月未还的，是挪用公款罪"
    changed = replace(item, explanation=f"第三百八十四条：“{paraphrase}”")
    assert quote_problems(changed) == [
        f"{item.id}: 引文“{paraphrase[:20]}”不是第三百八十四条的原文（参考文本中没有这段原文）",
        f"{item.id}: 解析没有逐字引用出处 {item.source.clause} 的原文"]


@needs_reference
def test_a_quote_attributed_to_the_wrong_article_is_reported_with_the_right_one() -> None:
    item = next(i for i in law_items(bank_items()) if i.source.clause.startswith("第三百八十五条"))
    bribing = "为谋取不正当利益，给予国家工作人员以财物的，是行贿罪。"
    wrong = replace(item, explanation=f"第三百八十五条：“{bribing}”")
    assert quote_problems(wrong)[0] == (
        f"{item.id}: 引文“{bribing[:20]}”不是第三百八十五条的原文（原文见第三百八十九条）")


@needs_reference
def test_an_explanation_without_a_quote_is_reported() -> None:
    item = law_items(bank_items())[0]
    assert quote_problems(replace(item, explanation="见该条规定。")) == [
        f"{item.id}: 解析没有逐字引用出处 {item.source.clause} 的原文"]


@needs_reference
def test_a_quote_may_skip_words_with_an_ellipsis_but_keeps_their_order() -> None:
    item = next(i for i in law_items(bank_items()) if i.source.clause.startswith("第三百八十二条"))
    kept = replace(item, explanation="第三百八十二条：“国家工作人员利用职务上的便利……是贪污罪。”")
    backwards = "是贪污罪。……国家工作人员利用职务上的便利"
    swapped = replace(item, explanation=f"第三百八十二条：“{backwards}”")
    assert quote_problems(kept) == []
    assert quote_problems(swapped)[0] == (
        f"{item.id}: 引文“{backwards[:20]}”不是第三百八十二条的原文（参考文本中没有这段原文）")


@needs_reference
def test_a_quote_from_another_law_is_checked_against_that_law() -> None:
    item = next(i for i in law_items(bank_items()) if law_of(i.source.document) == "sanctions")
    clause = ARTICLE.findall(item.source.clause)[0]
    own = QUOTE.search(item.explanation)
    assert own is not None
    text = (f"{clause}：“{own.group(1)}”《中华人民共和国监察法》第十五条：“（三）国有企业管理人员；”")
    assert quote_problems(replace(item, explanation=text)) == []
    wrong = text.replace("第十五条", "第十六条")
    assert quote_problems(replace(item, explanation=wrong)) == [
        f"{item.id}: 引文“（三）国有企业管理人员；”不是第十六条的原文（原文见第十五条）"]


def test_at_least_150_exam_items_on_the_laws_and_regulations_cite_article_and_edition() -> None:
    items = [i for i in bank_items() if i.use == "exam" and any(r in i.source.document for r in RULES)]
    undated = [i.id for i in items if not re.search(r"（[^）]*\d{4}年", i.source.document)]
    unplaced = [i.id for i in items if not (ARTICLE.search(i.source.clause) or PART.search(i.source.clause)
                                            or i.source.clause == "题注")]
    assert (undated, unplaced) == ([], [])
    assert len(items) >= 150
