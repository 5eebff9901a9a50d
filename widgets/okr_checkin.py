"""The check-in form: a value, a confidence (0-10) and a note for one key result or KPI.

A modal over the OKR screen. It only reads what was typed and says what is wrong with it; it
writes nothing. Submitting posts `CheckInScreen.Submitted` with a `CheckInRequest`, which goes
up to the app: its worker thread appends the check-in to the OKR file and syncs the file's
source, then tells the form (`checkin_done`) whether it worked. An error stays in the form, in
words, with what was typed; success closes it.

When the OKRs do not come from a file the cockpit can write (a URL, the demo), the form says so
and why instead of offering fields. Titles and notes are plain text, never markup.
"""

from __future__ import annotations

import math

import msgspec
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from cockpit.analytics.okr_views import KpiView
from cockpit.text_safety import clean_line
from widgets.okr_table import KrRow, band_text, target_text, value_text
from widgets.panel import line

MUTED = "$text-muted"
NOTE_LENGTH = 500  # a check-in's note is a line in a TOML file, not an essay


class CheckInRequest(msgspec.Struct, frozen=True, gc=False):
    """What the form asks the app to write."""

    path: str  # the OKR file
    kr_id: str
    value: float
    confidence: int | None = None
    note: str = ""


class CheckInTarget(msgspec.Struct, frozen=True, gc=False):
    """The key result or KPI the form checks in, as the form shows it."""

    id: str
    title: str
    unit: str
    current: float | None
    target: str  # what it aims at, written out: "0.91", "80–120 ms"
    bound: bool = False  # its value is read from a binding


def kr_target(row: KrRow) -> CheckInTarget:
    kr = row.kr
    return CheckInTarget(kr.id, kr.title, kr.unit, kr.current, target_text(kr), bool(kr.binding))


def kpi_target(kpi: KpiView) -> CheckInTarget:
    return CheckInTarget(
        kpi.id, kpi.title, kpi.unit, kpi.current, f"band {band_text(kpi)}", bool(kpi.binding)
    )


