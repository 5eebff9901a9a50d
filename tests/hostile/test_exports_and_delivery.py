"""Hostile content through the whole path into the weekly summary and its deliveries.

A cache whose every text, from every source, carries control characters, terminal escapes,
Rich markup, Markdown and HTML injection (`# x`, `[a](javascript:…)`, `<script>`, `]]>`,
Confluence macros), Slack mentions (`<!channel>`, `@here`, `<@U…>`) and, one text in eight,
10,000 characters with a right-to-left override. Then:

- `weekly_text` as Markdown parses (markdown-it, CommonMark with GFM tables and
  strikethrough) into headings, lists and paragraphs the report writes, with every text from
  the data as literal text: no heading, link, image, HTML, code, table or rule from it;
- as HTML it is XML after the doctype, with no element or attribute from the data and no
  address to fetch or follow;
- as JSON it loads, and its strings are the data, cleaned;
- the TUI's export dialog writes the same bytes as `weekly_text`;
- `cockpit send` to the fake Slack (no mention, no link), Teams (a valid card with no action
  and no link) and Confluence (well-formed storage XHTML with no macro, link or script).

Bare addresses in the data stay visible text in Markdown: a GFM renderer that links them
shows the address itself as the link's words, so nothing is hidden behind other words.
"""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.widgets import Select

from cockpit.cli import main
from cockpit.clock import FrozenClock
from cockpit.export.weekly import current_week, weekly_text
from cockpit.text_safety import clean_line
from cockpit.workspace import Workspace
from tests.fakes.confluence_server import FakeConfluence
from tests.fakes.slack_server import FakeSlack
from tests.fakes.teams_server import FakeTeams
from tests.hostile.data import ESCAPES, ESCAPES_END, LONG, assert_harmless
from tests.test_hostile_text import demo_at, hostile_workspace, poison

# What a writer of a Jira title, a run name or a roster entry may try on a summary's readers.
INJECT = (
    "# x [a](javascript:alert(1)) ![i](https://evil.example/i.png) "
    "<script>alert(1)</script> ]]> <!channel> @here <@U024BE7LH> "
    "<https://evil.example|click> https://evil.example/bare *b* _i_ `c` ~~s~~ | --- "
    '&amp; &#x3C; <ac:structured-macro ac:name="html"/> <at>Ana</at> '
)
LITERALS = (
    "[a](javascript:alert(1))",
    "<script>alert(1)</script>",
    "]]>",
    "<!channel>",
    '<ac:structured-macro ac:name="html"/>',
)


def taint(text: str) -> str:
    tainted = INJECT + ESCAPES + text + ESCAPES_END
    # One text in eight also gets 10,000 characters and a right-to-left override (the same
    # each time, so ids still match the records that refer to them).
    if text and zlib.crc32(text.encode()) % 8 == 0:
        return tainted + LONG
    return tainted


@pytest.fixture(scope="module")
def now() -> datetime:
    # `cockpit send` reads the real clock: the demo is built for now, so its week has data.
    return datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, now: datetime) -> Workspace:
    folder = tmp_path_factory.mktemp("hostile-exports")
    snapshot = poison(demo_at(now), taint)
    return hostile_workspace(folder, snapshot, f"demo: said {INJECT}{ESCAPES}", now)


@pytest.fixture(scope="module")
def markdown(hostile: Workspace, now: datetime) -> str:
    return weekly_text(hostile, current_week(now), "md", now)


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


# The block and inline structure the Markdown report writes; anything else came from data.
WRITTEN = {
    "heading_open", "heading_close", "paragraph_open", "paragraph_close", "inline", "text",
    "bullet_list_open", "bullet_list_close", "list_item_open", "list_item_close",
    "em_open", "em_close", "strong_open", "strong_close", "softbreak",
}  # fmt: skip
HEADINGS = {"Highlights", "Sprint", "Experiments", "OKRs", "Cost", "Team", "Freshness"}


