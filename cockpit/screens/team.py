"""The team screen: when the team overlaps this week, and when these people should meet.

Pushed when Enter is pressed on the Team panel. Tabs: Overlap (the week as a heat map of
half hours in the lead's zone, each day's best window beside it), Slot finder (pick people and
a length, see the ranked slots, write the chosen one as an .ics invite), Fairness (who took
the inconvenient recorded meetings, and a rotation for the recurring one) and Handover (the
follow-the-sun chain over the next 24 hours, with its gaps).

Like every screen it is fed `show(dashboard, syncing)`. The overlap and the handover are drawn
from the dashboard's `TeamSummary`; the slot ranking and the fairness ledger are computed from
the dashboard's merged `TeamData` on worker threads (`find_slots`, `fairness`), never on the
UI loop, and writing the invite is a worker's job too. Tabs are built when first shown; every
table draws only the rows on screen. Names come from the roster and Jira: drawn as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import SelectionList, Static, TabbedContent
from textual.widgets.selection_list import Selection
from textual.worker import Worker, WorkerState, get_current_worker

from cockpit.analytics.team_views import FairnessView, Slot, TeamRules, TeamSummary
from cockpit.dashboard import Dashboard
from cockpit.formatting import plural
from cockpit.screens.area import AreaScreen
from cockpit.screens.dashboard import panel_age
from widgets.cost_table import CostTable
from widgets.panel import PanelAge, Part, line, stack
from widgets.status_bar import SourceStatusBar
from widgets.team_heatmap import TeamHeatMap, window_text
from widgets.team_people import TeamPeople
from widgets.team_slots import LENGTHS, SlotTable, slot_detail, slot_model, slots_note

if TYPE_CHECKING:
    from textual.widgets import Select

    from cockpit.models import Person, TeamData

TABS = ("people", "overlap", "slots", "fairness", "handover")
TAB_TITLES = {
    "people": "People",
    "overlap": "Overlap",
    "slots": "Slot finder",
    "fairness": "Fairness",
    "handover": "Handover",
}
MUTED = "$text-muted"
DEFAULT_LENGTH = 60
_UNSET = object()  # nothing fed yet (None is a dashboard without team data)


def ics_folder() -> tuple[Path, str]:
    """Where invites go: the user's Downloads folder when there is one, else the current
    folder; with the words the notification uses for it."""
    downloads = Path.home() / "Downloads"
    if downloads.is_dir():
        return downloads, "your Downloads folder"
    return Path.cwd(), "the current folder"


def ics_name(slot: Slot) -> str:
    return f"meeting-{slot.start:%Y%m%d-%H%M}Z-{slot.minutes}min.ics"


def zone_place(zone: str) -> str:
    return zone.split("/")[-1].replace("_", " ")


class TeamScreen(AreaScreen):
    TABS = TABS
    TAB_TITLES = TAB_TITLES

    DEFAULT_CSS = """
    TeamScreen {
        layout: vertical;
    }
    TeamScreen > .team-line {
        height: auto;
        max-height: 3;
        padding: 0 1;
    }
    TeamScreen > TabbedContent {
        height: 1fr;
    }
    TeamScreen .tab-body {
        height: 1fr;
    }
    TeamScreen .tab-note {
        height: auto;
        max-height: 4;
        padding: 0 1;
    }
    TeamScreen #slot-picker {
        width: 32;
        height: 1fr;
        padding: 0 1 0 0;
    }
    TeamScreen #slot-people {
        height: 1fr;
        border: round $foreground 30%;
        border-title-color: $text-muted;
    }
    TeamScreen #slot-people:focus {
        border: round $accent;
    }
    TeamScreen #slot-length {
        height: 1;
        padding: 0 1;
    }
    TeamScreen #slot-results {
        width: 1fr;
        height: 1fr;
    }
    TeamScreen #slot-detail {
        height: auto;
        max-height: 4;
        padding: 0 1;
    }
    TeamScreen #fairness-ledger, TeamScreen #fairness-rotation {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape,backspace", "back", "Back", id="team.back"),
        Binding("1,p", "show_tab('people')", "People", id="team.tab_people"),
        Binding("2,o", "show_tab('overlap')", "Overlap", id="team.tab_overlap"),
        Binding("3,m", "show_tab('slots')", "Slots", id="team.tab_slots"),
        Binding("4,f", "show_tab('fairness')", "Fairness", id="team.tab_fairness"),
        Binding("5,h", "show_tab('handover')", "Handover", id="team.tab_handover"),
        Binding("l", "cycle_length", "Length", id="team.length"),
        Binding("w", "write_ics", "Write .ics", id="team.write_ics"),
    ]

    def __init__(self, initial: Dashboard | None = None, *, tab: str = "people") -> None:
        super().__init__("team", initial, tab)
        self.summary: TeamSummary | None = None
        self.team_data: TeamData | None = None
        self.rules = TeamRules()
        self.lead_zone = "UTC"
        self.now: datetime | None = None
        self._fed: object = _UNSET
        self._fed_data: object = _UNSET
        self._age: PanelAge | None = None
        self.minutes = DEFAULT_LENGTH
        self.picked: tuple[str, ...] = ()  # Person ids, in roster order
        self.slots: tuple[Slot, ...] = ()
        # What `slots` answer: the people, the length and the step of the clock they start
        # from (a new ranking every step, so that slots never lie in the past).
        self.ranked_for: tuple[tuple[str, ...], int, int] | None = None
        self._listed: tuple[tuple[str, str, str], ...] | None = None  # the people list shows
        self.ranked_for_shown: tuple[tuple[str, ...], int] | None = None  # the table's ask
        self.fairness_view: FairnessView | None = None
        self._asks = 0  # rankings asked for: a late answer to an old ask is dropped

    # --- composing --------------------------------------------------------------------

    def compose_header(self) -> ComposeResult:
        yield Static(id="team-header", classes="team-line")

    def _tab_body(self, tab: str) -> list[Widget]:
        if tab == "people":
            # Everyone, as the panel draws them, in full: what its "+N more" promised. Only
            # the rows on screen are drawn.
            return [TeamPeople(id="team-people")]
        note = Static(classes="tab-note", id=f"{tab}-notes")
        if tab == "overlap":
            return [Vertical(note, TeamHeatMap(id="heatmap"), classes="tab-body")]
        if tab == "slots":
            from textual.widgets import Select

            people: SelectionList[str] = SelectionList(id="slot-people")
            people.border_title = "People · space picks"
            length = Select(
                [(f"{m} min", m) for m in LENGTHS],
                value=self.minutes,
                allow_blank=False,
                compact=True,
                id="slot-length",
            )
            return [
                Horizontal(
                    Vertical(people, length, id="slot-picker"),
                    Vertical(
                        note,
                        SlotTable(id="slots-table"),
                        Static(id="slot-detail"),
                        id="slot-results",
                    ),
                    classes="tab-body",
                )
            ]
        if tab == "fairness":
            return [
                Vertical(
                    note,
                    CostTable(id="fairness-ledger"),
                    Static(classes="tab-note", id="rotation-notes"),
                    CostTable(id="fairness-rotation"),
                    classes="tab-body",
                )
            ]
        return [Vertical(note, CostTable(id="handover-table"), classes="tab-body")]

    def on_mount(self) -> None:
        # Runs before the frame's own on_mount, which feeds the tabs: the tab's widget takes
        # the focus before the first paint, so that the screen is not painted once with the
        # focus on the tab strip and again with it on the list (and the footer built twice).
        # `set_focus` at once: `focus()` waits for the next idle moment, after that paint.
        target = self._tab_target()
        if target is not None and self.focused is not target:
            self.set_focus(target)

    # --- feeding ----------------------------------------------------------------------

    def show(self, dashboard: Dashboard, syncing: frozenset[str]) -> None:
        self._age = panel_age(dashboard, "team")
        for bar in self.query(SourceStatusBar):
            bar.show(dashboard.sources, offline=dashboard.offline, syncing=syncing)
        summary = dashboard.team
        data = dashboard.team_data
        self.now = dashboard.now
        self.rules = dashboard.team_rules
        self.lead_zone = dashboard.lead_zone
        same_summary = summary is self._fed or (self._fed is not _UNSET and summary == self._fed)
        same_data = data is self._fed_data or (
            self._fed_data is not _UNSET and data == self._fed_data
        )
        if same_summary and same_data:
            # The same team again (the repaint after opening, an age tick): only the age
            # moves, and the slots are ranked again once the clock passes a step.
            self._show_header()
            if self._ready and "people" in self.built:
                self.query_one("#team-people", TeamPeople).age = self._age
            if self._ready and self.ranked_for is not None:
                self._rank()
            return
        self._fed, self._fed_data = summary, data
        self.summary, self.team_data = summary, data
        self.feeds += 1
        if not same_data:
            self.fairness_view = None
            self.ranked_for = None
            roster = {p.id for p in data.people} if data is not None else set()
            self.picked = tuple(p for p in self.picked if p in roster)
        if not self._ready:
            return
        self._show_header()
        for tab in self.built:
            self._feed(tab)

    def names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        if self.summary is not None:
            names.update((p.id, p.name) for p in self.summary.people)
        if self.team_data is not None:
            names.update((p.id, p.name) for p in self.team_data.people)
        return names

    def roster(self) -> Sequence[Person]:
        return self.team_data.people if self.team_data is not None else ()

    def _feed(self, tab: str) -> None:
        if tab == "people":
            self._feed_people()
        elif tab == "overlap":
            self._feed_overlap()
        elif tab == "slots":
            self._feed_slots()
        elif tab == "fairness":
            self._feed_fairness()
        else:
            self._feed_handover()

    # --- people -----------------------------------------------------------------------

    def _feed_people(self) -> None:
        panel = self.query_one("#team-people", TeamPeople)
        panel.summary = self.summary
        panel.age = self._age

    # --- overlap ----------------------------------------------------------------------

    def _feed_overlap(self) -> None:
        heatmap = self.query_one(TeamHeatMap)
        heatmap.set_summary(self.summary)
        self.query_one("#overlap-notes", Static).update(self._overlap_notes())

    def _overlap_notes(self) -> Content:
        t = self.summary
        if t is None:
            return line(("No team data yet. ", MUTED), ("cockpit doctor", "bold"),
                        (" shows which sources feed it.", MUTED))  # fmt: skip
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.lead_zone)
        if self.rules.min_people > 0:
            need = f"at least {plural(self.rules.min_people, 'person', 'people')}"
        else:
            # [team] min_people = 0: each day's own most; the summary carries today's.
            need = "the most people who overlap that day"
            if t.min_people:
                need += f" (today {t.min_people})"
        rows = [
            line(
                (f"The next {plural(len(t.week), 'day')} in {self.lead_zone}", "bold"),
                (f" · a window needs {need}", MUTED),
            )
        ]
        miss = t.nearest_miss
        if miss is not None:
            names = self.names()
            start = miss.window.start.astimezone(zone)
            rows.append(
                line(
                    ("No window all week. ", "$text-warning"),
                    ("Nearest miss: ", MUTED),
                    (f"{start:%a} {window_text(miss.window, zone)}", "bold"),
                    (
                        f" with {plural(len(miss.window.people), 'person', 'people')}, "
                        f"{miss.short_by} short",
                        MUTED,
                    ),
                    (" · missing ", MUTED),
                    ", ".join(names.get(p, p) for p in miss.missing),
                )
            )
        return stack(rows)

    # --- slot finder ------------------------------------------------------------------

    def _feed_slots(self) -> None:
        people = self.query_one("#slot-people", SelectionList)
        roster = self.roster()
        listed = tuple((p.id, p.name, p.location or zone_place(p.timezone)) for p in roster)
        # The list is rebuilt only when the roster changed, not on every minute's rebuild:
        # the user's place in it stays put.
        if listed != self._listed:
            self._listed = listed
            highlighted = people.highlighted
            people.clear_options()
            people.add_options(
                [
                    Selection(self._prompt(name, where), pid, pid in self.picked)
                    for pid, name, where in listed
                ]
            )
            if highlighted is not None and highlighted < len(listed):
                people.highlighted = highlighted
            elif listed:
                # Space picks the person under the cursor: with none there, the first space
                # would do nothing.
                people.highlighted = 0
        if not roster:
            self._show_slot_note(
                line(("No one in the team yet: the roster file or Jira feeds it.", MUTED))
            )
            return
        self._rank()

    @staticmethod
    def _prompt(name: str, where: str) -> Content:
        return Content.assemble(Content(name), (f"  {where}", MUTED))

    def _show_slot_note(self, note: Content) -> None:
        self.query_one("#slots-notes", Static).update(note)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        chosen = set(event.selection_list.selected)
        picked = tuple(p.id for p in self.roster() if p.id in chosen)
        if picked != self.picked:
            self.picked = picked
            self._rank()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if isinstance(value, int) and value != self.minutes:
            self.minutes = value
            self._rank()

    def action_cycle_length(self) -> None:
        index = LENGTHS.index(self.minutes) if self.minutes in LENGTHS else -1
        self.minutes = LENGTHS[(index + 1) % len(LENGTHS)]
        if "slots" in self.built:
            from textual.widgets import Select

            self.query_one("#slot-length", Select).value = self.minutes
            self._rank()

    def _rank(self) -> None:
        """Rank the slots for the people picked on a worker thread; the table says so
        meanwhile, and only the answer to the latest ask is shown."""
        if "slots" not in self.built:
            return
        data, picked, now = self.team_data, self.picked, self.now
        if data is None or now is None or len(picked) < 2:
            self.slots, self.ranked_for, self.ranked_for_shown = (), None, None
            table = self.query_one(SlotTable)
            table.model, table.view = None, ()
            table.placeholder = "Pick two people or more (space) to see when they can meet."
            table.refresh()
            self.query_one("#slot-detail", Static).update("")
            self._show_slot_note(
                line(
                    (f"{len(picked)} picked", "bold"),
                    (f" · meetings of {self.minutes} min · l changes the length", MUTED),
                )
            )
            return
        asked = (picked, self.minutes, self._step_of(now))
        if self.ranked_for == asked:
            return
        self._asks += 1
        ask = self._asks
        self._show_slot_note(
            line((f"Ranking slots for {plural(len(picked), 'person', 'people')}…", MUTED))
        )
        self.run_worker(
            partial(self._rank_in_thread, ask, data, asked, now, self.rules),
            name="team-slots",
            group="team-slots",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _rank_in_thread(
        self,
        ask: int,
        data: TeamData,
        asked: tuple[tuple[str, ...], int, int],
        now: datetime,
        rules: TeamRules,
    ) -> None:
        from cockpit.analytics.team_slots import find_slots

        picked, minutes, _step = asked
        slots = find_slots(data, picked, minutes, now, rules=rules)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_slots, ask, asked, slots)

    def _step_of(self, now: datetime) -> int:
        return int(now.timestamp() // 60) // max(self.rules.slot_step_minutes, 1)

    def _show_slots(
        self, ask: int, asked: tuple[tuple[str, ...], int, int], slots: tuple[Slot, ...]
    ) -> None:
        if ask != self._asks or not self.is_mounted:
            return  # a newer ask is on its way
        picked, minutes, _step = asked
        table = self.query_one(SlotTable)
        chosen = table.current_slot()
        # The same people and length ranked again (the clock moved on, the roster synced):
        # the cursor stays on the slot the user was looking at. Other people or another
        # length: the best slot is the one under the cursor.
        same_question = self.slots and self.ranked_for_shown == (picked, minutes)
        self.slots, self.ranked_for = slots, asked
        self.ranked_for_shown = (picked, minutes)
        table.set_model(slot_model(slots, picked, self.names(), self.lead_zone))
        if chosen is not None and same_question:
            table.choose_start(chosen.start)
        days = self.rules.overlap_days
        self._show_slot_note(slots_note(len(slots), len(picked), minutes, days))
        self._show_detail()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A ranking or a ledger that failed says so where its answer would be; the app
        turns the error itself into a notification (the event goes on up)."""
        if event.state is not WorkerState.ERROR or not self.is_mounted:
            return
        if event.worker.group == "team-slots" and "slots" in self.built:
            self.ranked_for = None
            self._show_slot_note(
                line(
                    ("Could not rank the slots: ", "$text-error"), (str(event.worker.error), MUTED)
                )
            )
        elif event.worker.group == "team-fairness" and "fairness" in self.built:
            ledger = self.query_one("#fairness-ledger", CostTable)
            ledger.placeholder = f"Could not add up the meetings: {event.worker.error}"
            ledger.refresh()

    def on_slot_table_chosen(self, event: SlotTable.Chosen) -> None:
        event.stop()
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.query_one(SlotTable)
        self.query_one("#slot-detail", Static).update(
            slot_detail(table.current_slot(), self.names())
        )

    def chosen_slot(self) -> Slot | None:
        if "slots" not in self.built:
            return None
        return self.query_one(SlotTable).current_slot()

    def action_write_ics(self) -> None:
        slot = self.chosen_slot()
        if slot is None or self.team_data is None:
            self.notify("Pick people on the Slot finder, then the slot to invite them to.",
                        timeout=4)  # fmt: skip
            return
        by_id = {p.id: p for p in self.team_data.people}
        people = tuple(by_id[c.id] for c in slot.costs if c.id in by_id)
        title = "Meeting: " + ", ".join(p.name.split(" ")[0] or p.name for p in people)
        folder, where = ics_folder()
        path = folder / ics_name(slot)
        self.run_worker(
            partial(self._write_in_thread, path, slot, people, title, self.lead_zone, where),
            name="team-ics",
            group="team-ics",
            thread=True,
            exit_on_error=False,
        )

    def _write_in_thread(
        self,
        path: Path,
        slot: Slot,
        people: tuple[Person, ...],
        title: str,
        zone: str,
        where: str,
    ) -> None:
        from cockpit.export.ics import write_ics

        try:
            written = write_ics(path, slot, people, title, zone)
        except OSError as exc:
            message = (
                f"Could not write the invite to {path}: {exc.strerror or exc}. "
                "Check that the folder exists and that you may write to it."
            )
            self.app.call_from_thread(
                self.notify, message, title="Invite not written", severity="error",
                timeout=10, markup=False,
            )  # fmt: skip
            return
        self.app.call_from_thread(
            self.notify, f"Written to {where}: {written}", title="Invite (.ics)", timeout=8,
            markup=False,
        )  # fmt: skip

    # --- fairness ---------------------------------------------------------------------

    def _feed_fairness(self) -> None:
        if self.fairness_view is not None:
            self._show_fairness(self.fairness_view, self._fed_data)
            return
        ledger = self.query_one("#fairness-ledger", CostTable)
        rotation = self.query_one("#fairness-rotation", CostTable)
        for table in (ledger, rotation):
            table.model, table.view = None, ()
        data, now = self.team_data, self.now
        if data is None or now is None:
            ledger.placeholder = "No team data yet."
            rotation.placeholder = ""
            for table in (ledger, rotation):
                table.refresh()
            return
        ledger.placeholder = "Adding up the recorded meetings…"
        rotation.placeholder = ""
        self.run_worker(
            partial(self._fairness_in_thread, data, now, self.rules, self.lead_zone),
            name="team-fairness",
            group="team-fairness",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _fairness_in_thread(
        self, data: TeamData, now: datetime, rules: TeamRules, zone: str
    ) -> None:
        from cockpit.analytics.team_slots import fairness

        view = fairness(data, now, rules=rules, lead_zone=zone)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_fairness, view, data)

    def _show_fairness(self, view: FairnessView, data: object) -> None:
        if data is not self._fed_data or not self.is_mounted:
            return  # computed for data that has since changed
        from widgets.team_ledger import ledger_model, rotation_model

        self.fairness_view = view
        self.query_one("#fairness-ledger", CostTable).set_model(ledger_model(view))
        self.query_one("#fairness-rotation", CostTable).set_model(
            rotation_model(view, self.names(), self.lead_zone)
        )
        self.query_one("#fairness-notes", Static).update(
            line(
                (f"The last {plural(view.weeks, 'week')} of recorded meetings", "bold"),
                (
                    " · a meeting is inconvenient for whoever it keeps outside their hours; "
                    "pain weighs each minute (late evenings more than early mornings)",
                    MUTED,
                ),
            )
        )
        words: list[Part] = [("Proposed rotation", "bold")]
        if view.series:
            words += [(" of ", MUTED), view.series, (" · the pain moves on each week", MUTED)]
        self.query_one("#rotation-notes", Static).update(line(*words))

    # --- handover ---------------------------------------------------------------------

    def _feed_handover(self) -> None:
        from widgets.team_handover import chain_lines, handover_model

        t = self.summary
        table = self.query_one("#handover-table", CostTable)
        notes = self.query_one("#handover-notes", Static)
        if t is None:
            table.model, table.view = None, ()
            table.placeholder = "No team data yet."
            table.refresh()
            notes.update("")
            return
        zones = {p.id: p.timezone for p in t.people}
        lines = chain_lines(t.handover, zones)
        table.set_model(handover_model(lines, self.names(), self.lead_zone))
        gaps = sum(1 for leg in t.handover if leg.gap_before > 0)
        notes.update(
            line(
                (f"Who carries the work over the next 24 hours, in {self.lead_zone}", "bold"),
                (
                    f" · {plural(gaps, 'gap')} when nobody is working"
                    if gaps
                    else " · no gap: the work is always in someone's hands",
                    MUTED,
                ),
            )
        )

    # --- header -----------------------------------------------------------------------

    def _show_header(self) -> None:
        parts: list[Part] = [("Team", "bold")]
        t = self.summary
        if t is not None:
            parts += [
                "  ",
                (f"{t.working_now} of {len(t.people)} working now", "bold"),
                (f" · {plural(t.zones, 'time zone')} · times in {self.lead_zone}", MUTED),
            ]
        else:
            parts.append(("  no team data yet", MUTED))
        age = self._age
        if age is not None:
            style = {"fresh": "$text-success", "failed": "$text-error"}.get(
                age.state, "$text-warning"
            )
            parts += [("   ", ""), (age.label, style)]
        self.query_one("#team-header", Static).update(line(*parts))

    # --- actions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The slot finder's keys are shown (and work) on its tab only."""
        if action in ("cycle_length", "write_ics"):
            return self._active_tab() == "slots"
        return True

    def _active_tab(self) -> str:
        tabs = self.query(TabbedContent)
        return tabs.first().active if tabs else self.initial_tab

    def action_back(self) -> None:
        self.app.pop_screen()

    def _focus_tab(self) -> None:
        target = self._tab_target()
        if target is not None and self.focused is not target:
            target.focus()

    def _tab_target(self) -> Widget | None:
        """The widget that takes the active tab's keys (None while the tab is not built)."""
        active = self.query_one(TabbedContent).active
        if active not in self.built:
            return None
        target: Widget
        if active == "people":
            target = self.query_one("#team-people", TeamPeople)
        elif active == "overlap":
            target = self.query_one(TeamHeatMap)
        elif active == "slots":
            target = self.query_one("#slot-people", SelectionList)
        elif active == "fairness":
            target = self.query_one("#fairness-ledger", CostTable)
        else:
            target = self.query_one("#handover-table", CostTable)
        return target

    def on_cost_table_sorted(self, event: CostTable.Sorted) -> None:
        event.stop()
