"""The frame every dashboard panel shares: a title, an honest age, focus, and Enter to open.

Panels render `Content` assembled from (text, style) parts, so user data is never parsed as
markup and colours come from the theme's variables.
"""

from __future__ import annotations

import msgspec
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from cockpit.analytics.freshness import age_phrase

Part = str | tuple[str, str]

STATE_STYLE = {
    "fresh": "$success",
    "stale": "$warning",
    "failed": "$error",
    "offline": "$warning",
    "no data": "$foreground-muted",
}


class PanelAge(msgspec.Struct, frozen=True):
    """What the border says about the data: its worst state and its age, e.g. 'fresh · 2m'."""

    state: str
    age: str
    sources: str = ""

    @property
    def label(self) -> str:
        """'fresh · 2m ago', 'failed · just now': how every border and header says it."""
        return f"{self.state} · {age_phrase(self.age)}"


# Shown when the cache holds nothing for a panel: no source feeds it yet, or none has synced.
NO_DATA: tuple[Part, ...] = (
    ("No data yet. ", "$foreground-muted"),
    ("cockpit doctor", "bold"),
    (" shows which sources feed this panel.", "$foreground-muted"),
)


def line(*parts: Part) -> Content:
    return Content.assemble(*parts)


def stack(rows: list[Content]) -> Content:
    return Content("\n").join(rows)


def bar(fraction: float, width: int, style: str = "$success") -> tuple[Part, Part]:
    """A horizontal gauge: filled cells in `style`, the rest dim."""
    width = max(width, 1)
    filled = round(min(max(fraction, 0.0), 1.0) * width)
    return ("█" * filled, style), ("░" * (width - filled), "$foreground-muted 50%")


# The height a detailed panel is offered: no limit, its screen scrolls instead.
ALL_ROWS = 100_000


def fit_rows(rows: list[Content], height: int) -> list[Content]:
    """The rows that fit. Panels cut their own lists and say "+N more" of what they hide;
    this is the backstop, so that no row ever disappears without a word."""
    if len(rows) <= height:
        return rows
    if height <= 0:
        return []
    hidden = len(rows) - (height - 1)
    more = f"+{hidden} more {'row' if hidden == 1 else 'rows'} · enter shows all"
    return [*rows[: height - 1], line((more, "$foreground-muted"))]


def clip(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class Panel(Widget, can_focus=True):
    """Base class: subclasses set PANEL_ID and TITLE and implement `render_body`."""

    DEFAULT_CSS = """
    Panel {
        border: round $foreground 30%;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        height: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    Panel:focus {
        border: round $accent;
        background-tint: $accent 4%;
    }
    Panel.-stale, Panel.-offline {
        border-subtitle-color: $warning;
    }
    Panel.-failed {
        border-subtitle-color: $error;
    }
    """

    BINDINGS = [Binding("enter", "open", "Open", id="panel.open")]

    PANEL_ID = "panel"
    TITLE = "Panel"

    age: reactive[PanelAge | None] = reactive(None)
    detailed: reactive[bool] = reactive(False)

    class Opened(Message):
        """The user asked for this panel's detail screen."""

        def __init__(self, panel_id: str) -> None:
            super().__init__()
            self.panel_id = panel_id

    def __init__(self, *, detailed: bool = False, id: str | None = None) -> None:
        super().__init__(id=id or self.PANEL_ID)
        self.set_reactive(Panel.detailed, detailed)
        self.border_title = self.TITLE

    def watch_age(self, age: PanelAge | None) -> None:
        for state in ("stale", "failed", "offline"):
            self.set_class(age is not None and age.state == state, f"-{state}")
        if age is None:
            self.border_subtitle = "no data"
        else:
            prefix = f"{age.sources} · " if age.sources else ""
            self.border_subtitle = f"{prefix}{age.label}"

    def action_open(self) -> None:
        self.post_message(self.Opened(self.PANEL_ID))

    def on_click(self) -> None:
        self.focus()

    def render(self) -> Content:
        width = self.content_size.width or 40
        if self.detailed:
            # A detail screen scrolls: every row is drawn, the scroll view shows what fits.
            body = self.render_body(width, ALL_ROWS)
            return stack(body) if body else line(*NO_DATA)
        height = self.content_size.height or 10
        body = self.render_body(width, height)
        return stack(fit_rows(body, height)) if body else line(*NO_DATA)

    def render_body(self, width: int, height: int) -> list[Content]:
        raise NotImplementedError
