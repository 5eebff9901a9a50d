"""The `cockpit` command. Headless commands never import Textual; only the TUI does.

Exit codes: 0 success, 1 an error of another kind, 2 a config or usage error,
3 a sync where some sources failed (their cached data is kept).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cockpit.analytics.team_views import Slot, TeamRules
    from cockpit.clock import Clock
    from cockpit.config import Config
    from cockpit.dashboard import Dashboard
    from cockpit.models import TeamData
    from cockpit.team_record import Target
    from cockpit.workspace import Workspace

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_PARTIAL = 0, 1, 2, 3
# Commands that only read the cache load no library that logs: they skip the logging setup
# (`import logging` alone is ~6 ms of `cockpit status`'s 150 ms budget).
QUIET_COMMANDS = frozenset({"status", "export", "init"})

DESCRIPTION = """\
A terminal cockpit for leads of remote ML teams: sprints, experiments, OKRs, cloud cost and
team time zones in one dashboard, served from a local cache that works offline."""

EPILOG = """\
Start with `cockpit demo` to look around, then `cockpit init` to write your own config.
Tokens: `cockpit auth set SOURCE`, or COCKPIT_<SOURCE>_TOKEN on machines without a keyring."""


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $COCKPIT_CONFIG, then the platform's config folder)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="never touch the network; show the cached data",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="log everything (retries, requests) to the log file, not only warnings",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--masked", action="store_true", help=f"open masked: {MASKED_HELP}")
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        _global_options(sub, suppress=True)
        return sub

    demo = command("demo", "open the dashboard on the built-in demo workspace (no network)")
    demo.add_argument("--store", metavar="PATH", help="keep the demo cache here (default: private)")
    demo.add_argument("--still", action="store_true", help="do not simulate live changes")
    # SUPPRESS: `cockpit --masked demo` keeps the --masked given before the command.
    demo.add_argument("--masked", action="store_true", default=argparse.SUPPRESS, help=MASKED_HELP)

    present = command(
        "present", "screen-share mode: one panel at a time, large and high-contrast, cycling"
    )
    present.add_argument("--demo", action="store_true", help="present the demo workspace")
    present.add_argument(
        "--masked", action="store_true", default=argparse.SUPPRESS, help=MASKED_HELP
    )
    present.add_argument(
        "--interval",
        type=_bounded(3, 3600),
        metavar="SECONDS",
        help="seconds each panel stays (default: [sharing] present_seconds, 20)",
    )

    sync = command("sync", "sync sources into the local cache")
    sync.add_argument("--source", action="append", metavar="NAME", help="only this source")
    sync.add_argument("--demo", action="store_true", help="use the demo workspace")

    status = command("status", "one-screen summary of all five areas from the cache")
    status.add_argument("--json", action="store_true", help="print the documented JSON object")
    status.add_argument("--demo", action="store_true", help="use the demo workspace")
    status.add_argument("--masked", action="store_true", help=MASKED_HELP)

    export = command("export", "weekly status summary from the cache")
    export.add_argument(
        "--week", metavar="ISO-WEEK", help="e.g. 2026-W48 (default: the last full week)"
    )
    export.add_argument("--format", choices=("md", "html", "json"), default="md")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--demo", action="store_true", help="use the demo workspace")
    export.add_argument("--masked", action="store_true", help=MASKED_HELP)

    shot = command("screenshot", "render the dashboard headless to an SVG file")
    shot.add_argument("-o", "--output", metavar="FILE.svg", default="cockpit.svg")
    shot.add_argument("--demo", action="store_true", help="use the demo workspace")
    shot.add_argument("--size", default="160x48", metavar="COLSxROWS", help="terminal size")
    shot.add_argument("--at", metavar="ISO-TIME", help="render as of this UTC moment")
    where = shot.add_mutually_exclusive_group()
    where.add_argument(
        "--panel",
        choices=("sprint", "experiments", "okrs", "cost", "team"),
        help="render this panel's full screen instead of the dashboard",
    )
    where.add_argument(
        "--screen",
        metavar="NAME[:TAB]",
        help="render this screen on this tab, e.g. team:overlap, cost:daily, okrs:kpis",
    )
    shot.add_argument("--masked", action="store_true", help=MASKED_HELP)

    serve = command("serve", "serve the dashboard to a browser (loopback only by default)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (127.0.0.1); any other lets others on the network in",
    )
    serve.add_argument("--port", type=_bounded(1, 65535), default=8000, help="port (8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers reach it by, e.g. a reverse proxy's https://... URL",
    )
    serve.add_argument("--demo", action="store_true", help="serve the demo workspace")

    doctor = command("doctor", "check the config, credentials and each source")
    doctor.add_argument("--demo", action="store_true", help="check the demo workspace")

    init = command("init", "write a commented config template")
    init.add_argument("--force", action="store_true", help="overwrite an existing config")

    auth = command(
        "auth", "store or remove a source's token (or a destination's secret) in the OS keyring"
    )
    auth.add_argument("action", choices=("set", "clear"))
    auth.add_argument(
        "source", metavar="NAME", help="the source's (or destination's) name from the config"
    )

    team = command("team", "meeting slots and fairness for the team, from the cache")
    team_commands = team.add_subparsers(dest="team_command", metavar="WHAT", required=True)
    slots = team_commands.add_parser(
        "slots",
        help="rank meeting times for some people: within hours first, then the least pain",
        description="Rank meeting times for some people: most attendees within their hours"
        " first, then the least inconvenience (late evenings weigh more than early mornings),"
        " in the lead's zone and UTC, with each attendee's own clock.",
    )
    _global_options(slots, suppress=True)
    slots.add_argument(
        "--people", required=True, metavar="ID,ID,...", help="person ids, e.g. priya,lena,aroha"
    )
    slots.add_argument("--minutes", required=True, type=_bounded(1, 1440), help="meeting length")
    slots.add_argument(
        "--days", type=_bounded(1, 28), help="how far ahead to look (default: [team] overlap_days)"
    )
    slots.add_argument("--limit", type=_bounded(1, 1000), default=10, help="slots shown (10)")
    slots.add_argument("--ics", metavar="FILE", help="write the picked slot as an invite here")
    slots.add_argument(
        "--record",
        action="store_true",
        help="add the picked slot to the team's meetings file, for the fairness ledger",
    )
    slots.add_argument(
        "--series", metavar="NAME", help="with --record: the recurring meeting it is part of"
    )
    slots.add_argument(
        "--pick",
        type=_bounded(1, 1000),
        default=1,
        metavar="N",
        help="which slot --ics and --record use (1)",
    )
    slots.add_argument("--title", default="Team meeting", help="the invite's and record's title")
    slots.add_argument("--json", action="store_true", help="print JSON")
    slots.add_argument("--demo", action="store_true", help="use the demo workspace")
    fair = team_commands.add_parser(
        "fairness",
        help="who took the inconvenient meetings, and a rotation that spreads them",
        description="The ledger of who took meetings outside their hours over the last"
        " [team] fairness_weeks weeks, and a proposed rotation for a recurring meeting.",
    )
    _global_options(fair, suppress=True)
    fair.add_argument(
        "--series", metavar="NAME", help="the recurring meeting (default: the most recorded)"
    )
    fair.add_argument(
        "--weeks", type=_bounded(0, 26), default=4, help="weeks of rotation to propose (4)"
    )
    fair.add_argument("--json", action="store_true", help="print JSON")
    fair.add_argument("--demo", action="store_true", help="use the demo workspace")

    okr = command("okr", "OKR check-ins, written to the team's OKR file")
    okr_commands = okr.add_subparsers(dest="okr_command", metavar="WHAT", required=True)
    check_in = okr_commands.add_parser(
        "check-in",
        help="add a check-in (a value, how confident you are, a note) to a key result or KPI",
        description="Add a check-in to a key result or KPI of the OKR file of the config's"
        " first okr-file source, as new lines at the end of that key result: the rest of the"
        " file is left as it is. `cockpit sync` then brings it into the cache.",
    )
    _global_options(check_in, suppress=True)
    check_in.add_argument("kr", metavar="KR-ID", help="the key result's or KPI's id in the file")
    check_in.add_argument("value", metavar="VALUE", type=_finite_number, help="its value now")
    check_in.add_argument(
        "--confidence",
        type=_bounded(0, 10),
        metavar="N",
        help="how sure you are of reaching the target, 0 to 10",
    )
    check_in.add_argument("--note", default="", metavar="TEXT", help="what changed, in words")
    check_in.add_argument(
        "--date",
        type=_iso_day,
        metavar="YYYY-MM-DD",
        help="the day it is for (default: today in your time zone)",
    )

    send = command(
        "send", "send the weekly summary to a configured destination, through the outbox"
    )
    send.add_argument("--to", required=True, metavar="NAME", help="a [destinations.NAME] block")
    send.add_argument(
        "--week", metavar="ISO-WEEK", help="e.g. 2026-W48 (default: the last full week)"
    )
    send.add_argument(
        "--again", action="store_true", help="send a new copy of a week sent (or queued) before"
    )
    outbox = command("outbox", "list, send, retry or drop the messages in the outbox")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", metavar="WHAT")
    for name, text in (
        ("list", "list the messages (the default): state, attempts, last error, age"),
        ("send", "send every waiting message now"),
    ):
        sub = outbox_commands.add_parser(name, help=text, description=text)
        _global_options(sub, suppress=True)
    retry = outbox_commands.add_parser(
        "retry",
        help="send a failed or unsure message again",
        description="Put a failed or unsure message back in the queue and send it now (an"
        " unsure one may then arrive twice: it may have been delivered before). --all retries"
        " every failed one.",
    )
    _global_options(retry, suppress=True)
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=_bounded(1, 2**62), metavar="ID")
    which.add_argument("--all", action="store_true", help="every failed and waiting message")
    drop = outbox_commands.add_parser(
        "drop",
        help="never send this message",
        description="Never send this message; it stays in the list as dropped.",
    )
    _global_options(drop, suppress=True)
    drop.add_argument("id", type=_bounded(1, 2**62), metavar="ID")
    outbox.add_argument(
        "--all", action="store_true", dest="include_dropped", help="list dropped messages too"
    )
    return parser


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    return parse


def _finite_number(text: str) -> float:
    """An argparse type: a finite number (`12`, `0.91`, `-3.5`)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a usable number; give a finite one")
    return value


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-23") from None


