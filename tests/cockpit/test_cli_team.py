"""`cockpit team slots` and `cockpit team fairness` as a user types them: the demo, a user's own
cache with the lead's zone and `[team]` rules from the config, the invite written, the errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from cockpit.cli import EXIT_CONFIG, EXIT_ERROR, EXIT_OK, main
from cockpit.clock import FrozenClock
from cockpit.models import Meeting
from integrations.roster_file import parse_meetings_file

ROSTER = """
[[people]]
id = "priya"
name = "Priya Raman"
timezone = "Asia/Kolkata"
email = "priya@example.in"

[[people]]
id = "lena"
name = "Lena Hoffmann"
timezone = "Europe/Berlin"
"""

SLOTS = ["team", "slots", "--demo", "--people", "priya,lena,aroha", "--minutes", "45"]


@pytest.fixture
def berlin_lead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's config: the lead in Berlin, slots on the half hour, the roster synced."""
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\ntimezone = "Europe/Berlin"\n\n'
        "[team]\nslot_step_minutes = 30\n\n"
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    assert main(["sync"]) == EXIT_OK
    return config


def test_slots_on_the_demo_rank_times_in_the_leads_zone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SLOTS, "--limit", "3"]) == EXIT_OK
    out = capsys.readouterr().out
    # The tests run as if the machine were set to UTC: that is the lead's zone here.
    assert "Times in UTC (the lead's zone) and UTC" in out
    assert "45-minute slots for Priya Raman, Lena Hoffmann, Aroha Ngata" in out
    heads = [line for line in out.splitlines() if line[:4] in (" 1. ", " 2. ", " 3. ")]
    assert len(heads) == 3
    assert all("of 3 within" in head for head in heads)
    # Each attendee's own clock and state under each slot.
    for name, zone in (("Priya Raman", "Asia/Kolkata"), ("Aroha Ngata", "Pacific/Auckland")):
        lines = [line for line in out.splitlines() if line.strip().startswith(name)]
        assert len(lines) == 3 and all(zone in line for line in lines)
        assert all(
            any(word in line for word in ("in hours", "early", "late", "day off")) for line in lines
        )


def test_slots_json_and_the_invite_of_the_picked_slot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invite = tmp_path / "out" / "review.ics"
    argv = [*SLOTS, "--json", "--limit", "4", "--ics", str(invite), "--pick", "2"]
    assert main([*argv, "--title", "Model review"]) == EXIT_OK
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["lead_zone"] == "UTC" and data["minutes"] == 45 and data["days"] == 7
    assert len(data["slots"]) == 4
    ranked = [(-s["within"], s["inconvenience"], s["start"]) for s in data["slots"]]
    assert ranked == sorted(ranked)
    first = data["slots"][0]
    assert [c["id"] for c in first["costs"]] == ["priya", "lena", "aroha"]
    assert {c["state"] for c in first["costs"]} <= {"in", "early", "late", "off"}
    assert f"wrote slot 2 to {invite}" in captured.err
    calendar = icalendar.Calendar.from_ical(invite.read_bytes())
    (event,) = calendar.walk("VEVENT")
    picked = datetime.fromisoformat(data["slots"][1]["start"])
    assert event.decoded("DTSTART") == picked
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0  # the lead's zone: UTC
    assert str(event["SUMMARY"]) == "Model review"
    assert "Priya Raman" in str(event["DESCRIPTION"])