class FormError(ValueError):
    """What is wrong with one field, in words; `field` is the input's id."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def read_form(
    path: str,
    kr_id: str,
    value: str,
    confidence: str,
    note: str,
    *,
    default: float | None = None,
) -> CheckInRequest:
    """The typed fields as a request, or a `FormError` naming the first field that is wrong.
    An empty value is `default` when there is one (a bound key result's value now)."""
    text = value.strip().replace("_", "")
    if not text and default is not None and math.isfinite(default):
        text = repr(default)
    if not text:
        raise FormError("checkin-value", "Type the key result's value now, e.g. 0.91.")
    try:
        number = float(text)
    except ValueError:
        raise FormError(
            "checkin-value", f"The value {value.strip()!r} is not a number; type e.g. 0.91 or 12."
        ) from None
    if not math.isfinite(number):
        raise FormError("checkin-value", "The value must be a finite number.")
    level: int | None = None
    if confidence.strip():
        try:
            level = int(confidence.strip())
        except ValueError:
            raise FormError(
                "checkin-confidence",
                f"The confidence {confidence.strip()!r} is not a whole number from 0 to 10.",
            ) from None
        if not 0 <= level <= 10:
            raise FormError(
                "checkin-confidence", f"The confidence must be from 0 to 10, not {level}."
            )
    words = clean_line(note).strip()
    if len(words) > NOTE_LENGTH:
        raise FormError(
            "checkin-note", f"The note is {len(words)} characters; keep it under {NOTE_LENGTH}."
        )
    return CheckInRequest(path, kr_id, number, level, words)


class CheckInScreen(ModalScreen[bool]):
    """Dismissed with True once the check-in is written, False when cancelled."""

    DEFAULT_CSS = """
    CheckInScreen {
        align: center middle;
    }
    CheckInScreen > #checkin-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        border-title-color: $text;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    CheckInScreen .checkin-line {
        height: auto;
        width: 1fr;
    }
    CheckInScreen .checkin-field {
        height: 1;
        margin-top: 1;
    }
    CheckInScreen .checkin-field > Label {
        width: 13;
        padding: 0 1 0 0;
        color: $text-muted;
    }
    CheckInScreen .checkin-field > Input {
        width: 1fr;
    }
    CheckInScreen #checkin-message {
        height: auto;
        min-height: 1;
        margin-top: 1;
    }
    CheckInScreen #checkin-buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: right;
    }
    CheckInScreen #checkin-buttons > Button {
        margin-left: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="checkin.cancel"),
    ]

    class Submitted(Message):
        """Write this check-in: handled by the app, which answers with `checkin_done`."""

        def __init__(self, request: CheckInRequest) -> None:
            super().__init__()
            self.request = request

    def __init__(self, target: CheckInTarget, path: str, why_not: str = "") -> None:
        super().__init__(name="okr-checkin")
        self.target = target
        self.path = path
        self.why_not = why_not if not path else ""
        self.pending: CheckInRequest | None = None  # sent, no answer yet

    @property
    def writable(self) -> bool:
        return bool(self.path)

    def compose(self) -> ComposeResult:
        kr = self.target
        box = Vertical(id="checkin-box")
        box.border_title = "Check in"
        with box:
            yield Static(
                line((kr.id, "bold $text-accent"), " ", (kr.title, "bold")),
                classes="checkin-line",
            )
            yield Static(
                line(
                    ("Now ", MUTED), value_text(kr.current, kr.unit),
                    ("  target ", MUTED), kr.target,
                    *((("  · the value is read from its binding; a check-in adds your "
                        "confidence and note", MUTED),) if kr.bound else ()),
                ),
                classes="checkin-line",
            )  # fmt: skip
            if not self.writable:
                yield Static(
                    line(("Check-ins cannot be written here. ", "bold $text-warning"),
                         (self.why_not, "")),
                    id="checkin-message", classes="checkin-line",
                )  # fmt: skip
                with Horizontal(id="checkin-buttons"):
                    yield Button("Close", id="checkin-cancel", compact=True)
                return
            unit = f" ({kr.unit.strip()})" if kr.unit.strip() else ""
            with Horizontal(classes="checkin-field"):
                yield Label("Value" + unit[:8])
                yield Input(placeholder=self._value_hint(), id="checkin-value", compact=True)
            with Horizontal(classes="checkin-field"):
                yield Label("Confidence")
                yield Input(placeholder="0-10, how sure the key result will be met",
                            id="checkin-confidence", max_length=2, compact=True)  # fmt: skip
            with Horizontal(classes="checkin-field"):
                yield Label("Note")
                yield Input(placeholder="what moved, what is in the way",
                            id="checkin-note", compact=True)  # fmt: skip
            yield Static(self._where(), id="checkin-message", classes="checkin-line")
            with Horizontal(id="checkin-buttons"):
                yield Button("Record check-in", variant="primary", id="checkin-submit",
                             compact=True)  # fmt: skip
                yield Button("Cancel", id="checkin-cancel", compact=True)

    def _default(self) -> float | None:
        """What an empty value stands for: a bound key result's value now."""
        return self.target.current if self.target.bound else None

    def _value_hint(self) -> str:
        now = self.target.current
        if now is None:
            return "the value now, e.g. 0.91"
        if self._default() is not None:
            return f"{value_text(now, '')} (the bound value, when left empty)"
        return f"the value now; it was {value_text(now, '')}"

    def _where(self) -> Content:
        return line(("Written to ", MUTED), self.path, (" · enter records, escape cancels", MUTED))

    def on_mount(self) -> None:
        if self.writable:
            self.query_one("#checkin-value", Input).focus()
        else:
            self.query_one("#checkin-cancel", Button).focus()

    # --- submitting -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "checkin-submit":
            self.submit()
        else:
            self.action_cancel()

    def submit(self) -> None:
        if not self.writable or self.pending is not None:
            return
        try:
            request = read_form(
                self.path,
                self.target.id,
                self.query_one("#checkin-value", Input).value,
                self.query_one("#checkin-confidence", Input).value,
                self.query_one("#checkin-note", Input).value,
                default=self._default(),
            )
        except FormError as error:
            self.show_error(str(error))
            self.query_one(f"#{error.field}", Input).focus()
            return
        self.pending = request
        self._busy(True)
        self.query_one("#checkin-message", Static).update(
            line((f"Writing the check-in to {self.path}…", MUTED))
        )
        self.post_message(self.Submitted(request))

    def checkin_done(self, request: CheckInRequest, error: str) -> bool:
        """The app's answer: `error` in words, or "" when the check-in is in the file.
        True when this form asked for it (and so has shown the answer)."""
        if request is not self.pending:
            return False
        self.pending = None
        if not error:
            self.dismiss(True)
            return True
        self._busy(False)
        self.show_error(error)
        return True

    def show_error(self, message: str) -> None:
        self.query_one("#checkin-message", Static).update(
            line(("Not written: ", "bold $text-error"), (message, "$text-error"))
        )

    def _busy(self, busy: bool) -> None:
        for widget in self.query(Input):
            widget.disabled = busy
        self.query_one("#checkin-submit", Button).disabled = busy
        if not busy:
            self.query_one("#checkin-value", Input).focus()

    def action_cancel(self) -> None:
        # A write already on its way finishes; the screen behind shows it after the sync.
        self.dismiss(False)
