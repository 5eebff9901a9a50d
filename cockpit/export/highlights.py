"""The highlights paragraph at the top of the weekly summary, written by rules.

The biggest changes of every section (by weight, bad news before good at equal weight), at
most two from one area so that one busy area does not crowd out the rest, and at most five in
all: a paragraph a manager reads in ten seconds, that reads as it is when pasted anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from cockpit.export.report_model import Change, Section

MAX_SENTENCES = 5
PER_SECTION = 2
TONE_ORDER = {"bad": 0, "good": 1, "neutral": 2}


def sentence(change: Change) -> str:
    """A change as one sentence: a capital first, a full stop last."""
    text = change.text.strip()
    if not text:
        return ""
    # A name from a source keeps its spelling: "ranker-v3 val_ndcg@10 …", not "Ranker-v3".
    if text.split(maxsplit=1)[0].isalpha():
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def highlights(sections: Sequence[Section]) -> tuple[str, ...]:
    ranked = sorted(
        (
            (-change.weight, TONE_ORDER[change.tone], order, index, change)
            for order, section in enumerate(sections)
            for index, change in enumerate(section.changes)
            if change.weight > 0 and change.text.strip()
        ),
        key=lambda item: item[:4],
    )
    taken: dict[int, int] = {}
    chosen: list[str] = []
    for _weight, _tone, order, _index, change in ranked:
        if taken.get(order, 0) >= PER_SECTION:
            continue
        text = sentence(change)
        if text in chosen:
            continue
        taken[order] = taken.get(order, 0) + 1
        chosen.append(text)
        if len(chosen) == MAX_SENTENCES:
            break
    return tuple(chosen)
