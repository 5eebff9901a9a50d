"""The footer every screen shows: Textual's `Footer`, rebuilt only when its keys change.

Textual's footer rebuilds all its key widgets whenever the screen says its bindings may have
changed: every focus move, every tab switch, and several times while a screen opens (six
rebuilds of about 20 ms each to open the sprint screen, two per tab switch). Most of those
moves leave the keys shown exactly as they were. This footer compares what it would show with
what it shows, and when they differ swaps only the keys that changed; one update is pending at
a time.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.compose import compose
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: Hashable | None = None  # what the key widgets show now
        self._pending = False

    def keys_shown(self) -> Hashable:
        """Everything `Footer.compose` reads to build its key widgets."""
        app = self.app
        bindings = self.screen.active_bindings
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            palette = bindings.get(app.COMMAND_PALETTE_BINDING)
        shown = [entry for entry in bindings.values() if entry[1].show]
        return tuple(
            (
                binding.key,
                binding.action,
                binding.description,
                app.get_key_display(binding),
                binding.tooltip,
                None if binding.group is None else (binding.group.description,
                                                    binding.group.compact),
                enabled,
                tooltip,
            )
            for (_, binding, enabled, tooltip) in (*shown, *([palette] if palette else []))
        )  # fmt: skip

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self.keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await self._update_keys()

    async def _update_keys(self) -> None:
        """Swap only the keys that changed: a tab switch changes the first one or two of
        eight, and mounting eight new key widgets costs about 20 ms."""
        old, new = list(self.children), compose(self)
        if not old or not all(isinstance(key, FooterKey) for key in (*old, *new)):
            await self.recompose()  # a first build, or grouped keys: Textual's own way
            return
        head = 0
        while head < min(len(old), len(new)) and same_key(old[head], new[head]):
            head += 1
        tail = 0
        room = min(len(old), len(new)) - head
        while tail < room and same_key(old[-1 - tail], new[-1 - tail]):
            tail += 1
        leaving, coming = old[head : len(old) - tail], new[head : len(new) - tail]
        async with self.batch():
            if leaving:
                await self.remove_children(leaving)
            if coming:
                await self.mount_all(coming, before=old[len(old) - tail] if tail else None)


def same_key(shown: Widget, wanted: Widget) -> bool:
    """Whether a key widget on screen already is the one `Footer.compose` made anew."""
    assert isinstance(shown, FooterKey) and isinstance(wanted, FooterKey)
    return (
        shown.key == wanted.key
        and shown.key_display == wanted.key_display
        and shown.description == wanted.description
        and shown.action == wanted.action
        and shown.tooltip == wanted.tooltip
        # "-compact" follows the key's `compact`, set once it is mounted.
        and shown.classes - {"-compact"} == wanted.classes - {"-compact"}
    )
