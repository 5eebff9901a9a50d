"""The weekly summary's HTML page read back as a reader sees it: each section's title, badge
(state and age), changes and lines, and the page's visible text (without its <style>).

Tests assert facts against these rather than against the markup, so that a change of layout
does not pass for a change of content (or hide one)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

DOCTYPE = "<!DOCTYPE html>\n"


@dataclass(frozen=True)
class PageSection:
    title: str  # the heading without its badge
    badge: str  # "● ok · data as of 19s ago"
    changes: list[str]  # each change's words, without its tone mark
    lines: list[str]  # as in the report: a sub-item starts with two spaces


def parse(page: str) -> ET.Element:
    """The page read by an XML parser, after its doctype: it must be well-formed."""
    assert page.startswith(DOCTYPE)
    return ET.fromstring(page.removeprefix(DOCTYPE))


def _text(element: ET.Element) -> str:
    return "".join(element.itertext())


def section(page: str, key: str) -> PageSection:
    """The section of area `key` (sprint, experiments, okrs, cost, team)."""
    found = parse(page).find(f".//section[@id='{key}']")
    assert found is not None, f"no {key} section on the page"
    heading = found.find("h2")
    assert heading is not None
    badge = heading.find("span[@class='badge']")
    changes = [
        (mark.tail or "") if (mark := li.find("span[@class='mark']")) is not None else _text(li)
        for li in found.findall("ul[@class='changes']/li")
    ]
    lines: list[str] = []
    for li in found.findall("ul[@class='lines']/li"):
        if li.text:
            lines.append(li.text)
        lines += [f"  {_text(sub)}" for sub in li.findall("ul/li")]
    return PageSection(
        title=(heading.text or "").strip(),
        badge=_text(badge) if badge is not None else "",
        changes=changes,
        lines=lines,
    )


def visible_text(page: str) -> str:
    """Every text a reader can see, one element's text per line: the <head> (the stylesheet,
    the tab title) left out."""
    body = parse(page).find("body")
    assert body is not None
    return "\n".join(t for t in body.itertext() if t.strip())