# --- helpers --------------------------------------------------------------------------


def _clock(at: str | None = None) -> Clock:
    from cockpit.clock import FrozenClock, SystemClock

    if not at:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise CliError(f"--at {at!r}: expected an ISO time such as 2026-11-23T09:30", 2) from None
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return FrozenClock(moment)


def _workspace(args: argparse.Namespace, clock: Clock, *, demo: bool = False) -> Workspace:
    from cockpit.config import ConfigError
    from cockpit.store import StoreError
    from cockpit.workspace import (
        open_demo_in_memory,
        open_demo_workspace,
        open_user_workspace,
        warm_demo,
    )

    if (demo or getattr(args, "demo", False)) and args.command != "sync":
        # Shown once and thrown away: built in memory, no cache file, no sync machinery.
        return open_demo_in_memory(clock)
    if demo or getattr(args, "demo", False):
        workspace = open_demo_workspace()
        try:
            warm_demo(workspace, clock)
        except StoreError as exc:
            raise CliError(str(exc)) from None
        return workspace
    try:
        return open_user_workspace(args.config)
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


MASKED_HELP = "money as %% of budget, names as initials, [sharing] titles as keys"


def _masked(args: argparse.Namespace, workspace: Workspace, dashboard: Dashboard) -> Dashboard:
    """The dashboard as `--masked` (or `[sharing] mask_by_default`) shows it."""
    sharing = workspace.config.sharing
    if not (args.masked or sharing.mask_by_default):
        return dashboard
    from cockpit.masking import mask_dashboard, mask_rules

    return mask_dashboard(dashboard, mask_rules(sharing.mask_labels, sharing.mask_tags))


