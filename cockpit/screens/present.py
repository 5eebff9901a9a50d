"""Present mode: one panel at a time, filling the screen, for a sprint review on a shared screen.

Video calls compress a shared screen hard: dim text, thin lines and colours that differ by one
cell smear into the background. This screen shows one panel with the whole width and height,
under a big header (the area's name and its data's age on a solid band), switches the app to a
high-contrast theme (black ground, bright colours, nothing muted into grey) and draws text
bold. It cycles through the five panels on a timer; space pauses, arrows (or n and p) step,
1-5 jump. A progress line says which panel of five is up and how long until the next.

Data keeps flowing: the app feeds it like the dashboard, `show(dashboard, syncing)`.
"""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import ContentSwitcher

from cockpit.dashboard import Dashboard
from cockpit.screens.dashboard import PANEL_TYPES, feed_panel, panel_age
from widgets.panel import Panel, PanelAge, Part, line

PANELS = tuple(PANEL_TYPES)  # sprint, experiments, okrs, cost, team: keys 1 to 5
DEFAULT_SECONDS = 20.0
TICK_SECONDS = 1.0  # how often the countdown moves (tests stop it by making this long)
THEME = "cockpit-present"
MASK_WORDS = "money as % of budget, names as initials"

# Black ground, white text, saturated colours far apart; "muted" text is a light grey, not a
# transparent one, so that nothing on the screen is dim.
PRESENT_THEME = Theme(
    name=THEME,
    primary="#4da3ff",
    secondary="#ffffff",
    accent="#ffd000",
    warning="#ffb000",
    error="#ff4d4d",
    success="#3ddc6a",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#1a1a1a",
    dark=True,
    variables={
        "foreground-muted": "#d8d8d8",
        "text-muted": "#d8d8d8",
        "footer-background": "#000000",
        "footer-key-foreground": "#ffd000",
        "footer-description-foreground": "#ffffff",
    },
)


def spaced(title: str) -> str:
    """ "Sprint" → "S P R I N T": capitals set apart read as a bigger title."""
    return " ".join(title.upper())


def age_words(age: PanelAge | None) -> str:
    if age is None:
        return "no data"

    prefix = f"{age.sources} · " if age.sources else ""
    return f"{prefix}{age.label}"


class PresentHeader(Widget):
    """Three rows on a solid band: the area's name, large, and its data's age; the mask
    marker on the right while masking is on."""

    DEFAULT_CSS = """
    PresentHeader {
        height: 3;
        padding: 1 2;
        background: $primary;
        color: #000000;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    PresentHeader.-stale, PresentHeader.-offline {
        background: $warning;
    }
    PresentHeader.-failed {
        background: $error;
    }
    """

    title: reactive[str] = reactive("")
    age: reactive[PanelAge | None] = reactive(None)
    masked: reactive[bool] = reactive(False)

    def watch_age(self, age: PanelAge | None) -> None:
        for state in ("stale", "failed", "offline"):
            self.set_class(age is not None and age.state == state, f"-{state}")

    def render(self) -> Content:
        width = self.content_size.width or 80
        left = spaced(self.title)
        age = age_words(self.age)
        # The marker never falls off a narrow screen: it gets shorter, then the age goes.
        mark = ""
        if self.masked:
            mark = f" MASKED · {MASK_WORDS} "
            if len(left) + len(mark) + len(age) + 4 > width:
                mark = " MASKED "
            if len(left) + len(mark) + len(age) + 4 > width:
                age = ""
        gap = max(width - len(left) - len(age) - len(mark) - 2, 2)
        parts: list[Part] = [left, " " * gap, age]
        if mark:
            parts += ["  ", (mark, "bold #ffffff on #000000")]
        return line(*parts)


