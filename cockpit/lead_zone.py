"""The lead's own time zone: what the Team panel's axis and the day's windows are drawn in.

`[cockpit] timezone` when set; else the machine's zone, by its IANA name, because a fixed
offset ("+01:00") would put every window an hour off after the next DST change.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALTIME = Path("/etc/localtime")


def _valid(name: str) -> bool:
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def machine_zone(localtime: Path = LOCALTIME) -> str:
    """The machine's IANA zone: `TZ` when it names one, else where /etc/localtime points."""
    env = os.environ.get("TZ", "").removeprefix(":")
    if _valid(env):
        return env
    try:
        target = str(localtime.resolve()) if localtime.is_symlink() else ""
    except OSError:
        target = ""
    _, found, name = target.partition("zoneinfo/")
    if found and _valid(name):
        return name
    timezone_file = Path("/etc/timezone")  # Debian and Ubuntu also write the name here
    try:
        name = timezone_file.read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    return name if _valid(name) else "UTC"


def lead_zone(configured: str) -> str:
    """The zone to show the team in: the config's, else the machine's, else UTC."""
    return configured if _valid(configured) else machine_zone()
