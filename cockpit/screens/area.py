"""The frame every area's own screen shares (cost, team, OKRs): a header, tabs whose widgets
are built the first time they are shown, the sources' status bar and the keys.

Building a tab only when it is first shown keeps opening a screen cheap: the first frame mounts
one tab's widgets, not all of them. A subclass says what its header and tabs hold (`compose_header`,
`_tab_body`), how a tab is fed from the summary (`_feed`, `_show_header`) and what takes focus
(`_focus_tab`); `show(dashboard, syncing)` is how the app feeds it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from cockpit.dashboard import Dashboard
from widgets.footer import KeyFooter
from widgets.status_bar import SourceStatusBar


class AreaScreen(Screen[None]):
    TABS: ClassVar[tuple[str, ...]] = ()
    TAB_TITLES: ClassVar[dict[str, str]] = {}

    def __init__(self, name: str, initial: Dashboard | None, tab: str) -> None:
        super().__init__(name=name)
        self.initial = initial
        self.initial_tab = tab if tab in self.TABS else self.TABS[0]
        self.built: set[str] = set()
        self.feeds = 0  # summaries fed to the tabs: tests look at it
        self._ready = False  # mounted: the tabs' widgets exist

    # --- what a subclass gives ----------------------------------------------------------

    def compose_header(self) -> ComposeResult:
        raise NotImplementedError

    def _tab_body(self, tab: str) -> list[Widget]:
        raise NotImplementedError

    def _feed(self, tab: str) -> None:
        raise NotImplementedError

    def _show_header(self) -> None:
        raise NotImplementedError

    def _focus_tab(self) -> None:
        raise NotImplementedError

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        raise NotImplementedError

    # --- the frame ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with TabbedContent(initial=self.initial_tab):
            for tab in self.TABS:
                with TabPane(self.TAB_TITLES[tab], id=tab):
                    if tab == self.initial_tab:
                        self.built.add(tab)
                        yield from self._tab_body(tab)
        yield SourceStatusBar()
        yield KeyFooter()

    def on_mount(self) -> None:
        self._ready = True
        if self.initial is not None:
            self.show(self.initial, frozenset())
        if self.feeds == 0:  # nothing fed yet: say so
            self._show_header()
            for tab in self.built:
                self._feed(tab)
        self.call_after_refresh(self._focus_tab)

    async def build_tab(self, tab: str) -> None:
        if tab in self.built or tab not in self.TABS:
            return
        self.built.add(tab)
        await self.query_one(f"#{tab}", TabPane).mount_all(self._tab_body(tab))
        self._feed(tab)

    async def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        await self.build_tab(tab)
        tabs.active = tab
        self._focus_tab()

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        await self.build_tab(str(event.pane.id))
        self.refresh_bindings()
        self.call_after_refresh(self._focus_tab)
