"""The `[team]` block of the config template `cockpit init` writes: every setting, documented
with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
            assert match[2] == str(default), line  # the value shown is the default


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
