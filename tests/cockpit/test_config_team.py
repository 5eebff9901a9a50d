"""The `[team]` block of the config template `cockpit init` writes: every setting, documented
with its default."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.config import CONFIG_TEMPLATE, TeamSettings, parse_config


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
