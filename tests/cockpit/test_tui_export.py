"""The weekly summary from inside the TUI: `e` (or the command palette) opens a dialog, the
file is written on a worker thread, and a notification names it or says what went wrong."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import msgspec
import pytest
from textual.widgets import Checkbox, Input, Select

from cockpit import weekly_jobs
from cockpit.app import CockpitApp
from cockpit.clock import FrozenClock
from cockpit.export.weeks import Week, last_full_week
from cockpit.masking import MASK_MARKER
from cockpit.screens.export_dialog import ExportDialog
from cockpit.workspace import Workspace, open_demo_workspace, warm_demo
from tests.conftest import FROZEN_NOW

SIZE = (140, 44)
LAST_FULL = last_full_week(FROZEN_NOW)  # 2026-W47: FROZEN_NOW is Monday of W48


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    workspace = open_demo_workspace(tmp_path / "demo.sqlite")
    warm_demo(workspace, FrozenClock(FROZEN_NOW))
    return workspace


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the user started the cockpit: the dialog's default folder."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    return here


def make_app(workspace: Workspace) -> CockpitApp:
    return CockpitApp(workspace, FrozenClock(FROZEN_NOW), sync_on_start=False, poll=False)


async def until(pilot: object, condition: object, seconds: float = 10.0) -> None:
    """Let the app run until `condition()` holds (a generous bound: it proves "done", not
    "fast")."""
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("the app did not get there in time")


def notices(app: CockpitApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def open_dialog(app: CockpitApp, pilot: object) -> ExportDialog:
    await pilot.press("e")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, ExportDialog))
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, ExportDialog)
    return app.screen


async def test_e_opens_the_dialog_on_the_last_full_week_with_a_file_here(
    workspace: Workspace, folder: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot)
        assert dialog.query_one("#export-week", Select).value == LAST_FULL.label == "2026-W47"
        assert dialog.query_one("#export-format", Select).value == "md"
        assert dialog.query_one("#export-masked", Checkbox).value is False
        path = dialog.query_one("#export-path", Input).value
        assert path == str(folder / "weekly-2026-W47.md")
        # Twelve ended weeks to choose from, and this one so far.
        offered = [value for _, value in dialog.query_one("#export-week", Select)._options]
        assert offered[:3] == ["2026-W48", "2026-W47", "2026-W46"] and len(offered) == 13
        # The full path is shown, so the user knows where the file goes.
        assert str(folder / "weekly-2026-W47.md") in str(
            dialog.query_one("#export-message").render()
        )


async def test_export_writes_the_file_the_command_line_writes_and_names_it(
    workspace: Workspace, folder: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(app, pilot)
        await pilot.click("#export-submit")
        written = folder / "weekly-2026-W47.md"
        await until(pilot, lambda: any("written to" in n for n in notices(app)))
        assert not isinstance(app.screen, ExportDialog)
    expected = weekly_jobs.weekly_export_text(workspace, LAST_FULL, "md", FROZEN_NOW, masked=False)
    assert written.read_text(encoding="utf-8") == expected
    assert expected.startswith("# Weekly status 2026-W47")
    assert any(str(written) in n for n in notices(app))


async def test_the_file_follows_week_and_format_until_the_user_types_one(
    workspace: Workspace, folder: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot)
        dialog.query_one("#export-format", Select).value = "html"
        dialog.query_one("#export-week", Select).value = "2026-W45"
        await pilot.pause()
        field = dialog.query_one("#export-path", Input)
        assert field.value == str(folder / "weekly-2026-W45.html")
        field.value = "reports/mine.html"
        await pilot.pause()
        dialog.query_one("#export-format", Select).value = "json"
        await pilot.pause()
        assert field.value == "reports/mine.html"  # the user's own path is kept
        await pilot.click("#export-submit")
        await until(pilot, lambda: (folder / "reports" / "mine.html").exists())
    text = (folder / "reports" / "mine.html").read_text(encoding="utf-8")
    assert text.lstrip().startswith("{") and '"2026-W45"' in text  # JSON, as chosen last


async def test_a_file_that_cannot_be_written_is_an_error_in_words(
    workspace: Workspace, folder: Path
) -> None:
    (folder / "notes.txt").write_text("a file, not a folder\n")
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot)
        dialog.query_one("#export-path", Input).value = "notes.txt/weekly.md"
        await pilot.click("#export-submit")
        await until(pilot, lambda: bool(app._notifications))
        (notice,) = app._notifications
    assert notice.severity == "error" and notice.title == "Weekly summary not written"
    assert notice.message.startswith(f"Could not write {folder / 'notes.txt' / 'weekly.md'}:")
    assert "Choose a folder you may write to." in notice.message
    assert "Traceback" not in notice.message


async def test_an_empty_path_is_said_in_the_dialog_and_nothing_is_written(
    workspace: Workspace, folder: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot)
        dialog.query_one("#export-path", Input).value = "   "
        await pilot.click("#export-submit")
        await pilot.pause()
        assert app.screen is dialog  # still open, saying what to fix
        assert "Type the file" in str(dialog.query_one("#export-message").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)
    assert list(folder.iterdir()) == []
    assert not app._notifications


async def test_masked_export_holds_the_marker_and_follows_the_config_default(
    workspace: Workspace, folder: Path
) -> None:
    workspace.config.sharing = msgspec.structs.replace(
        workspace.config.sharing, mask_by_default=True
    )
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot)
        assert dialog.query_one("#export-masked", Checkbox).value is True
        await pilot.click("#export-submit")
        await until(pilot, lambda: any("written to" in n for n in notices(app)))
    text = (folder / "weekly-2026-W47.md").read_text(encoding="utf-8")
    assert MASK_MARKER in text
    assert any("(masked)" in n for n in notices(app))


async def test_the_screen_mask_toggle_decides_the_default(
    workspace: Workspace, folder: Path
) -> None:
    app = make_app(workspace)
    app.masked = True  # type: ignore[attr-defined]  # as the `m` key leaves it
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(app, pilot)
        assert dialog.query_one("#export-masked", Checkbox).value is True


async def test_the_ui_answers_keys_while_a_slow_export_runs(
    workspace: Workspace, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started = threading.Event()
    real = weekly_jobs.weekly_export_text

    def slow(*args: object, **kwargs: object) -> str:
        started.set()
        release.wait(30)  # a huge store, a slow disk: the export takes its time
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(weekly_jobs, "weekly_export_text", slow)
    app = make_app(workspace)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_dialog(app, pilot)
            await pilot.click("#export-submit")
            await until(pilot, started.is_set)
            # The export is under way; the dashboard answers keys meanwhile.
            await pilot.press("4")
            await pilot.pause()
            assert app.focused is not None and app.focused.id == "cost"
            await pilot.press("2")
            await pilot.pause()
            assert app.focused is not None and app.focused.id == "experiments"
            await pilot.press("question_mark")
            await pilot.pause()
            assert app.screen.query("HelpPanel")
            assert not (folder / "weekly-2026-W47.md").exists()
            release.set()
            await until(pilot, lambda: any("written to" in n for n in notices(app)))
    finally:
        release.set()
    assert (folder / "weekly-2026-W47.md").exists()


async def test_the_palette_and_the_keys_offer_the_export(workspace: Workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Export weekly summary…" in titles
        assert not [t for t in titles if t.startswith("Send weekly summary")]  # none configured
        # The footer and the help panel list the key, as they list every other.
        shown = {b.key: b for _, b, _, _ in app.screen.active_bindings.values()}
        assert shown["e"].description == "Export" and shown["e"].show
        await pilot.press("question_mark")
        await pilot.pause()
        (panel,) = app.screen.query("HelpPanel")
        (keys,) = panel.query("BindingsTable")
        table = keys.render()  # a Rich table: the keys in one column, what they do in another
        described = [str(cell) for column in table.columns for cell in column._cells]
        assert "Export" in described


async def test_the_palette_entry_opens_the_dialog(workspace: Workspace, folder: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export weekly")

        def found() -> bool:  # the palette searches as it is typed
            from textual.command import CommandList

            lists = app.screen.query(CommandList)
            return bool(lists) and lists.first().option_count > 0

        await until(pilot, found)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))


def test_recent_weeks_are_newest_first_and_end_twelve_weeks_back() -> None:
    weeks = weekly_jobs.recent_weeks(FROZEN_NOW)
    assert weeks[0] == Week(2026, 48) and weeks[1] == LAST_FULL
    assert weeks[-1] == Week(2026, 36) and len(weeks) == 13


def test_a_week_not_started_is_refused_in_words(workspace: Workspace) -> None:
    with pytest.raises(weekly_jobs.WeeklyJobError, match="has not started yet"):
        weekly_jobs.weekly_export_text(workspace, Week(2026, 49), "md", FROZEN_NOW, masked=False)


def test_a_folder_as_the_file_is_refused_in_words(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(weekly_jobs.WeeklyJobError, match="is a folder"):
        weekly_jobs.write_weekly(
            workspace, LAST_FULL, "md", FROZEN_NOW, masked=False, path=tmp_path
        )


def test_no_event_loop_is_needed_to_write(workspace: Workspace, tmp_path: Path) -> None:
    """The worker thread calls it with no loop of its own."""
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    path = weekly_jobs.write_weekly(
        workspace, LAST_FULL, "json", FROZEN_NOW, masked=False, path=tmp_path / "w.json"
    )
    assert path.read_text(encoding="utf-8").lstrip().startswith("{")
