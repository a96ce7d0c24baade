"""How Voila renders the Markdown of our pages (the course modules' 参考依据 lists bare addresses):
nbconvert's Markdown parser links a bare address up to the next space, taking in the Chinese
text after it. This renderer, given to Voila as `VoilaExporter.markdown_renderer_class` by
`qinglian serve`, cuts such a link where grader.links says the address ends and links any further
address in the remainder. Imported only by the Voila server, never by a page's kernel."""

from __future__ import annotations

import html

from mistune.util import escape_url
from voila.exporter import VoilaMarkdownRenderer

from grader.links import find_urls, linkify_html


class ReferenceMarkdownRenderer(VoilaMarkdownRenderer):  # type: ignore[misc]
    def link(self, text: str, url: str, title: str | None = None) -> str:
        raw = html.unescape(text)
        spans = find_urls(raw)
        autolinked = title is None and escape_url(raw) == url  # a bare address, not [text](target)
        if not autolinked or not spans or spans[0] == (0, len(raw)) or spans[0][0] != 0:
            return str(super().link(text, url, title))
        return linkify_html(raw, css="")
