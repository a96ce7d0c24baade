"""Bare web addresses in Chinese text, made into links. Chinese writing puts no space after an
address: "（http://a.cn/x.html）及…" or "http://a.cn/1.html、http://b.cn/2.html。" A linkifier that
runs to the next space takes "）及…" or the next address into the first one. Here an address is
ASCII only, so it ends at the first Chinese character, Chinese punctuation mark or fullwidth form
(an address with Chinese in its path is written percent-encoded, as browsers copy it); ASCII
punctuation that ends a sentence is left out, and a closing bracket only when it has no opener in
the address."""

from __future__ import annotations

import html
import re

# RFC 3986 characters plus "%": no space, quotes, angle brackets, braces, "|", "\", "^" or "`"
URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_TRAILING = ".,;:!?'*"
_PAIRS = {")": "(", "]": "["}


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return url


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) of every web address in `text`, in order."""
    spans = []
    for match in URL.finditer(text):
        url = _trim(match.group())
        if len(url) > len(match.group().split("//", 1)[0]) + 2:  # something after "https://"
            spans.append((match.start(), match.start() + len(url)))
    return spans


def linkify_html(text: str, css: str = "ql-link") -> str:
    """`text` escaped for HTML, its addresses as links that open in a new tab."""
    parts, at = [], 0
    css_attribute = f" class='{html.escape(css, quote=True)}'" if css else ""
    for start, end in find_urls(text):
        url = text[start:end]
        parts += [html.escape(text[at:start]), f"<a{css_attribute} href='{html.escape(url, quote=True)}' "
                  f"target='_blank' rel='noopener'>{html.escape(url)}</a>"]
        at = end
    parts.append(html.escape(text[at:]))
    return "".join(parts)
