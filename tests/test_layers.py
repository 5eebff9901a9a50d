"""The house rules of ARCHITECTURE.md, enforced: who may import whom."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(*parts: str) -> list[Path]:
    return sorted((ROOT.joinpath(*parts)).rglob("*.py"))


def offenders(
    paths: list[Path], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> list[str]:
    bad = []
    for path in paths:
        for module in sorted(imports_of(path)):
            if module.startswith(allowed):
                continue
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    return bad


def test_integrations_never_import_the_ui_or_the_core() -> None:
    bad = offenders(
        files("integrations"),
        forbidden=("textual", "rich", "widgets", "cockpit"),
        # run_values is pure (records in, answers out): trackers set each experiment's
        # direction with the same default-by-name every surface ranks with.
        # toml_lines finds the line of a key for a hand-edited file's error messages.
        allowed=(
            "cockpit.models", "cockpit.schema_errors", "cockpit.text_safety",
            "cockpit.analytics.run_values", "cockpit.toml_lines",
        ),
    )  # fmt: skip
    assert bad == []


def test_the_toml_line_finder_is_stdlib_only() -> None:
    # Integrations import it for their error messages: it may import nothing of ours.
    path = ROOT / "cockpit" / "toml_lines.py"
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    assert {m.split(".")[0] for m in imports_of(path)} <= stdlib


def test_the_text_cleaner_is_stdlib_only() -> None:
    # Every layer cleans outside text with it, integrations included: it may import nothing.
    path = ROOT / "cockpit" / "text_safety.py"
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    assert {m.split(".")[0] for m in imports_of(path)} <= stdlib


def test_widgets_do_no_io() -> None:
    bad = offenders(
        files("widgets"),
        forbidden=(
            "httpx", "jira", "boto3", "requests", "sqlite3", "socket", "integrations",
            "cockpit.store", "cockpit.sync", "cockpit.config", "cockpit.secrets", "keyring",
        ),
    )  # fmt: skip
    assert bad == []


def test_analytics_are_pure() -> None:
    bad = offenders(
        files("cockpit", "analytics"),
        forbidden=("textual", "widgets", "integrations", "httpx", "sqlite3", "cockpit"),
        # The formatter is pure too, and alert sentences must write money as every surface does.
        allowed=("cockpit.models", "cockpit.analytics", "cockpit.formatting"),
    )
    assert bad == []
    # No clock either: time is a parameter, so the same inputs always give the same view.
    for path in files("cockpit", "analytics"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow", "time"):
                owner = node.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                assert name not in ("datetime", "date", "time"), f"{path.name} reads the clock"


def test_records_and_store_depend_on_nothing_above_them() -> None:
    records = [ROOT / "cockpit" / "models.py"]
    assert (
        offenders(records, forbidden=("cockpit", "textual", "integrations", "widgets", "httpx"))
        == []
    )
    store = [ROOT / "cockpit" / "store.py", ROOT / "cockpit" / "codec.py"]
    bad = offenders(
        store,
        forbidden=("cockpit", "textual", "integrations", "widgets", "httpx"),
        # text_safety and redact are stdlib-only leaves: the store checks the text it keeps.
        allowed=("cockpit.models", "cockpit.codec", "cockpit.redact", "cockpit.text_safety"),
    )
    assert bad == []


def test_only_the_app_and_screens_import_textual() -> None:
    core = [p for p in files("cockpit") if p.name != "app.py" and "screens" not in p.parts]
    assert offenders(core, forbidden=("textual", "widgets")) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["status", "--demo"],
        ["status", "--demo", "--json"],
        ["export", "--demo", "--format", "html"],
        ["sync", "--demo"],
        ["doctor", "--demo"],
        ["team", "slots", "--demo", "--people", "priya,lena", "--minutes", "30"],
        ["team", "fairness", "--demo"],
        # A real check-in runs in tests/cockpit/test_cli_okr.py (it needs an OKR file).
        ["okr", "check-in", "--help"],
        ["serve", "--help"],
    ],
)
def test_headless_commands_never_import_textual(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        "from cockpit.cli import main\n"
        "try:\n"
        f"    code = main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = ('textual', 'widgets', 'pandas')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stderr