def _write_output(text: str, output: str | None) -> None:
    from cockpit.text_safety import clean_text

    # The last gate before a terminal or a file: no control character from a source passes.
    text = clean_text(text)
    if not output or output == "-":
        sys.stdout.write(text)
        return
    path = Path(output).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc}") from None
    print(f"wrote {path}", file=sys.stderr)


# --- commands -------------------------------------------------------------------------


def cmd_sync(args: argparse.Namespace) -> int:
    import asyncio

    from cockpit.formatting import byte_size, plural

    clock = _clock()
    workspace = _workspace(args, clock)
    names = set(workspace.config.enabled_sources())
    unknown = [n for n in args.source or [] if n not in names]
    if unknown:
        raise CliError(
            f"no enabled source named {', '.join(unknown)}; configured: {', '.join(sorted(names))}",
            EXIT_CONFIG,
        )
    if not names:
        raise CliError("the config lists no sources; add a [sources.NAME] block", EXIT_CONFIG)
    from cockpit.cache_rescue import set_aside_if_damaged

    # A damaged cache holds only copies: it is set aside (kept) and this sync rebuilds it.
    notice = set_aside_if_damaged(workspace.store, clock.now())
    if notice:
        print(f"cockpit: {notice}", file=sys.stderr)
    from cockpit.progress_lines import ProgressLines, showing_progress, wanted
    from integrations.base import Progress

    # A live line per source while it syncs, on a terminal only; the results below stay.
    progress = {job.source.name: Progress() for job in workspace.jobs(args.source)}
    lines = ProgressLines(progress, sys.stderr) if wanted(sys.stderr) else None
    work = workspace.sync(clock, only=args.source, offline=args.offline, progress=progress)
    outcomes = asyncio.run(showing_progress(work, lines))
    width = max(len(o.source) for o in outcomes)
    for outcome in outcomes:
        detail = f"{outcome.seconds:.2f}s"
        if outcome.requests:
            detail += f", {plural(outcome.requests, 'request')}, {byte_size(outcome.bytes_in)}"
        line = f"{outcome.source:<{width}}  {outcome.status:<7} {detail}"
        if outcome.error:
            line += f"  {outcome.error}"
        print(line)
    return EXIT_PARTIAL if any(o.status == "failed" for o in outcomes) else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    import json

    from cockpit.report import status_json, status_lines
    from cockpit.text_safety import clean_text

    clock = _clock()
    workspace = _workspace(args, clock)
    shown = workspace.dashboard(clock.now(), offline=args.offline)
    dashboard = _masked(args, workspace, shown)
    if args.json:
        text = json.dumps(status_json(dashboard), indent=2, ensure_ascii=False)
    else:
        title = "demo workspace" if workspace.demo else str(workspace.config.path or "")
        text = "\n".join(status_lines(dashboard, title))
    if dashboard is not shown:
        from cockpit.masking import with_marker

        text = with_marker(text, "json" if args.json else "text").rstrip("\n")
    print(clean_text(text))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from cockpit.export.weekly import ExportError, last_full_week, parse_week, weekly_text

    clock = _clock()
    now = clock.now()
    try:
        week = parse_week(args.week) if args.week else last_full_week(now)
    except ExportError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    if week.monday > now.date():
        raise CliError(f"--week {week.label} has not started yet", EXIT_CONFIG)
    workspace = _workspace(args, clock)
    masked = args.masked or workspace.config.sharing.mask_by_default
    text = weekly_text(workspace, week, args.format, now, masked=masked)
    _write_output(text, args.output)
    return EXIT_OK


