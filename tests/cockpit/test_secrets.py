from __future__ import annotations

import time

import keyring
import keyring.backends.fail
import pytest

from cockpit.models import Secret
from cockpit.secrets import (
    SecretsError,
    clear_secret,
    env_var_for,
    lookup_secret,
    secret_origin,
    store_secret,
)
from tests.conftest import MemoryKeyring

CANARY = "canary-3f9e2d71-token"


def test_env_var_names() -> None:
    assert env_var_for("jira") == "COCKPIT_JIRA_TOKEN"
    assert env_var_for("aws-prod") == "COCKPIT_AWS_PROD_TOKEN"


def test_keyring_first_then_environment(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_JIRA_TOKEN", "from-env")
    assert lookup_secret("jira") == Secret("from-env")
    assert secret_origin("jira") == "environment"
    store_secret("jira", Secret("from-keyring"))
    assert memory_keyring.passwords[("cockpit", "jira")] == "from-keyring"
    assert lookup_secret("jira") == Secret("from-keyring")
    assert secret_origin("jira") == "keyring"
    assert clear_secret("jira") is True
    assert clear_secret("jira") is False
    assert lookup_secret("jira") == Secret("from-env")


def test_missing_everywhere_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCKPIT_MLFLOW_TOKEN", raising=False)
    assert lookup_secret("mlflow") is None
    assert secret_origin("mlflow") == "missing"


def test_no_backend_explains_the_environment_route(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(SecretsError, match="COCKPIT_JIRA_TOKEN"):
        store_secret("jira", Secret(CANARY))
    monkeypatch.setenv("COCKPIT_JIRA_TOKEN", CANARY)
    assert lookup_secret("jira") == Secret(CANARY)


def test_a_hanging_keyring_times_out_and_falls_back(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hang(*_args: object) -> str:
        time.sleep(5)
        return "too late"

    monkeypatch.setattr(memory_keyring, "get_password", hang)
    monkeypatch.setenv("COCKPIT_JIRA_TOKEN", "env-token")
    started = time.perf_counter()
    assert lookup_secret("jira", timeout=0.2) == Secret("env-token")
    assert time.perf_counter() - started < 2


def test_secret_never_shows_itself() -> None:
    secret = Secret(CANARY)
    assert CANARY not in repr(secret)
    assert CANARY not in str(secret)
    assert CANARY not in f"{secret!r} {secret}"
    assert secret.reveal() == CANARY
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(secret)


@pytest.mark.parametrize("name", ["../../etc", "Jira", "a/b", "", "jira\n", "x" * 33])
def test_only_a_source_name_becomes_a_keyring_key(memory_keyring: MemoryKeyring, name: str) -> None:
    with pytest.raises(SecretsError, match="is not a source name"):
        store_secret(name, Secret(CANARY))
    with pytest.raises(SecretsError, match="is not a source name"):
        clear_secret(name)
    assert lookup_secret(name) is None
    assert memory_keyring.passwords == {}
