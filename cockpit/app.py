"""The Textual app: paints from the store, then syncs each source in its own worker.

One worker per source does "sync, then repaint" in sequence, and re-arms its poll timer only
when it has finished, and `r` skips a source still syncing, so syncs of one source never overlap
and a slow source never holds up the others. The UI never waits on the network: the first paint
comes from the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import threading
from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from cockpit.clock import Clock
from cockpit.collector import IdleCollector
from cockpit.dashboard import Dashboard
from cockpit.screens.dashboard import PANEL_TYPES, DashboardScreen
from cockpit.screens.detail import DetailScreen
from cockpit.store import StoreError
from cockpit.sync import SyncJob
from cockpit.text_safety import clean_line, clean_text
from cockpit.workspace import Workspace
from integrations.base import Progress
from widgets.panel import Panel
from widgets.status_bar import SourceStatusBar
from widgets.textual_fixes import apply as apply_textual_fixes

if TYPE_CHECKING:
    from cockpit.analytics.cost_views import CostAlert
    from cockpit.analytics.run_table import RunTableModel
    from cockpit.export.weeks import Week
    from cockpit.screens.export_dialog import WeeklyRequest
    from widgets.okr_checkin import CheckInRequest, CheckInScreen

AGE_TICK_SECONDS = 10.0  # how often the on-screen ages tick (nothing is rebuilt for it)
# How often the view-models are rebuilt although no sync changed the data: who is working now,
# runs finished in the last 24 hours and today's burndown point follow the clock.
REBUILD_SECONDS = 60.0
# The leaderboard's model (every run) is rebuilt for the clock's sake at most this often: its
# time windows and "new today" marks are by the hour and day, and a rebuild reads every run.
RUNS_MODEL_FRESH_SECONDS = 15 * 60.0
# Screens that read more from the store than the dashboard (every run, each paid call), which
# the mask does not cover: they stay shut while masking is on.
UNMASKABLE_SCREENS = ("experiments", "cost")
UNMASKABLE_SCREEN_NAMES = ("leaderboard", "cost")  # those screens' names on the stack
MASK_WORDS = "money as % of budget, names as initials"
PROGRESS_SECONDS = 0.25  # a syncing source's progress reaches the status bar 4 times a second
IDLE_GC_SECONDS = 1.0  # how often the app looks for a pause to collect garbage in

apply_textual_fixes()


class CockpitApp(App[None]):
    CSS_PATH = Path(__file__).parent / "cockpit.tcss"
    TITLE = "cockpit"

    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="app.refresh"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        # Not in the footer (it is full at 80 columns): the palette and `?` list them.
        Binding("m", "toggle_mask", "Mask names and money", show=False, id="app.mask"),
        Binding("p", "present", "Present mode", show=False, id="app.present"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        clock: Clock,
        *,
        offline: bool = False,
        sync_on_start: bool = True,
        poll: bool = True,
        initial: Dashboard | None = None,
        masked: bool | None = None,
        present: bool = False,
        present_seconds: float | None = None,
    ) -> None:
        """`initial`: the dashboard for the first frame, when the caller has read it already
        (the command line does, so that a damaged cache is one line before the app starts),
        as read: the app masks it. `masked`: start masked (None: `[sharing] mask_by_default`).
        `present`: open in present mode (`cockpit present`), where `q` quits."""
        super().__init__()
        self.workspace = workspace
        self.clock = clock
        self.offline = offline
        self.sync_on_start = sync_on_start
        self.poll = poll
        self.syncing: set[str] = set()
        self._poll_timers: dict[str, Timer] = {}
        self.sync_progress: dict[str, Progress] = {}  # by source, while it syncs
        self._progress_timer: Timer | None = None
        self.sub_title = "demo workspace" if workspace.demo else str(workspace.config.path or "")
        # What the screens show (masked while the mask is on) and the build it came from, as
        # read: the mask is toggled without reading the store again.
        self.dashboard: Dashboard | None = initial
        self.plain: Dashboard | None = initial
        sharing = workspace.config.sharing
        self.masked = sharing.mask_by_default if masked is None else masked
        self.present_on_start = present
        self.present_seconds = present_seconds or sharing.present_seconds
        self._builds = itertools.count(1)  # next() is atomic: builds run on several threads
        self._shown_build = 0
        self.suspended = False
        # Every run, for the leaderboard screen: built on a worker when it opens, kept until a
        # sync brings new runs (the model of 50,000 runs takes a few hundred ms to build).
        self.runs: RunTableModel | None = None
        self._notices_claimed: set[str] = set()  # cost alerts this TUI has shown or is showing
        # Full garbage collections wait for a pause in the typing (cockpit/collector.py).
        self.collector = IdleCollector()
        # The outbox is delivered by one thread at a time (`deliver_outbox`, `send_weekly`);
        # a delivery after a sync is skipped while one is already asked for.
        self._outbox_lock = threading.Lock()
        self._outbox_asked = False

    def get_default_screen(self) -> Screen[None]:
        # The cache is read before the first frame, so the first paint already shows data.
        if self.plain is None:
            self.plain = self.workspace.dashboard(self.clock.now(), offline=self.offline)
        # Masked before the first frame: nothing unmasked ever reaches a shared screen.
        self.dashboard = self.mask(self.plain) if self.masked else self.plain
        return DashboardScreen(self.dashboard)

    def on_mount(self) -> None:
        self.app_suspend_signal.subscribe(self, self._on_suspend)
        self.app_resume_signal.subscribe(self, self._on_resume)
        self.set_interval(AGE_TICK_SECONDS, self.tick_ages, name="age-tick")
        self.set_interval(REBUILD_SECONDS, self._minute, name="rebuild")
        self.collector.start()
        self.set_interval(IDLE_GC_SECONDS, self.collector.tick, name="idle-gc")
        if self.present_on_start:
            self.open_present(quits=True)
        if self.sync_on_start:
            # Syncing waits for the first frame: the cache is on screen before any network.
            self.call_after_refresh(self._after_first_frame)

    def on_unmount(self) -> None:
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input_seen()
        await super().on_event(event)

    def _after_first_frame(self) -> None:
        # Everything alive now (Textual, the widgets, the records of the first frame) lives as
        # long as the app: the collector need not walk it again and again. The command line
        # turned collection off until this first frame (cockpit.cli.NO_GC_UNTIL_DONE).
        gc.freeze()
        gc.enable()
        self.run_worker(self._start_syncs, name="start", group="start", exit_on_error=False)

    async def _start_syncs(self) -> None:
        """Keep what the first frame showed from memory (the demo), then sync each source whose
        data is due; the others wait for their next poll."""
        kept: list[str] = []
        if self.workspace.in_hand:
            try:
                kept = await asyncio.to_thread(self.workspace.write_in_hand)
            except StoreError as exc:
                # The screen keeps showing it from memory; syncs below say what is wrong too.
                self.notify(str(exc), title="cache", severity="warning", markup=False)
        due = await asyncio.to_thread(self.workspace.due_in, self.clock.now())
        for job in self.workspace.jobs():
            # What the first frame showed was built just now: it is not synced again at once.
            wait = None if job.source.name in kept else due.get(job.source.name, 0.0)
            if wait is not None and (wait <= 0 or self.offline):
                self.sync_source(job)
            else:
                self._arm_poll(job, after=wait)  # None: a whole refresh interval

    # --- painting ---------------------------------------------------------------------

    def repaint(self) -> None:
        """Rebuild every view-model from the store now and hand it to the visible screen.
        Blocking: timers and syncs use `rebuild_in_background` instead."""
        self._show_build(*self._build_shown())

    def _build_shown(self) -> tuple[int, Dashboard, Dashboard | None]:
        """A build and, while the mask is on, its masked form, made on the same thread: the
        mask costs about 30 ms on the demo and 0.5 s at 5,000 issues, never the UI's time."""
        number, plain = self._build()
        return number, plain, self.mask(plain) if self.masked else None

    def _build(self) -> tuple[int, Dashboard]:
        """Numbered view-models, from any thread: builds overlap (two syncs ending together,
        the minute's rebuild), and the one that started last read the newest store."""
        number = next(self._builds)
        return number, self.workspace.dashboard(self.clock.now(), offline=self.offline)

    def _show_build(
        self, number: int, dashboard: Dashboard, masked: Dashboard | None = None
    ) -> None:
        """`dashboard` as read; `masked`, its masked form when the build made one."""
        if number < self._shown_build:
            return  # an older build finished after a newer one: it would show stale data
        self._shown_build = number
        self.plain = dashboard
        if not self.masked:
            self.show(dashboard)
        elif masked is not None:
            self.show(masked)
        else:
            # Built before the mask was turned on: masked on a worker, then shown; until
            # then the screen keeps what it shows.
            self._mask_in_background(number, dashboard)

    def _minute(self) -> None:
        """What follows the clock: the dashboard's view-models, and the leaderboard's model
        (its time windows, "new today", running runs' durations) once it is out of date."""
        self.rebuild_in_background()
        if self._leaderboard_open() and self._runs_out_of_date():
            self.load_runs()

    def _leaderboard_open(self) -> bool:
        return any(getattr(screen, "name", "") == "leaderboard" for screen in self.screen_stack)

    def _runs_out_of_date(self) -> bool:
        return self.runs is not None and (
            (self.clock.now() - self.runs.now).total_seconds() >= RUNS_MODEL_FRESH_SECONDS
        )

    def rebuild_in_background(self) -> Worker[None]:
        """Rebuild the view-models on a worker thread; the UI keeps answering keys meanwhile."""
        return self.run_worker(
            self._rebuild,
            name="view-models",
            group="view-models",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _rebuild(self) -> None:
        built = self._build_shown()
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_build, *built)

    def tick_ages(self) -> None:
        """Ages move on; the view-models stay as they are (panels re-render their borders)."""
        if self.dashboard is not None:
            self.show(self.dashboard.at(self.clock.now()))

    def show(self, dashboard: Dashboard) -> None:
        """Hand a dashboard to the visible screen. Panels compare what they get with what they
        have, so only what changed is drawn again."""
        self.dashboard = dashboard
        # Every screen that shows the dashboard has `show(dashboard, syncing)`. The topmost full
        # screen is fed; a modal over it (an issue's details) leaves it live underneath.
        screen = next((s for s in reversed(self.screen_stack) if not s.is_modal), self.screen)
        self._mark(screen)
        show = getattr(screen, "show", None)
        if callable(show):
            show(dashboard, frozenset(self.syncing))

    def _show_current(self) -> None:
        if self.dashboard is not None:
            self.show(self.dashboard)

    def show_current(self) -> None:
        """Feed the visible screen what the app shows now (a screen the user came back to)."""
        self._show_current()

    # --- screen-share mode: the mask and present mode ------------------------------------

    def mask(self, dashboard: Dashboard) -> Dashboard:
        """The dashboard as a shared screen may show it (`cockpit/masking.py`)."""
        from cockpit.masking import mask_dashboard, mask_rules

        sharing = self.workspace.config.sharing
        return mask_dashboard(dashboard, mask_rules(sharing.mask_labels, sharing.mask_tags))

    def _mask_in_background(self, number: int, plain: Dashboard) -> Worker[None]:
        return self.run_worker(
            partial(self._mask_build, number, plain),
            name="mask",
            group="mask",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _mask_build(self, number: int, plain: Dashboard) -> None:
        masked = self.mask(plain)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_build, number, plain, masked)

    def _mark(self, screen: Screen[object]) -> None:
        """The mask marker on `screen`: its status bars, or its own (present mode)."""
        for bar in screen.query(SourceStatusBar):
            bar.masked = self.masked
        set_masked = getattr(screen, "set_masked", None)
        if callable(set_masked):
            set_masked(self.masked)

    def action_toggle_mask(self) -> None:
        self.set_masked(not self.masked)

    def set_masked(self, masked: bool) -> None:
        """Turn the mask on or off and repaint at once from the last build (no sync, no read
        of the store): on, the masked form is made on a worker and shown when ready."""
        if masked == self.masked:
            return
        self.masked = masked
        if masked:
            self._leave_unmaskable_screens()
            # Notifications on screen were written from unmasked data (a cost alert's dollars
            # and services): they cannot be masked after the fact, so they go.
            self.clear_notifications()
        screen = next((s for s in reversed(self.screen_stack) if not s.is_modal), self.screen)
        self._mark(screen)
        if self.plain is not None:
            if masked:
                # Until the masked form is ready (a second at 5,000 issues), the panels show
                # nothing rather than the names and money the mask is about to hide.
                from cockpit.masking import hidden_until_masked

                self.show(hidden_until_masked(self.plain.at(self.clock.now())))
                self._mask_in_background(self._shown_build, self.plain)
            else:
                self.show(self.plain.at(self.clock.now()))
        self.notify(
            f"Masked: {MASK_WORDS}" if masked else "Unmasked: names and money are shown",
            title="Screen-share mode",
            timeout=4,
        )

    def _leave_unmaskable_screens(self) -> None:
        """Screens that read more than the dashboard (every run, paid calls) are closed when
        the mask comes on: what they show is not masked."""
        while len(self.screen_stack) > 1 and any(
            getattr(s, "name", "") in UNMASKABLE_SCREEN_NAMES for s in self.screen_stack[1:]
        ):
            self.pop_screen()

    def _refuse_masked(self, panel_id: str) -> bool:
        """Whether `panel_id`'s screen stays shut because the mask is on, saying why."""
        if not (self.masked and panel_id in UNMASKABLE_SCREENS):
            return False
        title = PANEL_TYPES[panel_id].TITLE if panel_id in PANEL_TYPES else panel_id
        self.notify(
            f"The {title} screen reads more than the mask covers (every run, paid calls), so it"
            " stays shut while masking is on. Press m to unmask first.",
            title="Masked",
            severity="warning",
            timeout=6,
        )
        return True

    def action_present(self) -> None:
        self.open_present()

    def open_present(self, start: str | None = None, *, quits: bool = False) -> None:
        """Present mode over the dashboard: one panel at a time, cycling."""
        from cockpit.screens.present import PresentScreen

        if any(isinstance(s, PresentScreen) for s in self.screen_stack):
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        self.push_screen(
            PresentScreen(
                self.dashboard,
                seconds=self.present_seconds,
                start=start,
                quits=quits,
                masked=self.masked,
            )
        )

    # --- syncing ----------------------------------------------------------------------

    def sync_source(self, job: SyncJob) -> Worker[None]:
        """One exclusive worker per source: a new sync of a source replaces a pending one."""
        # A callable, not a coroutine: a worker cancelled before it starts (the app closing)
        # then leaves no un-awaited coroutine behind.
        return self.run_worker(
            partial(self._sync_then_paint, job),
            name=f"sync:{job.source.name}",
            group=f"sync:{job.source.name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _sync_then_paint(self, job: SyncJob) -> None:
        name = job.source.name
        if timer := self._poll_timers.pop(name, None):
            timer.stop()
        self.syncing.add(name)
        self._show_current()  # the status bar's ↻; nothing is rebuilt for it
        try:
            try:
                outcome = await self.workspace.sync_job(
                    job, self.clock, offline=self.offline, progress=self._track_progress(name)
                )
            finally:
                self.syncing.discard(name)
                self.sync_progress.pop(name, None)
            # The new data's view-models, built off the UI loop.
            self._show_build(*await asyncio.to_thread(self._build_shown))
            if self.dashboard is not None:
                self.announce_cost_alerts(self.dashboard)
            if outcome.status == "ok" and "experiments" in self.workspace.areas_of(name):
                self.runs_changed()
            if outcome.status == "ok":
                self.deliver_outbox()  # the network answered: send what waits in the outbox
            if outcome.status == "failed":
                # Error text may quote a server or a title: shown as written, never as markup.
                self.notify(
                    outcome.error,
                    title=f"{name} sync failed",
                    severity="warning",
                    timeout=8,
                    markup=False,
                )
        except asyncio.CancelledError:
            raise  # replaced by a newer sync of the source, or the app is closing
        except Exception:
            # A cache that cannot be written raises here: the source is polled again all the
            # same, and the worker's error becomes a notification.
            self._arm_poll(job)
            raise
        self._arm_poll(job)

    def _track_progress(self, name: str) -> Progress:
        """A `Progress` for this sync of `name`, polled into the status bar while it runs."""
        progress = self.sync_progress[name] = Progress()
        if self._progress_timer is None:
            self._progress_timer = self.set_interval(
                PROGRESS_SECONDS, self.show_sync_progress, name="sync-progress"
            )
        else:
            self._progress_timer.resume()
        return progress

    def show_sync_progress(self) -> None:
        """What each syncing source says it is doing, to the status bar(s) of the visible
        screen. Nothing is rebuilt: only a bar whose text changed renders again."""
        texts = {name: p.read().describe() for name, p in self.sync_progress.items()}
        screen = next((s for s in reversed(self.screen_stack) if not s.is_modal), self.screen)
        for bar in screen.query(SourceStatusBar):
            bar.progress = texts
        if not texts and self._progress_timer is not None:
            self._progress_timer.pause()

    def _arm_poll(self, job: SyncJob, *, after: float | None = None) -> None:
        if not self.poll:
            return
        settings = self.workspace.config.sources.get(job.source.name)
        minutes = settings.refresh_minutes if settings else 15.0
        self._poll_timers[job.source.name] = self.set_timer(
            after if after is not None else minutes * 60,
            lambda: self._poll(job),
            name=f"poll:{job.source.name}",
        )

    def _poll(self, job: SyncJob) -> None:
        # While the app is suspended (ctrl+z) nobody is looking: wait for the next poll.
        if self.suspended:
            self._arm_poll(job)
            return
        self.sync_source(job)

    def _on_suspend(self, _app: App[None]) -> None:
        self.suspended = True

    def _on_resume(self, _app: App[None]) -> None:
        self.suspended = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures become something the user sees."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            from cockpit.redact import without_url_paths

            # An unexpected error may quote the URL it was fetching: a webhook's path is its
            # secret, so no URL is shown beyond its host.
            self.notify(
                clean_line(without_url_paths(f"{type(error).__name__}: {error}")),
                title=event.worker.name,
                severity="error",
                timeout=10,
                markup=False,
            )

    # --- actions ----------------------------------------------------------------------

    def action_refresh(self) -> None:
        if self.offline:
            self.notify("Offline: showing the cached data.", severity="warning")
            self.rebuild_in_background()
            return
        # A source still syncing is left to finish: restarting it would abandon its blocked
        # request and pile up another one behind it, however often `r` is pressed.
        busy = sorted(self.syncing)
        for job in self.workspace.jobs():
            if job.source.name not in self.syncing:
                self.sync_source(job)
        if busy:
            still = ", ".join(busy)
            self.notify(f"{still} {'is' if len(busy) == 1 else 'are'} still syncing", timeout=4)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def on_panel_opened(self, message: Panel.Opened) -> None:
        if self._refuse_masked(message.panel_id):
            return
        if isinstance(self.screen, DashboardScreen):
            self.push_screen(self._detail_screen(message.panel_id))
            # Fed what the dashboard shows: nothing is read or rebuilt for opening a screen.
            self.call_after_refresh(self._show_current)

    def open_panel(self, panel_id: str, tab: str | None = None) -> None:
        if self._refuse_masked(panel_id):
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        self.push_screen(self._detail_screen(panel_id, tab))
        self.call_after_refresh(self._show_current)

    def _detail_screen(self, panel_id: str, tab: str | None = None) -> Screen[None]:
        """`tab`: the tab shown first (each screen's own first tab when None)."""
        opening = {"tab": tab} if tab else {}
        if panel_id == "sprint":
            # Imported here: tabs, tables and charts stay off the start-up path.
            from cockpit.screens.sprint import SprintScreen

            return SprintScreen(self.dashboard, **opening)
        if panel_id == "experiments":
            from cockpit.screens.leaderboard import LeaderboardScreen

            screen = LeaderboardScreen(self.dashboard, **opening)
            if self.runs is not None:
                screen.set_runs(self.runs)  # shown at once; rebuilt behind it if out of date
                if self._runs_out_of_date():
                    self.call_after_refresh(self.load_runs)
            else:
                self.call_after_refresh(self.load_runs)
            return screen
        if panel_id == "cost":
            from cockpit.screens.cost import CostScreen

            screen = CostScreen(self.dashboard, **opening)
            self.call_after_refresh(self.load_paid_calls)
            return screen
        if panel_id == "team":
            # Fed the dashboard's team view-models and records; slots and fairness are
            # computed on the screen's own worker threads.
            from cockpit.screens.team import TeamScreen

            return TeamScreen(self.dashboard, **opening)
        if panel_id == "okrs":
            # Fed the dashboard's OKR summary; a check-in is written by `write_checkin`.
            from cockpit.screens.okrs import OkrScreen

            return OkrScreen(self.dashboard, **opening)
        return DetailScreen(panel_id)

    # --- OKRs: a check-in from the form ----------------------------------------------------

    def on_check_in_screen_submitted(self, message: CheckInScreen.Submitted) -> None:
        self.write_checkin(message.request)

    def write_checkin(self, request: CheckInRequest) -> Worker[None]:
        """Append a check-in to the OKR file on a worker thread, then sync the file's source
        so that every screen shows it. The form that asked hears how it went
        (`checkin_done`); an error is words in the form, never a trace."""
        zone = self.dashboard.lead_zone if self.dashboard is not None else "UTC"
        day = self.clock.now().astimezone(ZoneInfo(zone)).date()  # the lead's today
        return self.run_worker(
            partial(self._write_checkin, request, day),
            name="okr-check-in",
            group="okr-check-in",
            thread=True,
            exit_on_error=False,
        )

    def _write_checkin(self, request: CheckInRequest, day: date) -> None:
        from cockpit.okr_checkin import append_checkin

        try:
            append_checkin(
                Path(request.path),
                request.kr_id,
                request.value,
                confidence=request.confidence,
                note=request.note,
                day=day,
            )
        except OSError as exc:
            error = (
                f"Could not write {request.path}: {exc.strerror or exc}. Check that the file "
                "exists and that you may write to it."
            )
        except Exception as exc:  # noqa: BLE001 - any failure is shown in the form, in words
            error = str(exc) or type(exc).__name__
        else:
            error = ""
        self.call_from_thread(self._checkin_done, request, clean_line(error))

    def _checkin_done(self, request: CheckInRequest, error: str) -> None:
        shown = False
        for screen in self.screen_stack:
            done = getattr(screen, "checkin_done", None)
            if callable(done):
                shown = bool(done(request, error)) or shown
        if error:
            if not shown:  # the form was closed meanwhile
                self.notify(error, title="Check-in not written", severity="error", timeout=10,
                            markup=False)  # fmt: skip
            return
        from cockpit.formatting import quantity

        self.notify(
            f"{request.kr_id} {quantity(request.value)} written to {request.path}",
            title="Check-in",
            timeout=6,
            markup=False,
        )
        self.sync_okr_files()

    def sync_okr_files(self) -> None:
        """Sync the OKR file sources now (after a check-in was written to one)."""
        for job in self.workspace.jobs():
            settings = self.workspace.config.sources.get(job.source.name)
            if settings is not None and settings.kind == "okr-file":
                self.sync_source(job)

    # --- the weekly summary: export and send -------------------------------------------

    def action_export_weekly(self, destination: str = "") -> None:
        """The weekly summary dialog (`e`): week, format, masking, file or destination."""
        from cockpit.screens.export_dialog import ExportDialog
        from cockpit.weekly_jobs import default_week, recent_weeks

        now = self.clock.now()
        masked = getattr(self, "masked", None)  # the screen's mask toggle, when there is one
        if masked is None:
            masked = self.workspace.config.sharing.mask_by_default
        dialog = ExportDialog(
            recent_weeks(now),
            default_week(now),
            masked=bool(masked),
            folder=Path.cwd(),
            destinations=self.destination_names(),
            destination=destination,
        )
        self.push_screen(dialog, self._weekly_chosen)

    def destination_names(self) -> list[str]:
        return list(getattr(self.workspace.config, "destinations", None) or {})

    def _weekly_chosen(self, request: WeeklyRequest | None) -> None:
        if request is None:
            return
        if request.destination:
            self.send_weekly(request.destination, request.week)
        else:
            self.export_weekly(request)

    def export_weekly(self, request: WeeklyRequest) -> Worker[None]:
        """Write the summary on a worker thread; a notification names the file or says, in
        words, why it could not be written."""
        return self.run_worker(
            partial(self._export_weekly, request, self.clock.now()),
            name="weekly-export",
            group="weekly-export",
            thread=True,
            exit_on_error=False,
        )

    def _export_weekly(self, request: WeeklyRequest, now: datetime) -> None:
        from cockpit.weekly_jobs import WeeklyJobError, write_weekly

        try:
            path = write_weekly(
                self.workspace, request.week, request.fmt, now,
                masked=request.masked, path=Path(request.path),
            )  # fmt: skip
        except WeeklyJobError as exc:
            self.call_from_thread(
                self.notify, clean_line(str(exc)), title="Weekly summary not written",
                severity="error", timeout=10, markup=False,
            )  # fmt: skip
            return
        masked = " (masked)" if request.masked else ""
        self.call_from_thread(
            self.notify, f"{request.week.label}{masked} written to {path}",
            title="Weekly summary", timeout=8, markup=False,
        )  # fmt: skip

    def send_weekly(self, destination: str, week: Week | None = None) -> Worker[None]:
        """Queue the summary of `week` (the last full week) for `destination` in the outbox,
        then deliver the outbox, on a worker; a notification says sent, waiting (why) or
        "may have been sent"."""
        from cockpit.weekly_jobs import default_week

        now = self.clock.now()
        chosen = week or default_week(now)
        return self.run_worker(
            partial(self._outbox_work, "send", destination, chosen, now),
            name="weekly-send",
            group="outbox",
            exit_on_error=False,
        )

    def deliver_outbox(self) -> Worker[None] | None:
        """Send what waits in the outbox, on a worker, after a sync succeeded. Never offline;
        one at a time: while one is asked for, another is not."""
        if self.offline or self._outbox_asked:
            return None
        self._outbox_asked = True
        return self.run_worker(
            partial(self._outbox_work, "deliver", "", None, self.clock.now()),
            name="outbox",
            group="outbox",
            exit_on_error=False,
        )

    async def _outbox_work(self, job: str, destination: str, week: Week | None, now: datetime
                           ) -> None:  # fmt: skip
        from cockpit import weekly_jobs
        from integrations.threads import run_abandonable

        def work() -> list[weekly_jobs.Notice]:
            # One delivery at a time, held by the thread that sends: a worker abandoned when
            # the app quits still keeps the next one waiting until its request is done.
            with self._outbox_lock:
                if week is not None:
                    return weekly_jobs.send_weekly(
                        self.workspace, destination, week, now, offline=self.offline
                    )
                return weekly_jobs.deliver_outbox(self.workspace, now)

        try:
            # A daemon thread: quitting never waits for a slow server.
            notices = await run_abandonable(f"outbox-{job}", work)
        finally:
            if job == "deliver":
                self._outbox_asked = False
        for notice in notices:
            self.notify(
                clean_text(notice.message), title=notice.title, severity=notice.severity,
                timeout=notice.timeout, markup=False,
            )  # fmt: skip

    # --- cost: paid calls and alerts ----------------------------------------------------

    def load_paid_calls(self) -> Worker[None]:
        """Today's paid API calls per source (from the store, on a worker) for the cost
        screen."""
        return self.run_worker(
            self._load_paid_calls,
            name="paid-calls",
            group="paid-calls",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _load_paid_calls(self) -> None:
        from cockpit.kinds import kind_of
        from cockpit.screens.cost import PaidCallsToday

        day = self.clock.now().date()  # UTC, as the sync engine counts them
        calls = []
        for name, settings in self.workspace.config.enabled_sources().items():
            limit = kind_of(settings).paid_calls
            if limit is not None:
                used = self.workspace.store.paid_calls_used(name, day)
                calls.append(PaidCallsToday(name, used, limit(settings)))
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_paid_calls, tuple(calls))

    def _show_paid_calls(self, calls: tuple[object, ...]) -> None:
        for screen in self.screen_stack:
            set_paid_calls = getattr(screen, "set_paid_calls", None)
            if callable(set_paid_calls):
                set_paid_calls(calls)

    def announce_cost_alerts(self, dashboard: Dashboard) -> Worker[None] | None:
        """Pop a notification for each cost alert this TUI has not shown before, once: the
        store remembers the keys shown (`notices`), so a refresh, a restart or a second
        window does not show it again. The store is asked on a worker thread."""
        cost = dashboard.cost
        alerts = cost.alerts if cost is not None else ()
        # Claimed here, on the UI loop: two builds finishing together cannot both show one.
        fresh = [a for a in alerts if a.key not in self._notices_claimed]
        if not fresh:
            return None
        self._notices_claimed.update(a.key for a in fresh)
        return self.run_worker(
            partial(self._announce, fresh),
            name="cost-alerts",
            group="cost-alerts",
            thread=True,
            exit_on_error=False,
        )

    def _announce(self, alerts: list[CostAlert]) -> None:
        store = self.workspace.store
        seen = store.notices_seen(a.key for a in alerts)
        new = [a for a in alerts if a.key not in seen]
        if not new:
            return
        # A read-only cache cannot remember: shown once in this session all the same.
        with contextlib.suppress(StoreError):
            store.mark_notices((a.key for a in new), self.clock.now())
        self.call_from_thread(self._notify_alerts, new)

    def _notify_alerts(self, alerts: list[CostAlert]) -> None:
        severity = {"error": "error", "warning": "warning", "info": "information"}
        for alert in alerts:
            # The message names services and budgets from outside: plain text, never markup.
            self.notify(
                alert.message,
                title="Cost alert",
                severity=severity.get(alert.severity, "warning"),  # type: ignore[arg-type]
                timeout=10,
                markup=False,
            )

    # --- the leaderboard's runs -------------------------------------------------------

    def load_runs(self) -> Worker[None]:
        """Read every run and build the leaderboard's model on a worker thread; the screen
        says how many runs are loading until it arrives."""
        return self.run_worker(
            self._load_runs,
            name="runs",
            group="runs",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _load_runs(self) -> None:
        from cockpit.leaderboard_runs import load_run_table

        model = load_run_table(self.workspace.experiment_runs(), self.clock.now())
        model.index.prepare()
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_runs, model)

    def _show_runs(self, model: RunTableModel) -> None:
        self.runs = model
        for screen in self.screen_stack:
            set_runs = getattr(screen, "set_runs", None)
            if callable(set_runs):
                set_runs(model)

    def runs_changed(self) -> None:
        """A sync brought runs: an open leaderboard gets a new model; a closed one builds it
        when it opens."""
        self.runs = None
        if self._leaderboard_open():
            self.load_runs()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh", "Sync every source now", self.action_refresh)
        if self.masked:
            yield SystemCommand("Unmask", "Show names and money again (m)", self.action_toggle_mask)
        else:
            yield SystemCommand(
                "Mask names and money",
                f"For a shared screen: {MASK_WORDS} (m)",
                self.action_toggle_mask,
            )
        yield SystemCommand(
            "Present mode", "One panel at a time, large, cycling (p)", self.action_present
        )
        yield SystemCommand(
            "Export weekly summary…",
            "Write the weekly status summary (Markdown, HTML or JSON) to a file",
            self.action_export_weekly,
        )
        for name in self.destination_names():
            yield SystemCommand(
                f"Send weekly summary to {name}",
                "The last full week's summary, through the outbox",
                partial(self.send_weekly, name),
            )
        for panel_id, panel_type in PANEL_TYPES.items():
            yield SystemCommand(
                f"Open {panel_type.TITLE}",
                f"Show the {panel_type.TITLE} panel full-screen",
                lambda panel_id=panel_id: self.open_panel(panel_id),
            )


def run_app(
    workspace: Workspace,
    clock: Clock,
    *,
    offline: bool = False,
    initial: Dashboard | None = None,
    masked: bool | None = None,
    present: bool = False,
    present_seconds: float | None = None,
) -> int:
    """Run the dashboard (or present mode); the exit code is non-zero when the app ended on
    an error."""
    app = CockpitApp(
        workspace,
        clock,
        offline=offline,
        initial=initial,
        masked=masked,
        present=present,
        present_seconds=present_seconds,
    )
    app.run()
    return app.return_code or 0


def screen_tabs() -> dict[str, tuple[str, ...]]:
    """Each area's full screen and its tabs, first tab first, as `screenshot --screen` names
    them."""
    from cockpit.screens import cost, leaderboard, okrs, sprint, team

    return {
        "sprint": sprint.TABS,
        "experiments": leaderboard.TABS,
        "cost": cost.TABS,
        "team": team.TABS,
        "okrs": okrs.TABS,
        "present": tuple(PANEL_TYPES),  # present mode, showing this panel
    }


def render_screenshot(
    workspace: Workspace,
    clock: Clock,
    *,
    size: tuple[int, int],
    offline: bool = False,
    panel: str | None = None,
    tab: str | None = None,
    initial: Dashboard | None = None,
    marker: str = "",
    masked: bool = False,
) -> str:
    """The dashboard (or one panel's screen, on `tab`; or present mode, `panel="present"`,
    showing panel `tab`) as SVG, rendered headless from the store, or from `initial` when the
    caller read it. `masked`: with the mask on (the marker on screen). `marker` is written in
    the picture's title bar, the one line of the SVG outside the app's screen."""

    async def capture() -> str:
        app = CockpitApp(
            workspace,
            clock,
            offline=offline,
            sync_on_start=False,
            poll=False,
            initial=initial,
            masked=masked,
        )
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if panel == "present":
                app.open_present(tab)
                await pilot.pause()
                await asyncio.sleep(0.3)  # charts mount after the first frame
                await pilot.pause()
            elif panel is not None:
                app.open_panel(panel, tab)
                await pilot.pause()
                await asyncio.sleep(0.3)  # charts mount after the first frame
                await pilot.pause()
            else:
                app.screen.set_focus(None)
                await asyncio.sleep(0.3)
                await pilot.pause()
            # Valid XML whatever the data held: no control character survives.
            title = f"cockpit · {marker}" if marker else "cockpit"
            return clean_text(app.export_screenshot(title=title))

    return asyncio.run(capture())