# A headless render holds every cell in memory: 100000x100000 took 18 GB. These bounds cover
# every real terminal, from a small laptop split to a 4K screen at a small font.
SCREEN_COLUMNS, SCREEN_ROWS = (20, 500), (10, 200)


def _screen_size(text: str) -> tuple[int, int]:
    import re

    (low_c, high_c), (low_r, high_r) = SCREEN_COLUMNS, SCREEN_ROWS
    bounds = f"{low_c}..{high_c} columns and {low_r}..{high_r} rows"
    match = re.fullmatch(r"\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*", text)
    if not match:
        raise CliError(f"--size {text!r}: expected COLSxROWS such as 160x48 ({bounds})", 2)
    columns, rows = int(match[1]), int(match[2])
    if not (low_c <= columns <= high_c and low_r <= rows <= high_r):
        raise CliError(f"--size {text}: out of range; the size must be {bounds}", 2)
    return columns, rows


def _screen_and_tab(text: str) -> tuple[str, str | None]:
    """`--screen team:overlap` → ("team", "overlap"); an unknown name says the known ones."""
    from cockpit.app import screen_tabs

    name, _, tab = text.partition(":")
    tabs = screen_tabs()
    if name not in tabs:
        raise CliError(
            f"--screen {text}: no screen {name!r}; the screens: {', '.join(tabs)}", EXIT_CONFIG
        )
    if tab and tab not in tabs[name]:
        raise CliError(
            f"--screen {text}: the {name} screen has no tab {tab!r}; "
            f"its tabs: {', '.join(tabs[name])}",
            EXIT_CONFIG,
        )
    return name, tab or None


# These screens read more from the store than the dashboard (every run, each paid call), which
# the mask does not cover: a masked picture of them would show names or money.
UNMASKABLE_SCREENS = ("experiments", "cost")


