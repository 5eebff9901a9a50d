"""Credentials: the OS keyring first, environment variables as the headless fallback.

The keyring is imported and called lazily, off the caller's thread and with a timeout, because
a locked Secret Service can block for as long as its unlock prompt stays open.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import TypeVar

from cockpit.models import Secret

KEYRING_SERVICE = "cockpit"
KEYRING_TIMEOUT = 3.0

T = TypeVar("T")


class SecretsError(Exception):
    """The keyring cannot store or remove a token. The message says what to do instead."""


def env_var_for(source: str) -> str:
    """`jira` → `COCKPIT_JIRA_TOKEN`; `aws-prod` → `COCKPIT_AWS_PROD_TOKEN`."""
    return "COCKPIT_" + re.sub(r"[^A-Za-z0-9]", "_", source).upper() + "_TOKEN"


def _with_timeout(call: Callable[[], T], timeout: float) -> T:
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="cockpit-keyring", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"the keyring did not answer within {timeout:g}s")
    if failure:
        raise failure[0]
    return result[0]


def keyring_key(source: str) -> str:
    """The keyring's user name for a source's token: the source name itself, and only a valid
    one (lower-case letters, digits, - and _), so that no path, separator or control character
    reaches a keyring backend, some of which store entries as files or attributes."""
    from cockpit.config import SOURCE_NAME_RULE, is_source_name

    if not is_source_name(source):
        raise SecretsError(f"{source!r} is not a source name: {SOURCE_NAME_RULE}")
    return source


def _keyring_get(source: str) -> str | None:
    import keyring

    return keyring.get_password(KEYRING_SERVICE, keyring_key(source))


def lookup_secret(source: str, *, timeout: float = KEYRING_TIMEOUT) -> Secret | None:
    """The token for a source, or None. Never raises: a broken keyring falls back to env."""
    try:
        value = _with_timeout(lambda: _keyring_get(source), timeout)
    except Exception:  # noqa: BLE001 - no backend, locked, or hung: the env var still counts
        value = None
    if not value:
        value = os.environ.get(env_var_for(source)) or None
    return Secret(value) if value else None


def secret_origin(source: str, *, timeout: float = KEYRING_TIMEOUT) -> str:
    """Where a source's token would come from: 'keyring', 'environment' or 'missing'."""
    try:
        if _with_timeout(lambda: _keyring_get(source), timeout):
            return "keyring"
    except Exception:  # noqa: BLE001
        pass
    return "environment" if os.environ.get(env_var_for(source)) else "missing"


def _no_keyring_help(source: str, reason: str) -> str:
    return (
        f"no usable OS keyring on this machine ({reason}). On a headless machine, set the token "
        f"in the environment instead: export {env_var_for(source)}=..."
    )


def store_secret(source: str, token: Secret, *, timeout: float = KEYRING_TIMEOUT) -> None:
    def write() -> None:
        import keyring

        keyring.set_password(KEYRING_SERVICE, key, token.reveal())

    key = keyring_key(source)
    _call_keyring(source, write, timeout)


def clear_secret(source: str, *, timeout: float = KEYRING_TIMEOUT) -> bool:
    """Remove a stored token; False if there was none."""

    def delete() -> bool:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(KEYRING_SERVICE, key)
        except PasswordDeleteError:
            return False
        return True

    key = keyring_key(source)
    return _call_keyring(source, delete, timeout)


def _call_keyring(source: str, call: Callable[[], T], timeout: float) -> T:
    try:
        from keyring.errors import KeyringError, NoKeyringError
    except ImportError as exc:  # pragma: no cover - keyring is a hard dependency
        raise SecretsError(_no_keyring_help(source, str(exc))) from None
    try:
        return _with_timeout(call, timeout)
    except NoKeyringError:
        raise SecretsError(_no_keyring_help(source, "no backend is installed")) from None
    except TimeoutError as exc:
        raise SecretsError(_no_keyring_help(source, str(exc))) from None
    except KeyringError as exc:
        raise SecretsError(_no_keyring_help(source, type(exc).__name__)) from None
    except RuntimeError as exc:
        # keyring's fail backend raises a bare RuntimeError on every call.
        raise SecretsError(_no_keyring_help(source, str(exc).split(".")[0])) from None
