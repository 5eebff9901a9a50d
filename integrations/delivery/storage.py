"""The weekly summary as Confluence storage format: the XHTML a page body is stored in.

Everything from the summary is text: it is escaped, and only a handful of plain elements are
written (headings, paragraphs, lists, strong, em, code, links to http(s)/mailto, and from an
HTML summary also tables, `pre`, `br`, `hr`, blockquotes). No macro, no `style`, no SVG, no
script: the page cannot run or load anything, and a title holding `]]>` or `</p><script>` is
shown as those characters. The result is well-formed XML, which Confluence requires.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from html.parser import HTMLParser

from cockpit.text_safety import clean_text
from integrations.delivery.markdown import Line, Span, parse

_SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s<>\"]+$", re.IGNORECASE)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _span(span: Span) -> str:
    text = esc(span.text)
    if span.style == "link":
        return f'<a href="{esc(span.url)}">{text}</a>'
    if span.style == "strong":
        return f"<strong>{text}</strong>"
    if span.style == "em":
        return f"<em>{text}</em>"
    if span.style == "code":
        return f"<code>{text}</code>"
    return text


def _inline(line: Line) -> str:
    return "".join(_span(span) for span in line.spans)


def from_markdown(markdown: str) -> str:
    out: list[str] = []
    depth = -1  # -1: no list open; else the level of the open item
    for line in parse(markdown):
        if line.kind == "item":
            level = min(line.level, depth + 1)
            if level > depth:
                out.append("<ul>")
            else:
                while depth > level:
                    out.append("</li></ul>")
                    depth -= 1
                out.append("</li>")
            depth = level
            out.append(f"<li>{_inline(line)}")
            continue
        while depth >= 0:
            out.append("</li></ul>")
            depth -= 1
        if line.kind == "heading":
            out.append(f"<h{line.level}>{_inline(line)}</h{line.level}>")
        elif line.kind == "paragraph":
            out.append(f"<p>{_inline(line)}</p>")
    while depth >= 0:
        out.append("</li></ul>")
        depth -= 1
    return "".join(out)


# --- an HTML summary: keep the words and the plain structure, drop everything else -----------

_KEEP = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "em", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "blockquote", "a",
}  # fmt: skip
_RENAME = {"b": "strong", "i": "em", "caption": "p", "figcaption": "p"}
_VOID = {"br", "hr"}
_SKIP = {"script", "style", "svg", "head", "title", "template", "iframe", "object", "noscript"}


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self.skipping:
            if tag == self.skipping[-1] or tag in _SKIP:
                self.skipping.append(tag)
            return
        if tag in _SKIP:
            self.skipping.append(tag)
            return
        tag = _RENAME.get(tag, tag)
        if tag in _VOID:
            self.out.append(f"<{tag} />")
        elif tag in _KEEP:
            attr = ""
            if tag == "a":
                href = dict(attrs).get("href") or ""
                if not _SAFE_URL.match(href):
                    return  # a link without a safe target is its words only
                attr = f' href="{esc(href)}"'
            self.out.append(f"<{tag}{attr}>")
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and _RENAME.get(tag.lower(), tag.lower()) in _VOID:
            self.out.append(f"<{tag.lower()} />")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        tag = _RENAME.get(tag, tag)
        if tag in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(esc(data))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def from_html(document: str) -> str:
    sanitizer = _Sanitizer()
    sanitizer.feed(clean_text(document))
    return sanitizer.result()


def to_storage(body: str, fmt: str) -> str:
    """The summary in `fmt` ("md", "html", "json") as a page body."""
    if fmt == "html":
        return from_html(body)
    if fmt == "json":
        with contextlib.suppress(ValueError):  # not JSON after all: shown as it is
            body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        return f"<pre>{esc(clean_text(body))}</pre>"
    return from_markdown(body)