def cmd_screenshot(args: argparse.Namespace) -> int:
    columns, rows = _screen_size(args.size)
    panel, tab = _screen_and_tab(args.screen) if args.screen else (args.panel, None)
    clock = _clock(args.at)
    workspace = _workspace(args, clock)
    masking = args.masked or workspace.config.sharing.mask_by_default
    if masking and panel in UNMASKABLE_SCREENS:
        raise CliError(
            f"the {panel} screen cannot be masked yet (its runs and paid calls are not); "
            "drop --masked, or [sharing] mask_by_default in the config, for this screen",
            EXIT_CONFIG,
        )
    if not workspace.in_memory:
        workspace.store.check()  # a damaged cache is one line here, not a trace from the renderer
    from cockpit.app import render_screenshot
    from cockpit.masking import MASK_MARKER

    # The app masks what it is given before its first frame, and shows the marker on screen.
    shown = workspace.dashboard(clock.now(), offline=args.offline)
    svg = render_screenshot(
        workspace,
        clock,
        size=(columns, rows),
        offline=args.offline,
        panel=panel,
        tab=tab,
        initial=shown,
        marker=MASK_MARKER if masking else "",
        masked=masking,
    )
    _write_output(svg, args.output)
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    from cockpit.doctor import run_doctor

    clock = _clock()
    workspace = _workspace(args, clock)
    rows = run_doctor(workspace, clock.now(), offline=args.offline)
    width = max(len(r.check) for r in rows)
    for row in rows:
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[row.level]
        print(f"{mark}  {row.check:<{width}}  {row.detail}")
        if row.fix:
            print(f"{'':<{width + 8}}fix: {row.fix}")
    return EXIT_ERROR if any(r.level == "fail" for r in rows) else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from cockpit.serve import ServeError, ServeOptions, serve

    config = None
    if not args.demo:
        from cockpit.config import ConfigError, load_config, resolve_config_path

        # Checked here, where the message can be read: in a browser tab it would be lost.
        path = resolve_config_path(args.config)
        if not path.exists():
            raise CliError(
                f"there is no config at {path}: run `cockpit init` to write one,"
                " or `cockpit serve --demo` to serve the demo workspace",
                EXIT_CONFIG,
            )
        try:
            load_config(path)
        except ConfigError as exc:
            raise CliError(str(exc), EXIT_CONFIG) from None
        config = path.resolve()
    options = ServeOptions(
        host=args.host,
        port=args.port,
        demo=args.demo,
        config=config,
        offline=args.offline,
        verbose=args.verbose,
        public_url=args.public_url,
    )
    try:
        serve(options)
    except ServeError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from cockpit.config import CONFIG_TEMPLATE, resolve_config_path

    path = resolve_config_path(args.config)
    if path.is_dir():
        # Not written inside it: every other command would then be pointed at the folder.
        from cockpit.config import folder_message

        raise CliError(folder_message(path), EXIT_CONFIG)
    if path.exists() and not args.force:
        print(f"{path} already exists; edit it, or use --force to start over.")
        return EXIT_OK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc}") from None
    print(f"wrote a config template to {path}")
    print("Edit it to add your sources, then run `cockpit doctor` and `cockpit sync`.")
    return EXIT_OK


def _check_auth_source(args: argparse.Namespace) -> None:
    """Only a name that can be a source goes to the keyring; one that the config does not have
    (yet) is allowed, with a warning, because a token is often stored before the block is added."""
    from cockpit.config import (
        SOURCE_NAME_RULE,
        ConfigError,
        is_source_name,
        load_config,
        resolve_config_path,
    )

    name = args.source
    if not is_source_name(name):
        raise CliError(f"{name!r} is not a source name: {SOURCE_NAME_RULE}", EXIT_CONFIG)
    path = resolve_config_path(args.config)
    if not path.exists():
        print(
            f"cockpit: warning: there is no config at {path}, so {name!r} cannot be checked;"
            f" add a [sources.{name}] block to use this token",
            file=sys.stderr,
        )
        return
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"cockpit: warning: cannot check {name!r} against the config: {exc}", file=sys.stderr)
        return
    # A destination's secret (a webhook URL, a Confluence token) is kept under its name too.
    configured = config.sources
    if name not in configured and name not in config.destinations:
        listed = ", ".join(sorted(configured)) or "none"
        print(
            f"cockpit: warning: {path} has no source named {name!r} (configured: {listed});"
            f" add a [sources.{name}] block to use this token",
            file=sys.stderr,
        )


def cmd_auth(args: argparse.Namespace) -> int:
    from cockpit.models import Secret
    from cockpit.secrets import SecretsError, clear_secret, env_var_for, store_secret

    _check_auth_source(args)
    try:
        if args.action == "clear":
            removed = clear_secret(args.source)
            print(
                f"removed the {args.source} token" if removed else f"no {args.source} token stored"
            )
            return EXIT_OK
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass(f"{args.source} token (input hidden): ")
        else:
            value = sys.stdin.readline()
        value = value.strip()
        if not value:
            raise CliError("no token given; nothing stored", EXIT_CONFIG)
        store_secret(args.source, Secret(value))
    except SecretsError as exc:
        raise CliError(str(exc)) from None
    print(f"stored the {args.source} token in the OS keyring (service 'cockpit')")
    print(f"on machines without a keyring, set {env_var_for(args.source)} instead")
    return EXIT_OK


def _greeting(path: Path) -> str:
    return (
        "Welcome to cockpit.\n\n"
        f"There is no config at {path} yet.\n"
        "  cockpit demo   look around the built-in demo workspace (no network, no tokens)\n"
        "  cockpit init   write a commented config template there\n"
        "Then `cockpit doctor` checks it and `cockpit` opens your dashboard.\n"
    )


