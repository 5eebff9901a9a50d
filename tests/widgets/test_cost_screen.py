"""The cost screen on hand-built view-models (tests/widgets/test_cost_sample.py), clock
frozen: a bare host app shows the screen, fed a dashboard as the app feeds it, so these
pictures and keys change only when the screen does."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from cockpit.analytics.cost_views import CostSummary
from cockpit.analytics.freshness import Freshness, SourceState
from cockpit.dashboard import AreaInputs, Dashboard
from cockpit.screens.cost import CostScreen, PaidCallsToday, breakdown_model
from tests.conftest import FROZEN_NOW
from tests.widgets.test_cost_sample import big_summary, sample_summary
from widgets.cost_table import CostTable


def dashboard_with(summary: CostSummary | None) -> Dashboard:
    """A dashboard holding only cost, synced four minutes before the frozen moment."""
    taken = FROZEN_NOW - timedelta(minutes=4)
    state = SourceState("focus", "focus", Freshness.FRESH, taken, 240.0)
    return Dashboard(
        now=FROZEN_NOW,
        offline=False,
        sources=(state,),
        areas={"cost": AreaInputs((state,))},
        sprint=None,
        experiments=None,
        okrs=None,
        cost=summary,
        team=None,
    )


class Host(App[None]):
    """The screen alone, fed as the app feeds it."""

    def __init__(
        self,
        summary: CostSummary | None,
        *,
        tab: str = "breakdown",
        paid: tuple[PaidCallsToday, ...] = (),
    ) -> None:
        super().__init__()
        self.summary = summary
        self.tab = tab
        self.paid = paid

    def on_mount(self) -> None:
        self.push_screen(Screen())  # what Escape goes back to
        screen = CostScreen(dashboard_with(self.summary), tab=self.tab)
        self.push_screen(screen)
        if self.paid:
            screen.set_paid_calls(self.paid)


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()


def after(*keys: str):
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.2)  # a chart drawn after its tab
        await settle(pilot)

    return run


def table(pilot: Pilot, tab: str) -> CostTable:
    return pilot.app.screen.query_one(f"#{tab}-table", CostTable)


def keys_of(t: CostTable) -> list[str]:
    assert t.model is not None
    return [t.model.rows[n].key for n in t.view]


# --- pictures ----------------------------------------------------------------------------


def test_cost_screen_breakdown(snap_compare) -> None:
    """By service, largest first; other currencies flagged; the paid calls used today."""
    host = Host(sample_summary("over", mixed=True), paid=(PaidCallsToday("aws", 2, 3),))
    assert snap_compare(host, terminal_size=(130, 30), run_before=settle)


def test_cost_screen_breakdown_pivoted_and_sorted(snap_compare) -> None:
    """By account, the largest increase week over week first."""
    host = Host(sample_summary("warning"))
    assert snap_compare(host, terminal_size=(110, 24), run_before=after("p", "p", "s", "s", "s"))


def test_cost_screen_daily(snap_compare) -> None:
    """The last 30 days as bars, the forecast to the month's end between its low and high."""
    host = Host(sample_summary("ok"), tab="daily")
    assert snap_compare(host, terminal_size=(120, 32), run_before=settle)


def test_cost_screen_anomalies(snap_compare) -> None:
    """Each anomaly with the rule that found it."""
    host = Host(sample_summary("warning"))
    assert snap_compare(host, terminal_size=(120, 20), run_before=after("3"))


def test_cost_screen_experiments(snap_compare) -> None:
    """Spend per experiment, per run and per point gained; a tag no tracker knows, flagged."""
    host = Host(sample_summary("ok"))
    assert snap_compare(host, terminal_size=(120, 20), run_before=after("4"))


def test_cost_screen_budgets(snap_compare) -> None:
    """Ours and AWS Budgets' side by side, most used first, with the provider's figures."""
    host = Host(sample_summary("over"), paid=(PaidCallsToday("aws", 3, 3),))
    assert snap_compare(host, terminal_size=(130, 20), run_before=after("5"))


def test_cost_screen_without_data(snap_compare) -> None:
    assert snap_compare(Host(None), terminal_size=(100, 16), run_before=settle)


# --- keys --------------------------------------------------------------------------------


async def test_pivot_keys_walk_every_dimension_and_tag() -> None:
    summary = sample_summary("ok")
    async with Host(summary).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CostScreen)
        assert screen.dimension == "service"
        assert keys_of(table(pilot, "breakdown"))[:2] == ["Amazon SageMaker", "Amazon EC2"]
        seen = []
        for _ in range(6):
            await pilot.press("p")
            await settle(pilot)
            seen.append(screen.dimension)
        assert seen == ["account", "region", "category", "tag:team", "provider", "service"]
        await pilot.press("P")
        await settle(pilot)
        assert screen.dimension == "provider"
        assert keys_of(table(pilot, "breakdown")) == ["AWS", "Google Cloud"]


