"""The lead's zone: the config's, else the machine's IANA name, never a fixed offset."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cockpit.lead_zone import lead_zone, machine_zone


def test_the_configured_zone_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    assert lead_zone("Pacific/Auckland") == "Pacific/Auckland"


def test_tz_names_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Asia/Kathmandu")
    assert lead_zone("") == "Asia/Kathmandu"


def test_the_localtime_link_names_the_zone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TZ", raising=False)
    target = tmp_path / "usr" / "share" / "zoneinfo" / "America" / "St_Johns"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")
    link = tmp_path / "localtime"
    link.symlink_to(target)
    assert machine_zone(link) == "America/St_Johns"


def test_a_fixed_offset_or_junk_is_not_a_zone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # "EST5EDT,M3.2.0,M11.1.0" is a POSIX rule, not a zone name; the cockpit shows UTC rather
    # than guess, and a broken config value falls back the same way.
    monkeypatch.setenv("TZ", "EST5EDT,M3.2.0,M11.1.0")
    for zone in (lead_zone("Not/AZone"), machine_zone(tmp_path / "none")):
        assert zone not in {"Not/AZone", "EST5EDT,M3.2.0,M11.1.0"}
        assert ZoneInfo(zone).key == zone