def cmd_tui(args: argparse.Namespace, *, demo: bool, present: bool = False) -> int:
    """The dashboard (`cockpit`, `cockpit demo`) or present mode (`cockpit present`)."""
    from cockpit.cache_rescue import read_setting_aside
    from cockpit.clock import SystemClock

    clock = SystemClock()
    notice: str | None = None
    if demo:
        from cockpit.workspace import open_demo_workspace

        store = Path(args.store).expanduser() if getattr(args, "store", None) else None
        live_since = None if getattr(args, "still", False) else clock.now()
        workspace = open_demo_workspace(store, live_since=live_since)
        # The first frame comes from what is at hand: a kept store's cache, or else the demo
        # built in memory, which the app writes to the store once the frame is on screen.
        if store is None:
            workspace.in_memory = True  # a new private store: there is nothing to read yet
            workspace.hold_demo(clock)
        else:
            times, notice = read_setting_aside(
                workspace.store, workspace.store.latest_times, clock.now()
            )
            if "demo" not in times:
                workspace.hold_demo(clock)
    else:
        from cockpit.config import resolve_config_path

        path = resolve_config_path(args.config)
        if not path.exists():
            print(_greeting(path))
            return EXIT_OK
        workspace = _workspace(args, clock)
    # Read the cache once, before the app starts: a newer or unreadable file is then one clear
    # line and a non-zero exit (see main), not a traceback from inside the app; a damaged one
    # is set aside and the app starts on a new cache, which its first sync fills. The first
    # frame shows what was read here, without reading it again.
    initial, found = read_setting_aside(
        workspace.store, lambda: workspace.dashboard(clock.now(), offline=args.offline), clock.now()
    )
    for said in (notice, found):
        if said:
            print(f"cockpit: {said}", file=sys.stderr)
    from cockpit.app import run_app

    return (
        run_app(
            workspace,
            clock,
            offline=args.offline,
            initial=initial,
            masked=True if getattr(args, "masked", False) else None,  # None: the config says
            present=present,
            present_seconds=getattr(args, "interval", None),
        )
        or EXIT_OK
    )


def cmd_team(args: argparse.Namespace) -> int:
    import json

    from cockpit.team_data import load_team, team_rules, team_zone
    from cockpit.text_safety import clean_text

    clock = _clock()
    recording = _records(args)
    workspace = _workspace(args, clock)
    target = _record_target(workspace.config) if recording else None
    team = load_team(workspace)
    if team is None or not team.people:
        raise CliError(
            "the cache holds no team yet: add a roster-file source to the config"
            " (see `cockpit init`) and run `cockpit sync`, or try `--demo`"
        )
    rules, zone, now = team_rules(workspace.config), team_zone(workspace.config), clock.now()
    if args.team_command == "fairness":
        return _team_fairness(args, team, rules, zone, now)
    from cockpit.analytics.team_slots import UnknownPeople, find_slots
    from cockpit.team_commands import parse_people, slots_json, slots_text

    ids = parse_people(args.people)
    if not ids:
        raise CliError("--people: name at least one person id, e.g. --people priya,lena", 2)
    days = args.days or rules.overlap_days
    try:
        shown = find_slots(team, ids, args.minutes, now, rules=rules, days=days, limit=args.limit)
    except UnknownPeople as exc:
        raise CliError(f"--people: {exc}", EXIT_CONFIG) from None
    if (args.ics or args.record) and args.pick > len(shown):
        raise CliError(
            f"--pick {args.pick}: only {len(shown)} slots are listed; pick one of them"
            " (or list more with --limit)",
            EXIT_CONFIG,
        )
    if args.json:
        print(clean_text(json.dumps(slots_json(shown, team, args.minutes, days, zone), indent=2)))
    else:
        print(clean_text(slots_text(shown, team, ids, args.minutes, days, zone)), end="")
    if args.ics:
        from cockpit.export.ics import write_ics

        path = Path(args.ics).expanduser()
        try:
            write_ics(path, shown[args.pick - 1], team.people, args.title, zone)
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc}") from None
        print(f"wrote slot {args.pick} to {path}", file=sys.stderr)
    if target is not None:
        _record(args, workspace.config, shown[args.pick - 1], now, target)
    return EXIT_OK


def _records(args: argparse.Namespace) -> bool:
    """Whether `team slots` records its pick: refused with the demo (it has no file), and
    --series means nothing without --record. Checked before anything is loaded."""
    if args.team_command != "slots":
        return False
    if args.series is not None and not args.record:
        raise CliError("--series: use it with --record (the series of the meeting recorded)", 2)
    if args.record and args.demo:
        raise CliError(
            "--record: the demo has no meetings file to record in; run the command on your"
            " own team (without --demo) to add the slot to the meetings file beside its roster",
            EXIT_CONFIG,
        )
    return bool(args.record)


