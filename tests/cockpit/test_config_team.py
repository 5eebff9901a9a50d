"""The `[team]` block of the config template `cockpit init` writes: every setting, documented
with its default."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec
import pytest

from cockpit.analytics.team_views import TeamRules, parse_night
from cockpit.config import CONFIG_TEMPLATE, ConfigError, TeamSettings, load_config, parse_config


def _team_block() -> list[str]:
    lines = CONFIG_TEMPLATE.splitlines()
    start = lines.index("# [team]")
    end = next(n for n in range(start + 1, len(lines)) if not lines[n].startswith("#"))
    return lines[start:end]


def test_the_template_documents_every_team_setting_with_its_default() -> None:
    block = _team_block()
    keys = [match[1] for line in block if (match := re.match(r"# ([a-z_]+) = ", line))]
    assert keys == list(TeamSettings.__struct_fields__)
    for line in block:
        if match := re.match(r"# ([a-z_]+) = (\S+) +# \S", line):
            default = getattr(TeamSettings(), match[1])
            # The value shown is the default, read as TOML (a string is shown quoted).
            assert tomllib.loads(f"v = {match[2]}")["v"] == default, line
            assert match[2] == (f'"{default}"' if isinstance(default, str) else str(default))


def test_the_uncommented_team_block_gives_the_defaults() -> None:
    text = "\n".join(
        line[2:] if re.match(r"# (\[team\]|[a-z_]+ = )", line) else line for line in _team_block()
    )
    assert parse_config(text, Path("config.toml")).team == TeamSettings()


def test_a_zero_weight_is_refused_naming_the_key(tmp_path: Path) -> None:
    # With a zero weight a 3 a.m. call would rank as painless as a noon one.
    path = tmp_path / "config.toml"
    path.write_text("[team]\nlate_weight = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "team.late_weight" in str(caught.value)
    assert str(path) in str(caught.value)


def test_the_analytics_rules_take_every_team_setting() -> None:
    # The workspace copies [team] into TeamRules key by key: the same fields, the same defaults.
    assert TeamRules(**msgspec.structs.asdict(TeamSettings())) == TeamRules()
    assert set(TeamRules.__struct_fields__) == set(TeamSettings.__struct_fields__)


def test_a_night_and_its_weight_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[team]\nnight = "23:30-06:00"\nnight_weight = 0\n', encoding="utf-8")
    team = load_config(path).team
    # A zero night weight is allowed: it only adds to a positive weight, so a slot is still
    # painless exactly when everyone is within hours; it turns the night off.
    assert (team.night, team.night_weight) == ("23:30-06:00", 0.0)
    assert parse_night(team.night) == (23 * 60 + 30, 30 * 60)  # to 06:00 the next day
    assert parse_night("01:00-05:00") == (60, 300)
    assert parse_night("00:00-23:59") == (0, 1439)


@pytest.mark.parametrize(
    "night", ["25:00-07:00", "22:00", "07:00-07:00", "10pm-6am", "22:00-24:00", "22:0-07:00", ""]
)
def test_a_night_that_is_not_two_clock_times_is_refused_naming_the_key(
    tmp_path: Path, night: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[team]\nnight = "{night}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "team.night" in message and str(path) in message
    assert "22:00-07:00" in message  # an example of what is meant


def test_a_negative_night_weight_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[team]\nnight_weight = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"team\.night_weight"):
        load_config(path)
