"""A page's first view as plain HTML, so a reader sees it before Voila's scripts have loaded.

Voila sends every output as JSON and draws nothing until its ~4 MB of scripts and the widget
manager have loaded and fetched each widget's state from the kernel: about 3 s in Chromium on a
quiet 2-core machine, even for a page of one widget (benchmarks/README.md, 页面首次显示). The pages
that need nothing from the request are pre-run in a kernel pool, so their first view is known when
the HTML leaves the server. `show` displays the widget with that view attached as `text/html`:
our page template (grader/pages/jupyter/voila/templates/qinglian) writes it into the page as it
streams, and qinglian.js removes it once the live widget is on screen. Controls in the snapshot
are disabled: it is a picture of the page, not a second way to use it.

The snapshot is built from what the widgets already show (their values are the same HTML the
widget views insert), so it reveals nothing the live page would not."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

import ipywidgets as widgets
from IPython.display import display

MARK = '<div class="ql-snapshot"'


def show(widget: widgets.Widget) -> None:
    """Display `widget`, with its snapshot for the page template."""
    bundle = dict(widget._repr_mimebundle_())
    bundle["text/html"] = snapshot_html(widget)
    display(bundle, raw=True)


def snapshot_html(widget: widgets.Widget) -> str:
    """The widget tree as static HTML, in ipywidgets' own class names (qinglian.css lays them out
    before the widget stylesheets arrive); `data-root` names the live view qinglian.js waits for."""
    root = " ".join(_classes(widget))
    return f'{MARK} data-root="{escape(root)}" aria-busy="true">{_render(widget)}</div>'


def _classes(widget: widgets.Widget) -> list[str]:
    return [str(name) for name in getattr(widget, "_dom_classes", ())]


def _hidden(widget: widgets.Widget) -> bool:
    layout = getattr(widget, "layout", None)
    return layout is not None and (layout.display == "none" or layout.visibility == "hidden")


def _div(kind: str, widget: widgets.Widget, inner: str) -> str:
    names = " ".join([kind, *_classes(widget)])
    return f'<div class="{escape(names)}">{inner}</div>'


def _label(widget: widgets.Widget) -> str:
    text = str(getattr(widget, "description", "") or "")
    return f'<label class="widget-label">{escape(text)}</label>' if text else ""


def _render(widget: Any) -> str:
    if not isinstance(widget, widgets.Widget) or _hidden(widget):
        return ""
    for kind, render in _RENDERERS:
        if isinstance(widget, kind):
            return render(widget)
    return ""


def _children(items: Iterable[Any]) -> str:
    return "".join(_render(child) for child in items)


def _box(widget: widgets.Box) -> str:
    kind = ("widget-box widget-gridbox" if isinstance(widget, widgets.GridBox)
            else "widget-box widget-hbox" if isinstance(widget, widgets.HBox) else "widget-box widget-vbox")
    return _div(kind, widget, _children(widget.children))


def _tabs(widget: Any) -> str:
    titles = [widget.get_title(n) or "" for n in range(len(widget.children))]
    chosen = widget.selected_index if widget.selected_index is not None else 0
    bar = "".join(f'<button class="ql-snapshot-tab{" ql-selected" * (n == chosen)}" disabled>{escape(t)}</button>'
                  for n, t in enumerate(titles))
    shown = widget.children[chosen] if 0 <= chosen < len(widget.children) else None
    return _div("widget-box widget-tab", widget, f'<div class="ql-snapshot-tabs">{bar}</div>{_render(shown)}')


def _html(widget: widgets.HTML) -> str:
    return _div("widget-inline-hbox widget-html", widget,
                f'{_label(widget)}<div class="widget-html-content">{widget.value}</div>')


def _text_label(widget: widgets.Label) -> str:
    return _div("widget-label", widget, escape(str(widget.value)))


def _button(widget: widgets.Button) -> str:
    names = " ".join(["jupyter-button", "widget-button", *_classes(widget)])
    return f'<button class="{escape(names)}" disabled>{escape(widget.description)}</button>'


def _choice(widget: Any) -> str:
    label = widget.label if widget.label is not None else ""
    return _div("widget-inline-hbox widget-dropdown", widget,
                f'{_label(widget)}<select disabled><option selected>{escape(str(label))}</option></select>')


def _text(widget: Any) -> str:
    kind = "password" if isinstance(widget, widgets.Password) else "text"
    value = "" if kind == "password" else str(widget.value)
    field = (f'<input type="{kind}" disabled value="{escape(value)}" '
             f'placeholder="{escape(str(getattr(widget, "placeholder", "")))}">')
    return _div("widget-inline-hbox widget-text", widget, _label(widget) + field)


def _textarea(widget: widgets.Textarea) -> str:
    field = f'<textarea disabled placeholder="{escape(widget.placeholder)}">{escape(widget.value)}</textarea>'
    return _div("widget-inline-hbox widget-textarea", widget, _label(widget) + field)


def _checkbox(widget: widgets.Checkbox) -> str:
    checked = " checked" * bool(widget.value)
    return _div("widget-inline-hbox widget-checkbox", widget,
                f'<label><input type="checkbox" disabled{checked}> {escape(widget.description)}</label>')


def _radio(widget: widgets.RadioButtons) -> str:
    options = "".join(f'<label><input type="radio" disabled{" checked" * (label == widget.label)}> '
                      f"{escape(str(label))}</label>" for label in widget._options_labels)
    return _div("widget-inline-hbox widget-radio", widget, _label(widget) + options)


def _upload(widget: widgets.FileUpload) -> str:
    button = f'<button class="jupyter-button" disabled>{escape(widget.description)}</button>'
    return _div("widget-upload", widget, button)


def _output(widget: widgets.Output) -> str:
    parts = []
    for item in widget.outputs:
        data = item.get("data", {}) if isinstance(item, dict) else {}
        if "text/html" in data:
            parts.append(str(data["text/html"]))
        elif "text" in item:
            parts.append(f"<pre>{escape(str(item['text']))}</pre>")
    return _div("widget-output", widget, "".join(parts))


_RENDERERS: list[tuple[type, Callable[[Any], str]]] = [
    (widgets.Tab, _tabs), (widgets.Accordion, _tabs), (widgets.Box, _box),
    (widgets.HTML, _html), (widgets.HTMLMath, _html), (widgets.Label, _text_label),
    (widgets.Button, _button), (widgets.FileUpload, _upload), (widgets.RadioButtons, _radio),
    (widgets.Dropdown, _choice), (widgets.Select, _choice), (widgets.Textarea, _textarea),
    (widgets.Password, _text), (widgets.Text, _text),  # Password first: it is a Text, its value is never drawn
    (widgets.IntText, _text), (widgets.FloatText, _text),
    (widgets.Checkbox, _checkbox), (widgets.Output, _output),
]