def _record_target(config: Config) -> Target:
    """Where --record writes, found before the search so a wrong setting is said first."""
    from cockpit.team_record import RecordError, meetings_target

    try:
        return meetings_target(config)
    except RecordError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def _record(
    args: argparse.Namespace, config: Config, slot: Slot, now: datetime, target: Target
) -> None:
    from cockpit.models import Meeting
    from cockpit.team_record import RecordError, record_meeting

    meeting = Meeting(
        title=args.title,
        start=slot.start,
        minutes=slot.minutes,
        attendees=tuple(c.id for c in slot.costs),
        series=args.series or "",
    )
    try:
        path = record_meeting(config, meeting, now.date(), target)
    except RecordError as exc:
        raise CliError(str(exc), EXIT_CONFIG if exc.usage else EXIT_ERROR) from None
    print(
        f"recorded slot {args.pick} in {path}; `cockpit sync` brings it into the fairness ledger",
        file=sys.stderr,
    )


def _team_fairness(
    args: argparse.Namespace, team: TeamData, rules: TeamRules, zone: str, now: datetime
) -> int:
    import json

    from cockpit.analytics.team_slots import fairness
    from cockpit.team_commands import fairness_json, fairness_text
    from cockpit.text_safety import clean_text

    try:
        view = fairness(
            team, now, rules=rules, lead_zone=zone, series=args.series, weeks_ahead=args.weeks
        )
    except ValueError as exc:
        raise CliError(f"--series: {exc}", EXIT_CONFIG) from None
    if args.json:
        print(clean_text(json.dumps(fairness_json(view, team, zone), indent=2)))
    else:
        print(clean_text(fairness_text(view, team, zone)), end="")
    return EXIT_OK


def cmd_okr(args: argparse.Namespace) -> int:
    """`cockpit okr check-in`: the check-in goes into the file, not the cache; the next sync
    of the source (or of everything) reads it like any other edit of the file."""
    from zoneinfo import ZoneInfo

    from cockpit.config import ConfigError, load_config, resolve_config_path
    from cockpit.lead_zone import lead_zone
    from cockpit.okr_checkin import CheckInError, append_checkin, okr_file_target

    try:
        config = load_config(resolve_config_path(args.config))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    try:
        name, path = okr_file_target(config)
    except CheckInError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    day = args.date
    if day is None:
        # The lead's day, not UTC's: a Monday-morning check-in in Tokyo is Monday's.
        day = _clock().now().astimezone(ZoneInfo(lead_zone(config.cockpit.timezone))).date()
    try:
        append_checkin(
            path, args.kr, args.value, confidence=args.confidence, note=args.note, day=day
        )
    except CheckInError as exc:
        raise CliError(str(exc), EXIT_CONFIG if exc.usage else EXIT_ERROR) from None
    from cockpit.formatting import quantity
    from cockpit.text_safety import clean_line

    sure = f", confidence {args.confidence}/10" if args.confidence is not None else ""
    print(clean_line(f"checked in {quantity(args.value)} on {args.kr} for {day}{sure} in {path}"))
    print(f"run `cockpit sync --source {name}` to see it in `cockpit status` and the dashboard")
    return EXIT_OK


def _delivery_workspace(args: argparse.Namespace, clock: Clock) -> Workspace:
    """The user's workspace, for the commands that keep an outbox (never the demo's)."""
    workspace = _workspace(args, clock)
    if workspace.store.read_only():
        raise CliError(
            f"the cache {workspace.store.path} is read-only for this user, and the outbox lives"
            " in it; fix its permissions, or point `store` in [cockpit] at a file you may write"
        )
    return workspace


def cmd_send(args: argparse.Namespace) -> int:
    """`cockpit send --to NAME`: the summary is committed to the outbox first, then (unless
    --offline) sent. Exit 0: sent, or kept as asked; 3: it waits or may have been sent (kept
    in the outbox); 1: it failed for good."""
    from cockpit.delivery import DeliveryConfigError, deliver_waiting, queue_weekly
    from cockpit.export.weeks import ExportError, last_full_week, parse_week
    from cockpit.text_safety import clean_line

    clock = _clock()
    now = clock.now()
    try:
        week = parse_week(args.week) if args.week else last_full_week(now)
    except ExportError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    if week.monday > now.date():
        raise CliError(f"--week {week.label} has not started yet", EXIT_CONFIG)
    workspace = _delivery_workspace(args, clock)
    try:
        queued = queue_weekly(workspace, args.to, week, now, again=args.again)
    except (DeliveryConfigError, ExportError) as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    message = queued.message
    if queued.new:
        size = len(message.body.encode("utf-8"))
        masking = ", masked" if message.masked else ""
        print(
            clean_line(
                f"queued #{message.id}: {message.week} → {message.destination}"
                f" ({message.format}{masking}, {size:,} bytes)"
            )
        )
    else:
        print(clean_line(f"{message.week} → {message.destination}: {queued.already}"))
        if message.state != "waiting":
            return EXIT_OK
    if args.offline:
        print("offline: it waits in the outbox; `cockpit outbox send` sends it")
        return EXIT_OK
    report = deliver_waiting(workspace, now, only=[message.id], due_only=False)
    for line in report.lines():
        print(clean_line(line))
    if report.sent:
        return EXIT_OK
    return EXIT_ERROR if report.failed else EXIT_PARTIAL


