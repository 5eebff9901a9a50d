"""How numbers read on screen and in reports: one place, so a panel and an export agree.

Stdlib only (and the stdlib-only `cockpit.text_safety`, for names quoted in messages), so
every layer that shows numbers may import it. A value keeps the digits it
needs to be told apart from its neighbours (an F1 of 0.446 against a target of 0.46 must not
read "0.4 → 0.5"), and never turns into scientific notation in front of a manager.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cockpit.text_safety import clean_line

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
SIGNIFICANT_DIGITS = 6  # enough for 0.9551 vs 0.9553, and for 1,234,567 spelt out
MAX_DECIMALS = 10
# Units written straight after the number; any other unit gets a space ("14 min", "3 models").
GLUED_UNITS = frozenset({"%", "x", "×", "pp", "‰"})
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def quantity(value: float) -> str:
    """A measured value with the digits it needs: `0.446`, `0.03`, `12.5`, `2,500,000`.

    Up to six significant digits, trailing zeros dropped, thousands separated, and no
    scientific notation however large the value is; below 1e-10 a value reads `0`.
    """
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = min(max(SIGNIFICANT_DIGITS - 1 - magnitude, 0), MAX_DECIMALS)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount(value: float) -> str:
    """Points and counts: `8`, `2.5`, `13.25`; never `8.0`."""
    return quantity(value)


def points(value: float | None) -> str:
    """An estimate, with a dash for an issue nobody estimated."""
    return "–" if value is None else amount(value)


def with_unit(value: float, unit: str) -> str:
    """A value and its unit, written the same way everywhere: `0.03%`, `14 min`, `$291`,
    `1,200 EUR`-style codes as symbols where there is one, `0.91` when there is no unit."""
    unit = unit.strip()
    text = quantity(value)
    if not unit:
        return text
    if unit in GLUED_UNITS:
        return f"{text}{unit}"
    if _CURRENCY_CODE.fullmatch(unit):
        # Money has no digits below a cent: a cost per run of 411.298 reads $411.3.
        text = quantity(round(value, 2))
        symbol = CURRENCY_SYMBOLS.get(unit)
        if symbol:
            return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text} {unit}"


def metric(value: float) -> str:
    """A model metric: four decimals for scores like AUC, two for large values like loss sums."""
    return f"{value:.4f}" if abs(value) < 10 else f"{value:,.2f}"


def signed_metric(delta: float) -> str:
    """A difference of two model metrics, always signed: `+0.0035`, `-0.0016`, `±0.0000`."""
    text = metric(abs(delta))
    if text.strip("0.,") == "":
        return f"±{text}"  # too small to show: neither better nor worse on screen
    return f"+{text}" if delta > 0 else f"-{text}"


def duration(seconds: float | None) -> str:
    """`45 min`, `5.5 h`, `3.2 d`: a length of time in the unit that reads best; `–` unknown."""
    if seconds is None:
        return "–"
    minutes = seconds / 60
    if minutes < 60:
        return with_unit(round(minutes), "min")
    if minutes < 48 * 60:
        return with_unit(round(minutes / 60, 1), "h")
    return with_unit(round(minutes / 1440, 1), "d")


def share(fraction: float | None) -> str:
    """A fraction as a whole percentage, `7%`; `–` when there is nothing to divide."""
    return with_unit(round(fraction * 100), "%") if fraction is not None else "–"


def money(value: float, currency: str, *, compact: bool = False) -> str:
    """`$53,954`, `-$1,200` (a credit); with `compact`, six figures and up shrink to `$127k`
    for narrow panels."""
    if currency == SHARE:
        return _share(value)
    size = abs(value)
    text = f"{size / 1000:,.0f}k" if compact and size >= 100_000 else f"{size:,.0f}"
    sign = "-" if value < 0 and text.strip("0,k") else ""  # no "-$0" for a cent of credit
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


# Masked money (cockpit/masking.py) is a share of the budget: its "currency" is "%".
SHARE = "%"


def _share(value: float) -> str:
    return f"{quantity(round(value, 1))}%"


def _money_scale(largest: float) -> tuple[float, str, int]:
    """The divisor, suffix and decimals that suit amounts up to `largest`."""
    if largest >= 999_950:
        return 1_000_000.0, "M", 2
    if largest >= 999.5:
        return 1000.0, "k", 1
    return 1.0, "", 0


def _scaled(value: float, divisor: float, suffix: str, decimals: int) -> str:
    text = f"{abs(value) / divisor:,.{decimals}f}"
    sign = "-" if value < 0 and text.strip("0.,") else ""
    return f"{sign}{text}{suffix}"


def money_short(value: float, currency: str) -> str:
    """Three or four figures for a narrow space: `$950`, `$41.2k`, `€1.24M`, `-$1.2k`."""
    if currency == SHARE:
        return _share(value)
    divisor, suffix, decimals = _money_scale(abs(value))
    text = _scaled(value, divisor, suffix, decimals)
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    if not symbol:
        return f"{text} {currency}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


def money_range(expected: float, low: float, high: float, currency: str) -> str:
    """A forecast with its range, all three in one unit: `$41.2k (38.9k–44.0k)`,
    `41.2k EUR (38.9k–44.0k)`."""
    if currency == SHARE:
        return f"{_share(expected)} ({_share(low)[:-1]}–{_share(high)})"
    divisor, suffix, decimals = _money_scale(max(abs(expected), abs(low), abs(high)))
    head = _scaled(expected, divisor, suffix, decimals)
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    if symbol:
        head = f"-{symbol}{head[1:]}" if head.startswith("-") else f"{symbol}{head}"
    else:
        head = f"{head} {currency}"
    low_text = _scaled(low, divisor, suffix, decimals)
    high_text = _scaled(high, divisor, suffix, decimals)
    return f"{head} ({low_text}–{high_text})"


def byte_size(count: int) -> str:
    """`512 B`, `17 KiB`, `17.8 MiB`: what a sync moved over the wire."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 time zone`, `3 time zones`, `1 person`/`2 people` (with `nouns`)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


