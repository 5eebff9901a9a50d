"""Sources kept as TOML files beside the config, re-exported from the modules that read them:
the OKR file (`integrations.okr_file`) and the team roster (`integrations.roster_file`)."""

from __future__ import annotations

from integrations.okr_file import OkrFileSource, parse_okr_file
from integrations.roster_file import RosterFileSource, parse_roster_file

__all__ = ["OkrFileSource", "RosterFileSource", "parse_okr_file", "parse_roster_file"]
