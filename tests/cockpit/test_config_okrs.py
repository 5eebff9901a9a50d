"""The `[okrs]` section: the thresholds the OKR analytics judge by, read from the config and
documented in the template `cockpit init` writes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec
import pytest

from cockpit.analytics.okr_views import OkrRules
from cockpit.config import CONFIG_TEMPLATE, ConfigError, OkrSettings, load_config, parse_config
from cockpit.store import Store
from cockpit.workspace import Workspace


def _okrs_block() -> list[str]:
    lines = CONFIG_TEMPLATE.splitlines()
    start = lines.index("# [okrs]")
    end = next(n for n in range(start + 1, len(lines)) if not lines[n].startswith("#"))
    return lines[start:end]


def test_the_template_documents_every_okr_setting_with_its_default() -> None:
    block = _okrs_block()
    keys = [match[1] for line in block if (match := re.match(r"# ([a-z_]+) = ", line))]
    assert keys == list(OkrSettings.__struct_fields__)
    for line in block:
        if match := re.match(r"# ([a-z_]+) = (\S+) +# \S", line):
            default = getattr(OkrSettings(), match[1])
            assert tomllib.loads(f"v = {match[2]}")["v"] == default, line


def test_the_okrs_block_follows_the_team_block() -> None:
    lines = CONFIG_TEMPLATE.splitlines()
    assert lines.index("# [team]") < lines.index("# [okrs]")


def test_the_uncommented_okrs_block_gives_the_defaults() -> None:
    text = "\n".join(
        line[2:] if re.match(r"# (\[okrs\]|[a-z_]+ = )", line) else line for line in _okrs_block()
    )
    assert parse_config(text, Path("config.toml")).okrs == OkrSettings()


def test_the_analytics_rules_take_every_okr_setting() -> None:
    # The workspace copies [okrs] into OkrRules key by key: the same fields, the same defaults.
    assert OkrRules(**msgspec.structs.asdict(OkrSettings())) == OkrRules()
    assert set(OkrRules.__struct_fields__) == set(OkrSettings.__struct_fields__)


def test_the_workspace_hands_the_configured_rules_to_the_analytics(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[okrs]\nat_risk_margin = 0.05\noff_track_margin = 0.2\nstale_days = 7\n",
        encoding="utf-8",
    )
    workspace = Workspace(load_config(path), Store(tmp_path / "cache.sqlite"))
    assert workspace.okr_rules() == OkrRules(
        at_risk_margin=0.05, off_track_margin=0.2, stale_days=7
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("at_risk_margin = -0.1", "okrs.at_risk_margin"),
        ("off_track_margin = 1.5", "okrs.off_track_margin"),
        ("stale_days = 0", "okrs.stale_days"),
        ('stale_days = "two weeks"', "okrs.stale_days"),
        ("stale_after = 3", "stale_after"),
    ],
)
def test_a_bad_okr_setting_is_refused_naming_the_file_and_key(
    tmp_path: Path, text: str, key: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[okrs]\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert key in str(caught.value)
    assert str(path) in str(caught.value)


def test_off_track_before_at_risk_is_refused(tmp_path: Path) -> None:
    # A key result falls behind into "at risk" first: the reverse order would skip it.
    path = tmp_path / "config.toml"
    path.write_text("[okrs]\nat_risk_margin = 0.3\noff_track_margin = 0.2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "okrs.off_track_margin" in message and "okrs.at_risk_margin" in message
    assert str(path) in message
