"""The weekly summary dialog: which week, which format, masked or not, and where it goes.

A modal over the dashboard (`e`, or "Export weekly summary…" in the command palette). It only
reads what was chosen: dismissing it hands a `WeeklyRequest` to the app, whose worker thread
writes the file or sends the summary through the outbox and says how it went in a
notification, while the dashboard stays live. A path that cannot be a file is said in the
dialog before anything is written; a folder that refuses the file is said in the notification.

The file defaults to `weekly-<week>.<format>` in the current directory and follows the week
and the format until the user types a path of their own. With destinations configured, "Send
to" offers each: a destination has its own format and masking in the config, so the dialog
then asks only for the week.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from cockpit.export.weeks import Week
from cockpit.weekly_jobs import WeeklyJobError, default_output, output_path
from widgets.panel import line

MUTED = "$text-muted"
FORMAT_LABELS = {"md": "Markdown (.md)", "html": "HTML (.html)", "json": "JSON (.json)"}
TO_FILE = "-file-"  # the "Send to" choice that writes a file (no destination has this name)


class WeeklyRequest(msgspec.Struct, frozen=True):
    """What the dialog asks the app to do."""

    week: Week
    fmt: str = "md"
    masked: bool = False
    path: str = ""  # absolute, when written to a file
    destination: str = ""  # a configured destination's name: sent, not written


def week_label(week: Week, now_week: Week) -> str:
    span = f"{week.monday:%d %b} – {week.sunday:%d %b %Y}"
    return f"{week.label}  {span}" + ("  (so far)" if week == now_week else "")


class ExportDialog(ModalScreen["WeeklyRequest | None"]):
    """Dismissed with the request, or None when cancelled. `weeks`: newest first, this week
    (so far) first."""

    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
    }
    ExportDialog > #export-box {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        border-title-color: $text;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    ExportDialog .export-field {
        height: auto;
        margin-top: 1;
    }
    ExportDialog .export-field > Label {
        width: 10;
        padding: 0 1 0 0;
        color: $text-muted;
    }
    ExportDialog .export-field > Select {
        width: 1fr;
    }
    ExportDialog .export-field > Input {
        width: 1fr;
    }
    ExportDialog .export-line {
        height: auto;
        width: 1fr;
    }
    ExportDialog #export-message {
        height: auto;
        min-height: 1;
        margin-top: 1;
    }
    ExportDialog #export-buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: right;
    }
    ExportDialog #export-buttons > Button {
        margin-left: 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(
        self,
        weeks: Sequence[Week],
        week: Week,
        *,
        masked: bool,
        folder: Path,
        destinations: Sequence[str] = (),
        destination: str = "",
        fmt: str = "md",
    ) -> None:
        super().__init__(name="export-weekly")
        self.weeks = list(weeks)
        self.week = week if week in self.weeks else self.weeks[0]
        self.now_week = self.weeks[0]  # newest first: this week, so far
        self.masked = masked
        self.folder = folder
        self.destinations = list(destinations)
        self.destination = destination if destination in self.destinations else ""
        self.fmt = fmt if fmt in FORMAT_LABELS else "md"
        self._auto_path = str(default_output(self.week, self.fmt, folder))

    # --- composing --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        box = Vertical(id="export-box")
        box.border_title = "Weekly summary"
        with box:
            with Horizontal(classes="export-field"):
                yield Label("Week")
                yield Select[str](
                    [(week_label(w, self.now_week), w.label) for w in self.weeks],
                    value=self.week.label,
                    allow_blank=False,
                    compact=True,
                    id="export-week",
                )
            if self.destinations:
                with Horizontal(classes="export-field"):
                    yield Label("Send to")
                    yield Select[str](
                        [(Text("a file (below)"), TO_FILE)]
                        + [(Text(name), name) for name in self.destinations],
                        value=self.destination or TO_FILE,
                        allow_blank=False,
                        compact=True,
                        id="export-to",
                    )
            with Horizontal(classes="export-field"):
                yield Label("Format")
                yield Select[str](
                    [(label, fmt) for fmt, label in FORMAT_LABELS.items()],
                    value=self.fmt,
                    allow_blank=False,
                    compact=True,
                    id="export-format",
                )
            with Horizontal(classes="export-field"):
                yield Label("")
                yield Checkbox(
                    "Masked: money as % of budget, names as initials",
                    value=self.masked,
                    compact=True,
                    id="export-masked",
                )
            with Horizontal(classes="export-field"):
                yield Label("File")
                yield Input(self._auto_path, id="export-path", compact=True)
            yield Static(self._where(), id="export-message", classes="export-line")
            with Horizontal(id="export-buttons"):
                yield Button(self._go_label(), variant="primary", id="export-submit", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self._show_mode()
        self.query_one("#export-week", Select).focus()

    # --- what was chosen --------------------------------------------------------------

    def _sending(self) -> bool:
        return bool(self.destination)

    def _go_label(self) -> str:
        return f"Send to {self.destination}" if self._sending() else "Export"

    def _where(self) -> Content:
        if self._sending():
            return line(
                ("Sent through the outbox in the format and masking set for ", MUTED),
                (self.destination, "bold"),
                (" in the config · enter sends, escape cancels", MUTED),
            )
        try:
            path = str(output_path(self.query_one("#export-path", Input).value))
        except WeeklyJobError as error:
            return line((str(error), "$text-warning"))
        except Exception:  # noqa: BLE001 - not composed yet
            path = self._auto_path
        return line(("Writes ", MUTED), (path, ""), (" · enter exports, escape cancels", MUTED))

    def _show_mode(self) -> None:
        sending = self._sending()
        for selector in ("#export-format", "#export-masked", "#export-path"):
            self.query_one(selector).disabled = sending
        self.query_one("#export-submit", Button).label = self._go_label()
        self.query_one("#export-message", Static).update(self._where())

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = str(event.value)
        if event.select.id == "export-week":
            self.week = next((w for w in self.weeks if w.label == value), self.week)
        elif event.select.id == "export-format":
            self.fmt = value
        elif event.select.id == "export-to":
            self.destination = "" if value == TO_FILE else value
        self._follow_defaults()
        self._show_mode()

    def _follow_defaults(self) -> None:
        """The file follows the week and format, until the user typed one of their own."""
        field = self.query_one("#export-path", Input)
        wanted = str(default_output(self.week, self.fmt, self.folder))
        if field.value == self._auto_path and wanted != self._auto_path:
            self._auto_path = wanted
            field.value = wanted

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#export-message", Static).update(self._where())

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.masked = event.value

    # --- submitting -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-submit":
            self.submit()
        else:
            self.action_cancel()

    def request(self) -> WeeklyRequest:
        """What is chosen now, or a `WeeklyJobError` saying what to fix."""
        if self._sending():
            return WeeklyRequest(self.week, destination=self.destination)
        path = output_path(self.query_one("#export-path", Input).value)
        return WeeklyRequest(self.week, self.fmt, self.masked, str(path))

    def submit(self) -> None:
        try:
            request = self.request()
        except WeeklyJobError as error:
            self.query_one("#export-message", Static).update(
                line(("Not exported: ", "bold $text-error"), (str(error), "$text-error"))
            )
            self.query_one("#export-path", Input).focus()
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