class PresentProgress(Widget):
    """Which panel of five is up, how long until the next, and the keys."""

    DEFAULT_CSS = """
    PresentProgress {
        height: 1;
        padding: 0 2;
        background: #000000;
        color: #ffffff;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    index: reactive[int] = reactive(0)
    remaining: reactive[int] = reactive(0)
    paused: reactive[bool] = reactive(False)

    def render(self) -> Content:
        parts: list[Part] = []
        for n in range(len(PANELS)):
            mark = "■" if n == self.index else "□"
            parts.append((f"{mark} ", "bold #ffd000" if n == self.index else "#ffffff"))
        title = PANEL_TYPES[PANELS[self.index]].TITLE
        parts.append(f" {self.index + 1}/{len(PANELS)} {title}")
        following = PANEL_TYPES[PANELS[(self.index + 1) % len(PANELS)]].TITLE
        if self.paused:
            parts += ["  ", (" PAUSED ", "bold #000000 on #ffd000")]
            parts.append(f"  next: {following}")
        else:
            parts.append(f" · {following} in {self.remaining} s")
        parts.append(("   space pause · ←/→ step · 1-5 jump · m mask · esc leave", "#d8d8d8"))
        return line(*parts)


class PresentScreen(Screen[None]):
    """One panel at a time, cycling. `start`: the panel shown first; `quits`: `q` ends the
    app (`cockpit present`) rather than going back to the dashboard."""

    DEFAULT_CSS = """
    PresentScreen {
        background: #000000;
    }
    PresentScreen #present-body {
        height: 1fr;
        padding: 1 2;
    }
    PresentScreen ContentSwitcher {
        height: 1fr;
    }
    PresentScreen Panel {
        border: none;
        padding: 0;
        height: 1fr;
        text-style: bold;
        background: #000000;
    }
    PresentScreen Panel:focus {
        border: none;
        background-tint: #000000 0%;
    }
    """

    BINDINGS = [
        Binding("space", "pause", "Pause", id="present.pause"),
        Binding("right,n", "step(1)", "Next", id="present.next"),
        Binding("left,p", "step(-1)", "Previous", id="present.previous"),
        Binding("1", "jump(0)", show=False, id="present.1"),
        Binding("2", "jump(1)", show=False, id="present.2"),
        Binding("3", "jump(2)", show=False, id="present.3"),
        Binding("4", "jump(3)", show=False, id="present.4"),
        Binding("5", "jump(4)", show=False, id="present.5"),
        Binding("escape", "leave", "Leave", id="present.leave"),
        Binding("q", "quit_or_leave", "Quit", id="present.quit"),
    ]

    def __init__(
        self,
        initial: Dashboard | None = None,
        *,
        seconds: float = DEFAULT_SECONDS,
        start: str | None = None,
        quits: bool = False,
        masked: bool = False,
    ) -> None:
        super().__init__(name="present")
        self.initial = initial
        self.dashboard = initial
        self.seconds = max(float(seconds), 1.0)
        self.index = PANELS.index(start) if start in PANELS else 0
        self.remaining = self.seconds
        self.paused = False
        self.quits = quits
        self.masked = masked
        self._theme_before: str | None = None

    # --- building ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        header = PresentHeader()
        header.masked = self.masked
        yield header
        with Container(id="present-body"), ContentSwitcher(initial=PANELS[self.index]):
            for panel_type in PANEL_TYPES.values():
                panel = panel_type()
                if self.initial is not None:
                    feed_panel(panel, self.initial)
                yield panel
        yield PresentProgress()

    def on_mount(self) -> None:
        app = self.app
        if THEME not in app.available_themes:
            app.register_theme(PRESENT_THEME)
        self._theme_before = app.theme
        app.theme = THEME
        self.set_interval(TICK_SECONDS, self.tick, name="present-tick")
        self._show_panel()

    def on_unmount(self) -> None:
        self._restore_theme()

    def _restore_theme(self) -> None:
        if self._theme_before is not None and self.app.theme == THEME:
            self.app.theme = self._theme_before
        self._theme_before = None

    # --- what the app calls -----------------------------------------------------------

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        self.dashboard = dashboard
        for panel in self.query(Panel):
            feed_panel(panel, dashboard)
        self._show_header()

    def set_masked(self, masked: bool) -> None:
        self.masked = masked
        for header in self.query(PresentHeader):
            header.masked = masked

    # --- the cycle --------------------------------------------------------------------

    @property
    def panel_id(self) -> str:
        return PANELS[self.index]

    def tick(self) -> None:
        """One tick of the countdown: the next panel when it runs out (not while paused)."""
        if self.paused:
            return
        self.remaining -= TICK_SECONDS
        if self.remaining <= 0:
            self.go(self.index + 1)
        else:
            self._show_progress()

    def go(self, index: int) -> None:
        """Show panel `index` (wrapping round) with a full interval ahead of it."""
        self.index = index % len(PANELS)
        self.remaining = self.seconds
        self._show_panel()

    def _show_panel(self) -> None:
        for switcher in self.query(ContentSwitcher):
            switcher.current = self.panel_id
        self._show_header()
        self._show_progress()

    def _show_header(self) -> None:
        for header in self.query(PresentHeader):
            header.title = PANEL_TYPES[self.panel_id].TITLE
            header.age = (
                None if self.dashboard is None else panel_age(self.dashboard, self.panel_id)
            )

    def _show_progress(self) -> None:
        for progress in self.query(PresentProgress):
            progress.index = self.index
            progress.remaining = max(math.ceil(self.remaining), 0)
            progress.paused = self.paused

    # --- keys -------------------------------------------------------------------------

    def action_pause(self) -> None:
        self.paused = not self.paused
        self._show_progress()

    def action_step(self, by: int) -> None:
        self.go(self.index + by)

    def action_jump(self, index: int) -> None:
        self.go(index)

    def action_leave(self) -> None:
        self._restore_theme()
        self.app.pop_screen()

    def action_quit_or_leave(self) -> None:
        if self.quits:
            self.app.exit()
        else:
            self.action_leave()
