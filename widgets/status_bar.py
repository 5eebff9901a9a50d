"""The status bar: every source's state and age, always on screen, and how far a source that is
syncing has got ("↻ jira 1,200 of 5,000 issues")."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from cockpit.analytics.freshness import SourceState, age_phrase
from widgets.panel import STATE_STYLE, line

STATE_MARK = {"fresh": "●", "stale": "◐", "failed": "✖", "offline": "○", "no data": "○"}


class SourceStatusBar(Widget):
    DEFAULT_CSS = """
    SourceStatusBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    states: reactive[tuple[SourceState, ...]] = reactive(())
    offline: reactive[bool] = reactive(False)
    syncing: reactive[frozenset[str]] = reactive(frozenset())
    # What each syncing source says it is doing, by name. Set on its own, a few times a second
    # while a sync runs: only this bar re-renders, and only when the text changed.
    progress: reactive[dict[str, str]] = reactive(dict)
    # Screen-share mode: the mask marker leads the bar for as long as masking is on.
    masked: reactive[bool] = reactive(False)

    def on_mount(self) -> None:
        # A screen opened while masking is on says so from its first frame.
        self.masked = bool(getattr(self.app, "masked", False))

    def show(
        self,
        states: tuple[SourceState, ...],
        *,
        offline: bool,
        syncing: frozenset[str] = frozenset(),
    ) -> None:
        self.states = states
        self.offline = offline
        self.syncing = syncing

    def render(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        if self.masked:
            parts += [
                (" MASKED ", "bold $background on $warning"),
                (" money as % of budget, names as initials  ", "bold $warning"),
            ]
        if self.offline:
            parts += [("OFFLINE", "bold $warning"), " cached data only  "]
        if not self.states:
            parts.append(("no sources configured", "$foreground-muted"))
        for state in self.states:
            style = STATE_STYLE.get(state.state.value, "")
            syncing = state.source in self.syncing
            mark = "↻" if syncing else STATE_MARK.get(state.state.value, "•")
            doing = self.progress.get(state.source, "") if syncing else ""
            parts += [(f"{mark} ", style), (state.source, "bold")]
            if doing:
                parts += [(f" {doing}", "$accent"), "   "]
                continue
            parts += [
                (f" {state.state.value}", style),
                (f" {age_phrase(state.age)}", "$foreground-muted"),
                "   ",
            ]
        return line(*parts)