def test_the_markdown_summary_holds_the_data_as_literal_text(markdown: str) -> None:
    assert_harmless(markdown, "weekly Markdown")
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = list(_walk(parser.parse(markdown)))
    made = {token.type for token in tokens} - WRITTEN
    assert not made, f"the data made {made} in the Markdown summary"
    headings = [
        tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"
    ]
    assert headings[0].startswith("Weekly status ") and set(headings[1:]) <= HEADINGS, headings
    # Emphasis is the report's own (provenance, each section's age), never the data's.
    for i, token in enumerate(tokens):
        if token.type in ("em_open", "strong_open"):
            assert "evil" not in tokens[i + 1].content, tokens[i + 1].content[:200]
    shown = "\n".join(token.content for token in tokens if token.type == "text")
    for literal in (*LITERALS, "# x", "*b* _i_ `c` ~~s~~ | ---", "@here", "[bold red]"):
        assert literal in shown, f"{literal!r} is not shown as typed"


def _parse_html(page: str) -> ET.Element:
    doctype = "<!DOCTYPE html>\n"
    assert page.startswith(doctype)
    return ET.fromstring(page[len(doctype) :])


def test_the_html_summary_has_no_element_attribute_or_address_from_the_data(
    hostile: Workspace, now: datetime, tmp_path: Path
) -> None:
    page = weekly_text(hostile, current_week(now), "html", now)
    assert_harmless(page, "weekly HTML")
    root = _parse_html(page)
    # The same report from the demo as it is: the elements and attributes the page writes.
    plain_folder = tmp_path / "plain"
    plain_folder.mkdir()
    plain = hostile_workspace(plain_folder, demo_at(now), "", now)
    written = _parse_html(weekly_text(plain, current_week(now), "html", now))
    svg = "{http://www.w3.org/2000/svg}"
    tags = {element.tag for element in written.iter()} | {f"{svg}title", f"{svg}desc"}
    attributes = {name for element in written.iter() for name in element.attrib}
    for element in root.iter():
        assert element.tag in tags, f"an element from the data: {element.tag}"
        for name, value in element.attrib.items():
            assert name in attributes, f"an attribute from the data: {name}={value[:80]!r}"
            assert "evil" not in value and "javascript" not in value, (name, value[:200])
            assert "://" not in value, f"an address in {element.tag} {name}={value[:80]!r}"
        assert element.tag.split("}")[-1] not in ("script", "a", "img", "link", "iframe")
    text = "".join(root.itertext())
    for literal in LITERALS:
        assert literal in text, f"{literal!r} is not shown as typed"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_json_summary_holds_the_cleaned_data(hostile: Workspace, now: datetime) -> None:
    document = json.loads(weekly_text(hostile, current_week(now), "json", now))
    for text in _strings(document):
        assert_harmless(text, "weekly JSON")
    snapshot = poison(demo_at(now), taint)
    assert snapshot.okrs is not None and snapshot.sprint is not None
    titles = [objective["title"] for objective in document["okrs"]["objectives"]]
    assert titles == [clean_line(o.title) for o in snapshot.okrs.objectives]
    assert INJECT.strip() in titles[0]  # the data, as typed, not escaped for any markup
    [active] = [s for s in snapshot.sprint.sprints if s.state == "active"]
    assert document["sprint"]["name"] == clean_line(active.name)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_the_tui_export_dialog_writes_the_bytes_of_weekly_text(
    hostile: Workspace,
    now: datetime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    from cockpit.app import CockpitApp
    from cockpit.screens.export_dialog import ExportDialog

    monkeypatch.chdir(tmp_path)
    week = current_week(now)

    async def export() -> None:
        app = CockpitApp(hostile, FrozenClock(now), sync_on_start=False, poll=False)
        async with app.run_test(size=(140, 44)) as pilot:
            await pilot.press("e")
            for _ in range(200):
                if isinstance(app.screen, ExportDialog):
                    break
                await pilot.pause(0.05)
            dialog = app.screen
            assert isinstance(dialog, ExportDialog)
            dialog.query_one("#export-week", Select).value = week.label
            dialog.query_one("#export-format", Select).value = fmt
            await pilot.pause()
            await pilot.click("#export-submit")
            for _ in range(600):  # generous: the hostile summary is large
                if any("written to" in n.message for n in app._notifications):
                    return
                await pilot.pause(0.05)
            raise AssertionError([n.message for n in app._notifications])

    asyncio.run(export())
    written = tmp_path / f"weekly-{week.label}.{fmt}"
    assert written.read_bytes() == weekly_text(hostile, week, fmt, now).encode("utf-8")


def _card_texts(card: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every key and value anywhere in an Adaptive Card."""
    if isinstance(card, dict):
        for key, value in card.items():
            yield key, value
            yield from _card_texts(value)
    elif isinstance(card, list):
        for item in card:
            yield from _card_texts(item)


def test_cockpit_send_delivers_the_data_as_text_to_slack_teams_and_confluence(
    hostile: Workspace,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = hostile.store.path.parent
    config = folder / "cockpit.toml"
    base = config.read_text(encoding="utf-8")
    week = current_week(now).label
    with FakeSlack() as slack, FakeTeams() as teams, FakeConfluence() as wiki:
        config.write_text(
            base + '\n[destinations.chat]\nkind = "slack"\n\n'
            '[destinations.channel]\nkind = "teams"\n\n'
            f'[destinations.wiki]\nkind = "confluence"\nurl = "{wiki.url}"\nspace = "MLT"\n'
            f'user = "{wiki.email}"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("COCKPIT_LOG_DIR", str(folder / "logs"))
        monkeypatch.setenv("COCKPIT_CHAT_TOKEN", slack.url)
        monkeypatch.setenv("COCKPIT_CHANNEL_TOKEN", teams.url)
        monkeypatch.setenv("COCKPIT_WIKI_TOKEN", wiki.token)
        try:
            for destination in ("chat", "channel", "wiki"):
                code = main(["send", "--config", str(config), "--to", destination, "--week", week])
                assert code == 0, capsys.readouterr()
        finally:
            config.write_text(base, encoding="utf-8")

    printed = capsys.readouterr()
    assert_harmless(printed.out + printed.err, "cockpit send")

    # Slack: nothing Slack would turn into a mention or a link; the words are all there.
    [message] = slack.messages
    assert slack.mentions(message) == [] and slack.links(message) == []
    shown = "\n".join(text for text, _ in slack.texts(message))
    assert_harmless(shown, "the Slack message")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "&lt;!channel&gt;" in shown

    # Teams: a card the workflow posted, with nothing to click and nobody mentioned.
    assert teams.failed_runs == []
    [card] = teams.posted
    keys = {key for key, _ in _card_texts(card)}
    assert not keys & {"actions", "selectAction", "entities", "url"}, keys
    texts = teams.texts(card)
    assert {block["type"] for block in card["body"]} == {"TextBlock"}
    for text in texts:
        assert_harmless(text, "the Teams card")
        # A link in a TextBlock's Markdown is `[words](address)`; every bracket and angle
        # from the data is escaped, so none opens a link or an <at> mention.
        assert not re.search(r"(?<!\\)\]\(", text) and not re.search(r"(?<!\\)<", text)
    assert any("\\<script\\>alert(1)\\</script\\>" in text for text in texts)

    # Confluence: well-formed storage XHTML of plain elements, the data as text.
    [page] = wiki.pages.values()
    body = page.current.body
    assert_harmless(body, "the Confluence page")
    root = ET.fromstring(f"<root>{body}</root>")
    tags = {element.tag for element in root.iter()} - {"root"}
    assert tags <= {"h1", "h2", "h3", "p", "ul", "li", "strong", "em"}, tags
    text = "".join(root.itertext())
    for literal in LITERALS:
        assert literal in text, f"{literal!r} is not shown as typed on the page"