def cmd_outbox(args: argparse.Namespace) -> int:
    import contextlib

    from cockpit.delivery import deliver_waiting, outbox_lines
    from cockpit.outbox import Outbox, OutboxError
    from cockpit.store import StoreError
    from cockpit.text_safety import clean_line

    clock = _clock()
    now = clock.now()
    what = args.outbox_command or "list"
    workspace = _delivery_workspace(args, clock) if what != "list" else _workspace(args, clock)
    if workspace.in_memory:
        raise CliError("the demo workspace keeps no outbox; use your own config", EXIT_CONFIG)
    outbox = Outbox(workspace.store)
    try:
        if what == "list":
            if not workspace.store.exists():
                print("the outbox is empty")
                return EXIT_OK
            # A crashed delivery's message shows as unsure (a read-only cache: as it stands).
            with contextlib.suppress(StoreError):
                outbox.recover(now)
            for line in outbox_lines(outbox.list(include_dropped=args.include_dropped), now):
                print(clean_line(line))
            return EXIT_OK
        if what == "drop":
            dropped = outbox.drop(args.id)
            print(clean_line(f"dropped #{dropped.id} ({dropped.week} → {dropped.destination})"))
            return EXIT_OK
        only = None
        if what == "retry":
            if args.all:
                print(
                    f"{outbox.retry_all()} message(s) queued again; unsure ones are retried"
                    " only by id (each may have been delivered)"
                )
            else:
                again = outbox.retry(args.id, now)
                only = [again.id]
        if args.offline:
            print("offline: nothing sent; `cockpit outbox send` sends what waits")
            return EXIT_OK
        report = deliver_waiting(workspace, now, only=only, due_only=False)
    except OutboxError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None
    for line in report.lines() or ["nothing waits in the outbox"]:
        print(clean_line(line))
    if report.failed:
        return EXIT_ERROR
    return EXIT_PARTIAL if report.waiting or report.unsure else EXIT_OK


# Commands that build a screen or a report and end: the cyclic garbage collector only costs
# them time (about 170 collections, 40-55 ms, before the TUI's first frame), since records and
# view-models are untracked structs. The TUI turns it back on after its first frame.
NO_GC_UNTIL_DONE = frozenset({None, "demo", "present", "status", "export"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in NO_GC_UNTIL_DONE and argv is None:
        import gc

        gc.disable()
    if args.command not in QUIET_COMMANDS:
        from cockpit.logs import setup_logging

        # Before anything can log: library lines go to the log file, never to the terminal.
        setup_logging(verbose=args.verbose)
    if args.version:
        from importlib.metadata import version

        print(f"cockpit {version('cockpit')}")
        return EXIT_OK
    handlers = {
        "sync": cmd_sync,
        "status": cmd_status,
        "export": cmd_export,
        "screenshot": cmd_screenshot,
        "doctor": cmd_doctor,
        "serve": cmd_serve,
        "init": cmd_init,
        "auth": cmd_auth,
        "team": cmd_team,
        "okr": cmd_okr,
        "send": cmd_send,
        "outbox": cmd_outbox,
    }
    from cockpit.store import StoreError

    try:
        if args.command in (None, "demo"):
            return cmd_tui(args, demo=args.command == "demo")
        if args.command == "present":
            return cmd_tui(args, demo=args.demo, present=True)
        return handlers[args.command](args)
    except CliError as exc:
        print(f"cockpit: {_safe(exc)}", file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(f"cockpit: {_safe(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cockpit status | head`: the reader left; say nothing more, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("COCKPIT_DEBUG"):
            raise
        print(
            f"cockpit: unexpected {type(exc).__name__}: {_safe(exc)}\n"
            "Set COCKPIT_DEBUG=1 to see the full traceback.",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _safe(exc: BaseException) -> str:
    """An error as the terminal may show it: a URL's password redacted, no control bytes
    (messages can quote a file name, a config value or a server's words)."""
    from cockpit.redact import redact_url
    from cockpit.text_safety import clean_line

    return clean_line(redact_url(str(exc)))
