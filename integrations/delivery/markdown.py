"""The weekly summary's Markdown, read once into lines and inline pieces that each destination
writes in its own markup (Slack mrkdwn, an Adaptive Card, Confluence storage XHTML).

The export writes a small, regular Markdown: `#`/`##` headings, `- ` items (two spaces per
level of nesting), paragraphs, `_emphasis_`, `**strong**`, `` `code` ``, `[text](url)`, and
source text made literal with backslash escapes and HTML entities (`val\\_auc`, `&lt;`).
This reader understands exactly that. What it returns is plain, decoded text: every writer
escapes it again for its own target, so a title that was `<!channel>` or `</p><script>` in
Jira stays those characters and never becomes markup anywhere.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

from cockpit.text_safety import clean_text

Kind = Literal["heading", "item", "paragraph", "blank"]
Style = Literal["text", "strong", "em", "code", "link"]


@dataclass(frozen=True, slots=True)
class Span:
    style: Style
    text: str  # decoded, literal text (for a link: its words)
    url: str = ""  # links only; http(s) or mailto, anything else is dropped by the reader


@dataclass(frozen=True, slots=True)
class Line:
    kind: Kind
    level: int  # heading: 1..6; item: nesting depth from 0; else 0
    spans: tuple[Span, ...]

    def plain(self) -> str:
        return "".join(span.text for span in self.spans)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^( *)[-*+]\s+(.*)$")
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s<>\"]+$", re.IGNORECASE)


def parse(markdown: str) -> list[Line]:
    """Every line of the summary, in order; none is dropped (an unknown construct is a
    paragraph of its literal text)."""
    lines = []
    for raw in clean_text(markdown).split("\n"):
        if not raw.strip():
            lines.append(Line("blank", 0, ()))
        elif match := _HEADING.match(raw):
            lines.append(Line("heading", len(match[1]), inline(match[2])))
        elif match := _ITEM.match(raw):
            lines.append(Line("item", len(match[1]) // 2, inline(match[2])))
        else:
            lines.append(Line("paragraph", 0, inline(raw.strip())))
    while lines and lines[-1].kind == "blank":
        lines.pop()
    return lines


def inline(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    _inline(text, "text", spans)
    return tuple(_merge(spans))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if out and span.style == out[-1].style and span.style != "link" and not span.url:
            out[-1] = Span(span.style, out[-1].text + span.text)
        elif span.text:
            out.append(span)
    return out


def _inline(text: str, style: Style, out: list[Span]) -> None:
    """Scan `text`, appending spans; emphasis inside emphasis keeps the outer style."""
    buf: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        if buf:
            out.append(Span(style, "".join(buf)))
            buf.clear()

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _PUNCT:
            buf.append(text[i + 1])
            i += 2
        elif ch == "&" and (m := _ENTITY.match(text, i)):
            buf.append(html.unescape(m[0]))
            i = m.end()
        elif ch == "`" and (end := text.find("`", i + 1)) > i:
            flush()
            out.append(Span("code", html.unescape(text[i + 1 : end])))
            i = end + 1
        elif text.startswith("**", i) and (end := _closing(text, i + 2, "**")) > 0:
            flush()
            _inline(text[i + 2 : end], "strong" if style == "text" else style, out)
            i = end + 2
        elif ch in "_*" and (end := _closing(text, i + 1, ch)) > 0 and _opens(text, i):
            flush()
            _inline(text[i + 1 : end], "em" if style == "text" else style, out)
            i = end + 1
        elif ch == "[" and (link := _link(text, i)) is not None:
            flush()
            words, url, i = link
            label = "".join(s.text for s in inline(words)) or url
            if _SAFE_URL.match(url):
                out.append(Span("link", label, url))
            else:
                out.append(Span(style, label))  # a javascript: or relative link stays words
        else:
            buf.append(ch)
            i += 1
    flush()


def _opens(text: str, i: int) -> bool:
    """`_` inside a word (snake_case) is not emphasis."""
    return i == 0 or not text[i - 1].isalnum()


def _closing(text: str, start: int, marker: str) -> int:
    """Index of the unescaped closing `marker` after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(marker, i) and i > start:
            after = i + len(marker)
            if marker in "_*" and after < len(text) and text[after].isalnum():
                i += 1
                continue
            return i
        i += 1
    return -1


def _link(text: str, i: int) -> tuple[str, str, int] | None:
    close = _closing(text, i + 1, "]")
    if close < 0 or not text.startswith("(", close + 1):
        return None
    end = text.find(")", close + 2)
    if end < 0:
        return None
    return text[i + 1 : close], html.unescape(text[close + 2 : end].strip()), end + 1


def more_lines(n: int) -> str:
    """The marker at a cut: the true number of lines left out."""
    return f"+{n} more line{'s' if n != 1 else ''}"
