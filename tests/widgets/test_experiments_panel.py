"""The Experiments panel on the hand-built sample (tests/cockpit/test_experiments_sample.py),
summed up at the frozen moment: pixel snapshots at the sizes the dashboard gives it, and what
its rows say."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from cockpit.analytics.experiments import ExperimentsSummary
from tests.cockpit.test_experiments_sample import sample_summary
from widgets.experiments_panel import ExperimentsPanel, sparkline
from widgets.panel import PanelAge


class PanelHost(App[None]):
    """The panel alone, fed as the dashboard feeds it."""

    CSS = """
    VerticalScroll ExperimentsPanel { height: auto; }
    """

    def __init__(self, summary: ExperimentsSummary | None, *, detailed: bool = False) -> None:
        super().__init__()
        self.summary = summary
        self.detailed = detailed

    def compose(self) -> ComposeResult:
        panel = ExperimentsPanel(detailed=self.detailed)
        panel.summary = self.summary
        panel.age = PanelAge("fresh", "2m", "ml, wb")
        if self.detailed:
            with VerticalScroll():
                yield panel
        else:
            yield panel


@pytest.fixture(scope="module")
def summary() -> ExperimentsSummary:
    return sample_summary()


def test_panel_roomy(snap_compare, summary: ExperimentsSummary) -> None:
    """Top runs, champions, the call-out, the record lines and this week against last."""
    assert snap_compare(PanelHost(summary), terminal_size=(84, 26))


def test_panel_tight(snap_compare, summary: ExperimentsSummary) -> None:
    """One run per experiment, the champion beside it, "+N more" for the rest."""
    assert snap_compare(PanelHost(summary), terminal_size=(60, 14))


def test_panel_compact(snap_compare, summary: ExperimentsSummary) -> None:
    """A line per experiment: its best value and how it stands against the champion."""
    assert snap_compare(PanelHost(summary), terminal_size=(42, 7))


def test_panel_detailed(snap_compare, summary: ExperimentsSummary) -> None:
    """Every kept run, the board across experiments, and the velocity per person."""
    assert snap_compare(PanelHost(summary, detailed=True), terminal_size=(100, 60))


# --- what the rows say (text, any size) --------------------------------------------------


def _text(summary: ExperimentsSummary, width: int, height: int, detailed: bool = False) -> str:
    panel = ExperimentsPanel(detailed=detailed)
    panel.set_reactive(ExperimentsPanel.summary, summary)
    return "\n".join(row.plain for row in panel.render_body(width, height))


def test_header_counts_runs_running_done_and_this_week(summary: ExperimentsSummary) -> None:
    assert _text(summary, 100, 30).splitlines()[0] == (
        "21 runs on mlflow, wandb · 1 running · 2 done in 24h · 1 this week vs 9 last"
    )
    # Narrow: this week's count stays, in words.
    assert _text(summary, 44, 30).splitlines()[0] == "21 runs · 1 running · 2 done 24h · 1 this wk"


def test_a_run_beating_the_champion_is_called_out(summary: ExperimentsSummary) -> None:
    text = _text(summary, 80, 30)
    assert "▲ dcn-ls0.1 beats the champion by +0.0090" in text
    # Where the champion leads, the challenger's distance to it, signed.
    assert "challenger whisper-lr1e-5 +0.0030 vs champion" in text


def test_cut_rows_say_how_many_more(summary: ExperimentsSummary) -> None:
    lines = _text(summary, 80, 11).splitlines()  # room for one top run per experiment
    start = next(i for i, line in enumerate(lines) if line.startswith("ranker "))
    end = next(i for i, line in enumerate(lines) if line.startswith("asr "))
    ranked_rows = [line for line in lines[start + 1 : end] if line[:3].strip().endswith(".")]
    # The best run, then the champion (second) under it with its rank.
    assert [line.split()[0] for line in ranked_rows] == ["1.", "2."]
    assert " 2.  0.4620  dcn-prod ★ champion" in ranked_rows[-1]
    hidden = summary.boards[0].ranked - len(ranked_rows)
    assert f"+{hidden} more" in lines[start]


def test_compact_rows_when_there_is_no_room(summary: ExperimentsSummary) -> None:
    lines = _text(summary, 60, 5).splitlines()
    assert lines[1:] == [
        "ranker val_ndcg ↑ 0.4710 ▲ beats champion +0.0090",
        "asr eval_wer ↓ 0.1010 ★ leads; challenger +0.0030",
        "ranker-wandb val_ndcg ↑ 0.4680",
    ]


def test_detailed_shows_every_kept_run_the_cross_board_and_velocity(
    summary: ExperimentsSummary,
) -> None:
    text = _text(summary, 100, 10, detailed=True)
    for board in summary.boards:
        for row in board.top:
            assert row.name in text
    assert "All experiments  val_ndcg ↑" in text
    assert "ml: ranker" in text and "wb: ranker-wandb" in text
    assert "1 run started this week vs 9 last week (-8)" in text
    assert "failed – vs 22%" in text


def test_no_data_yet_renders_nothing_to_cut() -> None:
    panel = ExperimentsPanel()
    assert panel.render_body(60, 10) == []


def test_sparkline_keeps_the_last_value_and_fits_the_width() -> None:
    assert sparkline((1.0, 2.0, 3.0), 10) == "▁▄█"
    squeezed = sparkline(tuple(float(i) for i in range(56)), 8)
    assert len(squeezed) == 8 and squeezed[-1] == "█" and squeezed[0] == "▁"
    assert sparkline((), 8) == "" and sparkline((1.0,), 0) == ""
