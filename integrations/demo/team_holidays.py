"""Public holidays for the demo team, written out by rule.

The demo is built before the first paint, so it cannot afford to import the `holidays`
package. These are the holidays of the demo people's calendars that follow a fixed date or a
simple rule (Easter, "the last Monday of May"), named as the `holidays` package names them in
English, with the same weekend substitutions. Calendars that follow the lunar or Hindu
calendars (Israel, Nepal, most of India's) are left out rather than guessed: a demo calendar
may be incomplete, never wrong. tests/integrations/test_demo.py checks every entry against the
`holidays` package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from cockpit.models import Holiday

# How a holiday that falls on a weekend is made up for.
NONE = "none"  # not at all
US_RULE = "us"  # Saturday → the Friday before, Sunday → the Monday after
NEXT_WEEKDAY = "next"  # the next weekday that is not a holiday already (UK, New Zealand)
SUNDAY_ONLY = "sunday"  # Sunday → the Monday after (Singapore)

# A rule gives the holiday's date in a year, or None when it does not exist that year.
DateRule = Callable[[int], date | None]


def easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Monday 0) of the month; n = -1 is the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _fixed(month: int, day: int, since: int = 0) -> DateRule:
    return lambda year: date(year, month, day) if year >= since else None


def _weekday(month: int, weekday: int, n: int) -> DateRule:
    return lambda year: nth_weekday(year, month, weekday, n)


def _from_easter(days: int) -> DateRule:
    return lambda year: easter(year) + timedelta(days=days)


def _nearest_monday(month: int, day: int) -> DateRule:
    # Auckland Anniversary Day: the Monday nearest 29 January.
    def rule(year: int) -> date:
        anchor = date(year, month, day)
        back = anchor.weekday()  # days since the Monday before
        return anchor - timedelta(days=back) if back <= 3 else anchor + timedelta(days=7 - back)

    return rule


MON, THU = 0, 3
GOOD_FRIDAY = ("Good Friday", _from_easter(-2), False)
EASTER_MONDAY = ("Easter Monday", _from_easter(1), False)

# (country, subdivision) → (substitution rule, [(name, date rule, substituted when on a weekend)])
CALENDARS: dict[tuple[str, str], tuple[str, list[tuple[str, DateRule, bool]]]] = {
    ("US", ""): (
        US_RULE,
        [
            ("New Year's Day", _fixed(1, 1), True),
            ("Martin Luther King Jr. Day", _weekday(1, MON, 3), False),
            ("Washington's Birthday", _weekday(2, MON, 3), False),
            ("Memorial Day", _weekday(5, MON, -1), False),
            ("Juneteenth National Independence Day", _fixed(6, 19, since=2021), True),
            ("Independence Day", _fixed(7, 4), True),
            ("Labor Day", _weekday(9, MON, 1), False),
            ("Columbus Day", _weekday(10, MON, 2), False),
            ("Veterans Day", _fixed(11, 11), True),
            ("Thanksgiving Day", _weekday(11, THU, 4), False),
            ("Christmas Day", _fixed(12, 25), True),
        ],
    ),
    ("GB", "ENG"): (
        NEXT_WEEKDAY,
        [
            ("New Year's Day", _fixed(1, 1), True),
            GOOD_FRIDAY,
            EASTER_MONDAY,
            ("May Day", _weekday(5, MON, 1), False),
            ("Spring Bank Holiday", _weekday(5, MON, -1), False),
            ("Late Summer Bank Holiday", _weekday(8, MON, -1), False),
            ("Christmas Day", _fixed(12, 25), True),
            ("Boxing Day", _fixed(12, 26), True),
        ],
    ),
    ("DE", "BE"): (
        NONE,
        [
            ("New Year's Day", _fixed(1, 1), False),
            ("Women's Day", _fixed(3, 8, since=2019), False),
            GOOD_FRIDAY,
            EASTER_MONDAY,
            ("Labor Day", _fixed(5, 1), False),
            ("Ascension Day", _from_easter(39), False),
            ("Pentecost Monday", _from_easter(50), False),
            ("German Unity Day", _fixed(10, 3), False),
            ("Christmas Day", _fixed(12, 25), False),
            ("Second Day of Christmas", _fixed(12, 26), False),
        ],
    ),
    ("IN", "KA"): (
        NONE,
        [
            ("Republic Day", _fixed(1, 26), False),
            GOOD_FRIDAY,
            ("May Day", _fixed(5, 1), False),
            ("Independence Day", _fixed(8, 15), False),
            ("Mahatma Gandhi's Birthday", _fixed(10, 2), False),
            ("Karnataka Rajyotsava", _fixed(11, 1), False),
            ("Christmas", _fixed(12, 25), False),
        ],
    ),
    ("SG", ""): (
        SUNDAY_ONLY,
        [
            ("New Year's Day", _fixed(1, 1), True),
            GOOD_FRIDAY,
            ("Labor Day", _fixed(5, 1), True),
            ("National Day", _fixed(8, 9), True),
            ("Christmas Day", _fixed(12, 25), True),
        ],
    ),
    ("NZ", "AUK"): (
        NEXT_WEEKDAY,
        [
            ("New Year's Day", _fixed(1, 1), True),
            ("Day after New Year's Day", _fixed(1, 2), True),
            ("Auckland Anniversary Day", _nearest_monday(1, 29), False),
            ("Waitangi Day", _fixed(2, 6), True),
            GOOD_FRIDAY,
            EASTER_MONDAY,
            ("Anzac Day", _fixed(4, 25), True),
            ("King's Birthday", lambda y: nth_weekday(y, 6, MON, 1) if y >= 2023 else None, False),
            ("Labour Day", _weekday(10, MON, 4), False),
            ("Christmas Day", _fixed(12, 25), True),
            ("Boxing Day", _fixed(12, 26), True),
        ],
    ),
    ("BR", "SP"): (
        NONE,
        [
            ("Universal Fraternization Day", _fixed(1, 1), False),
            GOOD_FRIDAY,
            ("Tiradentes' Day", _fixed(4, 21), False),
            ("Worker's Day", _fixed(5, 1), False),
            ("Constitutionalist Revolution", _fixed(7, 9), False),
            ("Independence Day", _fixed(9, 7), False),
            ("Our Lady of Aparecida", _fixed(10, 12), False),
            ("All Souls' Day", _fixed(11, 2), False),
            ("Republic Proclamation Day", _fixed(11, 15), False),
            ("National Day of Zumbi and Black Awareness", _fixed(11, 20, since=2024), False),
            ("Christmas Day", _fixed(12, 25), False),
        ],
    ),
}


def _year(country: str, subdivision: str, year: int) -> Iterator[Holiday]:
    rule, entries = CALENDARS.get((country, subdivision), (NONE, []))
    days = [(name, when(year), moves) for name, when, moves in entries]
    taken = {day for _, day, _ in days if day is not None}
    for name, day, moves in days:
        if day is None:
            continue
        yield Holiday(day, name)
        if not moves or day.weekday() < 5:
            continue
        if rule == US_RULE:
            observed = day + timedelta(days=-1 if day.weekday() == 5 else 1)
        elif rule == SUNDAY_ONLY:
            if day.weekday() != 6:
                continue
            observed = day + timedelta(days=1)
        elif rule == NEXT_WEEKDAY:
            observed = day
            while observed.weekday() >= 5 or observed in taken:
                observed += timedelta(days=1)
        else:
            continue
        taken.add(observed)
        yield Holiday(observed, f"{name} (observed)")


def public_holidays(country: str, subdivision: str, first: date, last: date) -> tuple[Holiday, ...]:
    """The calendar's holidays from `first` to `last` (both included), in date order."""
    found = [
        holiday
        for year in range(first.year - 1, last.year + 2)  # substitutes cross New Year
        for holiday in _year(country, subdivision, year)
        if first <= holiday.day <= last
    ]
    return tuple(sorted(found, key=lambda holiday: (holiday.day, holiday.name)))