async def test_sort_keys_reorder_and_reverse() -> None:
    async with Host(sample_summary("ok")).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        t = table(pilot, "breakdown")
        assert t.sort_key == "mtd"
        natural = keys_of(t)
        await pilot.press("s")  # this week, largest first
        assert t.sort_key == "this_week"
        assert keys_of(t)[:3] == ["Amazon SageMaker", "Amazon EC2", "Vertex AI"]
        await pilot.press("s", "s")  # change: the largest increase first
        assert t.sort_key == "change"
        assert keys_of(t)[:2] == ["Amazon SageMaker", "Vertex AI"]
        assert keys_of(t)[-1] == "Amazon EC2"  # the largest fall last
        await pilot.press("S")  # reversed: the largest fall first
        assert keys_of(t)[0] == "Amazon EC2"
        # A pivot keeps the sort; back to the services, the same order again.
        await pilot.press("p", "P")
        await settle(pilot)
        t = table(pilot, "breakdown")
        assert (t.sort_key, t.reverse) == ("change", True)
        assert keys_of(t)[0] == "Amazon EC2"
        await pilot.press("s", "s", "s")  # gpu, key, provider… and round to month to date
        while t.sort_key != "mtd":
            await pilot.press("s")
        assert keys_of(t) == natural


async def test_a_sort_keeps_the_cursor_on_its_row() -> None:
    async with Host(sample_summary("ok")).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        t = table(pilot, "breakdown")
        await pilot.press("down", "down")  # Vertex AI
        assert t.current().key == "Vertex AI"
        await pilot.press("s", "s", "s")
        assert t.current().key == "Vertex AI"


async def test_clicking_a_header_sorts_and_a_second_click_reverses() -> None:
    async with Host(sample_summary("ok")).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        t = table(pilot, "breakdown")
        await pilot.click(t, offset=(2, 0))  # "Service"
        assert (t.sort_key, t.reverse) == ("key", False)
        assert keys_of(t) == sorted(keys_of(t), key=str.casefold)
        await pilot.click(t, offset=(2, 0))
        assert (t.sort_key, t.reverse) == ("key", True)


async def test_currency_key_switches_the_tables_apart() -> None:
    async with Host(sample_summary("ok", mixed=True)).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert keys_of(table(pilot, "breakdown")) == ["Azure Blob Storage", "Azure Monitor"]
        header = str(pilot.app.screen.query_one("#cost-header").render())
        assert header.startswith("Cost  €1,234 month to date")


async def test_tabs_are_built_when_first_shown() -> None:
    async with Host(sample_summary("ok")).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CostScreen)
        assert screen.built == {"breakdown"}
        assert not screen.query("CostDailyChart")
        await pilot.press("d")
        await settle(pilot)
        assert screen.built == {"breakdown", "daily"}
        assert screen.query("CostDailyChart")


async def test_feeding_the_same_summary_again_rebuilds_nothing() -> None:
    summary = sample_summary("ok")
    async with Host(summary).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CostScreen)
        feeds = screen.feeds
        screen.show(dashboard_with(sample_summary("ok")), frozenset())  # equal, not the same
        assert screen.feeds == feeds


async def test_escape_goes_back() -> None:
    async with Host(sample_summary("ok")).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, CostScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, CostScreen)


async def test_only_the_rows_on_screen_are_drawn() -> None:
    async with Host(big_summary(2_000, 5_000)).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        t = table(pilot, "breakdown")
        assert len(t.view) == 2_000
        # A few screenfuls (focus and styles draw the first one again), not 2,000 rows.
        assert t.redraws < 200
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        assert t.redraws < 300
        await pilot.press("P", "P")  # back past the providers to the run_id tag: 5,000 values
        await settle(pilot)
        assert len(table(pilot, "breakdown").view) == 5_000


def test_names_from_the_exports_are_plain_text() -> None:
    model = breakdown_model(sample_summary("ok").views[0], "service")
    row = next(r for r in model.rows if r.key.startswith("[bold]"))
    key = model.column("key")
    assert key is not None and key.text(row) == ("[bold]Support[/] (Business)", "strong")


def test_spend_without_a_value_for_the_dimension_says_so() -> None:
    """An untagged line is a row of its own and is named, not left blank."""
    from cockpit.analytics.cost_views import SpendLine

    view = sample_summary("ok").views[0]
    lines = (SpendLine("fraud", "USD", 70.0, 10, 9, 0.7), SpendLine("", "USD", 30.0, 3, 3, 0.3))
    view = msgspec.structs.replace(
        view, breakdowns={**view.breakdowns, "tag:team": lines, "region": lines}
    )
    tagged = breakdown_model(view, "tag:team").column("key")
    by_region = breakdown_model(view, "region").column("key")
    assert tagged is not None and by_region is not None
    assert tagged.text(lines[1]) == ("(untagged)", "muted")
    assert tagged.text(lines[0]) == ("fraud", "strong")
    assert by_region.text(lines[1]) == ("(no region)", "muted")