QUOTED_LIMIT = 80  # characters of a quoted name before it is cut


def quoted(text: str, limit: int = QUOTED_LIMIT) -> str:
    """A name from a file or a source, quoted in a message: `'fraud-gbt'`.

    Not `repr`: an escape sequence in the name would show as backslash text
    (`'\\x1b]0;pwned'`). The name is cleaned to one line and shown as typed, and a long one
    is cut with "…" so that the message stays readable."""
    line = clean_line(text)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return f"'{line}'"


def rounded(value: float, digits: int) -> float:
    """`value` to `digits` significant digits: a change reads `-$70.1`, not `-$70.0871`."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def signed_with_unit(change: float, unit: str, digits: int | None = None) -> str:
    """A change of a value with a unit, always signed: `+11 pts`, `-$12`, `+0.0021`, and `±0`
    (with its unit) when it reads as no change at all; to `digits` significant digits."""
    if digits is not None:
        change = rounded(change, digits)
    text = with_unit(abs(change), unit)
    if quantity(abs(change)) == "0":
        return f"±{text}"
    return f"-{text}" if change < 0 else f"+{text}"


def change_of(change: float, unit: str) -> str:
    """How much a tracked value moved (a key result's week), on every surface: signed, to
    three significant digits: `+$1,930`, `-0.0362`, `±0 ms`."""
    return signed_with_unit(change, unit, 3)


def working_days_left(days: int | None) -> str:
    """The sprint's remaining working days, today included, in one phrase for every surface."""
    if days is None:
        return "no end date"
    return f"{plural(days, 'working day')} left"


# --- Times of day, for the team: in the lead's zone, with UTC beside it -------------------

_UTC_NAMES = frozenset({"", "UTC", "Etc/UTC", "Etc/Zulu", "Zulu", "UCT", "Etc/UCT"})


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name) if name not in _UTC_NAMES else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_abbreviation(moment: datetime) -> str:
    """`PST`, `CET`; empty when the zone has no letters for its offset (`+0545`) or is UTC."""
    name = moment.tzname() or ""
    return "" if not name or name[0] in "+-" or name == "UTC" else name


def span_phrase(minutes: int) -> str:
    """How long until something: `45 min`, `2 h 10 min`, then `1.6 d` from a day on."""
    minutes = max(minutes, 0)
    if minutes < 60:
        return with_unit(minutes, "min")
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        head = with_unit(hours, "h")
        return f"{head} {with_unit(rest, 'min')}" if rest else head
    return duration(minutes * 60)


def day_word(day: date, today: date | None) -> str:
    """`today`, `tomorrow`, else `Tue 24 Nov`."""
    if today is not None and day == today:
        return "today"
    if today is not None and day == today + timedelta(days=1):
        return "tomorrow"
    return f"{day:%a %d %b}"


def time_window(start: datetime, end: datetime, zone: str, today: date | None = None) -> str:
    """A window of time as a lead reads it: `today 08:00–09:30 PST (16:00–17:30 UTC)`, in the
    lead's `zone` with UTC beside it (once, when the zone is UTC). The UTC part names its day
    when that is not the local one. `today` is the lead's date; without it the date is given."""
    local_zone = _zone(zone)
    first, last = start.astimezone(local_zone), end.astimezone(local_zone)
    name = zone_abbreviation(first) or ("UTC" if local_zone is UTC else zone)
    text = f"{day_word(first.date(), today)} {first:%H:%M}–{last:%H:%M} {name}"
    end_name = zone_abbreviation(last)
    if end_name and name != end_name:  # across the lead's DST change: 00:00 PDT–04:15 PST
        text = f"{day_word(first.date(), today)} {first:%H:%M} {name}–{last:%H:%M} {end_name}"
    if local_zone is UTC:
        return text
    utc_first, utc_last = start.astimezone(UTC), end.astimezone(UTC)
    day = "" if utc_first.date() == first.date() else f"{utc_first:%a} "
    return f"{text} ({day}{utc_first:%H:%M}–{utc_last:%H:%M} UTC)"


def time_at(moment: datetime, zone: str, today: date | None = None) -> str:
    """One moment the same way: `17:00 CET (16:00 UTC)`, `tomorrow 08:00 PST (16:00 UTC)`."""
    local_zone = _zone(zone)
    local = moment.astimezone(local_zone)
    name = zone_abbreviation(local) or ("UTC" if local_zone is UTC else zone)
    head = (
        "" if today is not None and local.date() == today else f"{day_word(local.date(), today)} "
    )
    text = f"{head}{local:%H:%M} {name}"
    if local_zone is UTC:
        return text
    utc = moment.astimezone(UTC)
    day = "" if utc.date() == local.date() else f"{utc:%a} "
    return f"{text} ({day}{utc:%H:%M} UTC)"