def test_a_users_cache_is_shown_in_the_configs_zone_with_its_rules(
    berlin_lead: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["team", "slots", "--people", "lena,priya", "--minutes", "45", "--days", "3"]
    assert main([*argv, "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["lead_zone"] == "Europe/Berlin" and data["days"] == 3
    for slot in data["slots"]:
        start = datetime.fromisoformat(slot["start"])
        assert start.minute in (0, 30)  # [team] slot_step_minutes = 30
        assert datetime.fromisoformat(slot["start_lead"]).utcoffset().total_seconds() in (
            3600,
            7200,
        )
    # Lena and Priya share hours every working day: the best slots have both within.
    assert data["slots"][0]["within"] == 2 and data["slots"][0]["inconvenience"] == 0
    assert main(argv) == EXIT_OK
    assert "Times in Europe/Berlin (the lead's zone) and UTC" in capsys.readouterr().out


def frozen_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """`cockpit team` as if run at `moment`."""
    import cockpit.cli

    monkeypatch.setattr(cockpit.cli, "_clock", lambda at=None: FrozenClock(moment))


def test_minutes_at_night_are_shown_and_given_in_json(
    berlin_lead: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Monday 15 June 2026, 06:07 UTC. At 19:00 UTC Priya's Tuesday is 00:30-01:30 IST: her
    # Monday ended at 17:30 and Tuesday starts at 09:00, so 45 minutes are late (to 01:15) and
    # 15 early, all 60 in her night (22:00-07:00): 45 x 1.5 + 15 + 60 x 2.0 = 202.5. Lena is at
    # 21:00-22:00 CEST: 60 late, before her night: 90.
    frozen_at(monkeypatch, datetime(2026, 6, 15, 6, 7, tzinfo=UTC))
    capsys.readouterr()
    argv = ["team", "slots", "--people", "lena,priya", "--minutes", "60", "--days", "1"]
    assert main([*argv, "--limit", "100", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    (slot,) = [s for s in data["slots"] if s["start"] == "2026-06-15T19:00:00+00:00"]
    lena, priya = slot["costs"]
    assert (priya["late_minutes"], priya["early_minutes"], priya["night_minutes"]) == (45, 15, 60)
    assert priya["pain"] == 202.5
    assert (lena["late_minutes"], lena["night_minutes"], lena["pain"]) == (60, 0, 90.0)
    assert slot["inconvenience"] == 292.5
    assert main([*argv, "--limit", "100"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Tue 00:30 IST    Asia/Kolkata   early 15 min, late 45 min, 60 at night" in out
    assert "Mon 21:00 CEST   Europe/Berlin  late 60 min\n" in out


def test_unknown_people_exit_2_listing_the_teams_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["team", "slots", "--demo", "--people", "priya,bob", "--minutes", "30"]
    assert main(argv) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "bob" in err
    assert "the team's ids are: " in err and "priya" in err and "aroha" in err
    assert "Traceback" not in err


def test_a_pick_beyond_the_list_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invite = tmp_path / "x.ics"
    argv = [*SLOTS, "--limit", "2", "--ics", str(invite), "--pick", "3"]
    assert main(argv) == EXIT_CONFIG
    assert "--pick 3: only 2 slots are listed" in capsys.readouterr().err
    assert not invite.exists()


def test_bad_numbers_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in (["--minutes", "0"], ["--minutes", "ten"], ["--minutes", "30", "--days", "99"]):
        with pytest.raises(SystemExit) as exited:
            main(["team", "slots", "--demo", "--people", "priya", *bad])
        assert exited.value.code == 2
    assert "out of range" in capsys.readouterr().err


def test_a_cache_without_a_team_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n',
        encoding="utf-8",
    )
    argv = ["team", "slots", "--config", str(config), "--people", "priya", "--minutes", "30"]
    assert main(argv) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "no team yet" in err and "cockpit sync" in err


def test_fairness_on_the_demo_shows_the_ledger_and_a_rotation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["team", "fairness", "--demo"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Fairness: the meetings recorded in the last 8 weeks" in out
    assert "person" in out and "minutes outside" in out
    assert 'Proposed rotation for "Model review"' in out
    assert out.count("  week of ") == 4
    assert main(["team", "fairness", "--demo", "--json", "--weeks", "2"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["series"] == "Model review" and len(data["rotation"]) == 2
    pains = [row["pain"] for row in data["rows"]]
    assert pains == sorted(pains, reverse=True)
    for week in data["rotation"]:
        outside = [c["id"] for c in week["slot"]["costs"] if c["state"] != "in"]
        assert week["pain_taken_by"] == outside


def test_fairness_for_an_unknown_series_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["team", "fairness", "--demo", "--series", "standup"]) == EXIT_CONFIG
    assert "recorded series: Model review" in capsys.readouterr().err


def test_fairness_without_recorded_meetings(
    berlin_lead: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["team", "fairness"]) == EXIT_OK
    assert "No meeting recorded in these weeks" in capsys.readouterr().out


def test_help_on_the_team_commands() -> None:
    for argv in (["team", "--help"], ["team", "slots", "--help"], ["team", "fairness", "--help"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 0


# --- recording the picked slot in the meetings file -------------------------------------------

MONDAY = datetime(2026, 6, 15, 6, 7, tzinfo=UTC)
# Lena works 07:00-15:30 UTC, Priya 03:30-12:00 UTC in June; with the config's 30-minute step
# from 06:07, the ranked 45-minute slots with both within start at 07:00, 07:30, ... 11:00.
RECORD = ["team", "slots", "--people", "lena,priya", "--minutes", "45", "--days", "1"]
SYNC_BLOCK = (
    "[[meetings]]\n"
    'title = "Weekly sync"\n'
    'series = "weekly-sync"\n'
    "start = 2026-06-15T07:30:00Z\n"
    "minutes = 45\n"
    'attendees = ["lena", "priya"]\n'
)


def test_record_creates_the_meetings_file_beside_the_roster(
    berlin_lead: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    frozen_at(monkeypatch, MONDAY)
    capsys.readouterr()
    argv = [*RECORD, "--pick", "2", "--record", "--series", "weekly-sync", "--title", "Weekly sync"]
    assert main(argv) == EXIT_OK
    meetings = berlin_lead.parent / "meetings.toml"
    assert f"recorded slot 2 in {meetings}" in capsys.readouterr().err
    assert meetings.read_text(encoding="utf-8") == SYNC_BLOCK
    assert parse_meetings_file(meetings, {"lena", "priya"}) == (
        Meeting(
            "Weekly sync",
            datetime(2026, 6, 15, 7, 30, tzinfo=UTC),
            45,
            ("lena", "priya"),
            series="weekly-sync",
        ),
    )
    # The next sync reads it (the default file is read once it exists): the ledger counts it.
    assert main(["sync"]) == EXIT_OK
    frozen_at(monkeypatch, datetime(2026, 6, 16, 12, 0, tzinfo=UTC))
    capsys.readouterr()
    assert main(["team", "fairness", "--json", "--weeks", "0"]) == EXIT_OK
    fair = json.loads(capsys.readouterr().out)
    assert fair["series"] == "weekly-sync"
    assert sorted((r["id"], r["meetings"], r["pain"]) for r in fair["rows"]) == [
        ("lena", 1, 0.0),
        ("priya", 1, 0.0),
    ]


def test_record_appends_to_a_configured_file_and_leaves_the_rest_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    records = tmp_path / "records"
    records.mkdir()
    # The lead's own file: a comment, CRLF line ends, an inline comment, no newline at the end.
    before = (
        b"# Meetings the team held.\r\n\r\n[[meetings]]\r\n"
        b'title = "Retro"  # every other week\r\nseries = "retro"\r\n'
        b'start = 2026-06-01T08:00:00Z\r\nminutes = 30\r\nattendees = ["lena", "priya"]'
    )
    (records / "held.toml").write_bytes(before)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\ntimezone = "Europe/Berlin"\n\n'
        "[team]\nslot_step_minutes = 30\n\n"
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n'
        'meetings = "records/held.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    assert main(["sync"]) == EXIT_OK
    frozen_at(monkeypatch, MONDAY)
    argv = [*RECORD, "--pick", "2", "--record", "--series", "weekly-sync", "--title", "Weekly sync"]
    assert main(argv) == EXIT_OK
    after = (records / "held.toml").read_bytes()
    # The file did not end with a line end: one is added, then a blank line, then the block.
    assert after == before + b"\n\n" + SYNC_BLOCK.encode("utf-8")
    assert not (tmp_path / "meetings.toml").exists()  # the configured file, not the default
    parsed = parse_meetings_file(records / "held.toml", {"lena", "priya"})
    assert [(m.title, m.series, m.start.isoformat(), m.minutes) for m in parsed] == [
        ("Retro", "retro", "2026-06-01T08:00:00+00:00", 30),
        ("Weekly sync", "weekly-sync", "2026-06-15T07:30:00+00:00", 45),
    ]


def test_record_refuses_a_configured_meetings_file_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[cockpit]\nstore = "{tmp_path / "cache.sqlite"}"\n\n'
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\nmeetings = "held.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    frozen_at(monkeypatch, MONDAY)
    # Said before anything is searched (the sync would refuse the file too).
    assert main([*RECORD, "--record"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert str(tmp_path / "held.toml") in err and "sources.team.meetings" in err
    assert not (tmp_path / "held.toml").exists()


def test_record_refuses_a_broken_meetings_file_and_leaves_it_alone(
    berlin_lead: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    meetings = berlin_lead.parent / "meetings.toml"
    broken = b'[[meetings]]\ntitle = "Retro"\nstart = "yesterday"\n'
    meetings.write_bytes(broken)
    frozen_at(monkeypatch, MONDAY)
    capsys.readouterr()
    assert main([*RECORD, "--record"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert str(meetings) in err and "fix it before recording" in err
    assert meetings.read_bytes() == broken


def test_record_on_the_demo_and_series_without_record_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*SLOTS, "--record"]) == EXIT_CONFIG
    assert "the demo has no meetings file" in capsys.readouterr().err
    assert main([*SLOTS, "--series", "weekly-sync"]) == EXIT_CONFIG
    assert "--series: use it with --record" in capsys.readouterr().err


def test_record_without_a_roster_file_source_says_what_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cockpit.config import parse_config
    from cockpit.team_record import RecordError, record_meeting

    config = parse_config("[cockpit]\n", tmp_path / "config.toml")
    meeting = Meeting("Sync", MONDAY, 30, ("lena",))
    with pytest.raises(RecordError, match=r"roster-file.*docs/roster\.md"):
        record_meeting(config, meeting, MONDAY.date())


def test_record_refuses_people_the_roster_does_not_list(tmp_path: Path) -> None:
    # People known only from Jira are in the team but not in the roster: the meetings file
    # may name roster people only (the roster source would refuse the file at the next sync).
    from cockpit.config import parse_config
    from cockpit.team_record import RecordError, record_meeting

    (tmp_path / "team.toml").write_text(ROSTER, encoding="utf-8")
    config = parse_config(
        '[sources.team]\nkind = "roster-file"\npath = "team.toml"\n', tmp_path / "config.toml"
    )
    meeting = Meeting("Sync", MONDAY, 30, ("lena", "712020:abc", "priya"))
    with pytest.raises(RecordError) as caught:
        record_meeting(config, meeting, MONDAY.date())
    assert "712020:abc" in str(caught.value) and str(tmp_path / "team.toml") in str(caught.value)
    assert not (tmp_path / "meetings.toml").exists()
    # With roster people only it is written.
    written = record_meeting(config, Meeting("Sync", MONDAY, 30, ("priya",)), MONDAY.date())
    assert written == tmp_path / "meetings.toml"
    assert parse_meetings_file(written, {"priya"})[0].attendees == ("priya",)
