"""FinOps FOCUS cost exports (versions 1.0 to 1.4) as daily roll-ups: every cloud, offline.

AWS, Azure, GCP and OCI all export FOCUS, as CSV, gzipped CSV or Parquet. A month of a busy
account is millions of billing lines; the cockpit keeps only roll-ups (day x provider x
service x account x region x category x currency x accelerator-or-not x the chosen tag keys),
never the lines.

Why DuckDB (not pandas or pyarrow): it reads only the columns a query names from Parquet and
streams files larger than memory instead of loading them; it reads gzipped CSV natively; its
`union_by_name` and `DESCRIBE` let one query adapt to files whose columns differ; and the
roll-up is one SQL GROUP BY running on every core, with regular expressions (RE2) and JSON
parsing inside the scan. It is imported only when a file must be read, so `cockpit status`
never pays for it.

Real exports are messy, and each rule below answers one way they are:
- Every CSV column is read as text and cast here (TRY_CAST), so one odd cell cannot make the
  sniffer guess a column's type wrong; literal `NULL`/`null` and empty cells are nulls.
- Timestamps with or without `T` and `Z`, with offsets: the day is ChargePeriodStart's UTC date.
- Column names are matched without regard to case; `x_...` and other extra columns are
  ignored; conditional columns (RegionId, SubAccountName, Tags, ServiceCategory...) may be
  missing altogether: the query is built from the columns the file has.
- FOCUS 1.3 deprecates ProviderName and PublisherName for ServiceProviderName and
  HostProviderName: whichever is there is read.
- Tags are JSON text in CSV and a map (or JSON text) in Parquet; keys are compared in lower
  case, and a provider's `user:` prefix is accepted.
- Values that differ only in case are one value, spelled as most of the lines spell it (ties:
  the first in sort order).
- Several billing currencies in one export: each line keeps its own; credits and refunds are
  negative and summed as they are.
- Amounts are summed as DECIMAL(38, 12) (or as the file's own decimals when they have no more
  places), so the same lines give the same total in any order.

The roll-up runs in two stages so that the costly rules run once per distinct value, not once
per line: stage 1 reads every line and groups it on the raw texts the roll-up needs (and the
day, and the kept tags' raw values), summing the amounts; stage 2 applies every rule above to
stage 1's groups and groups again. A file of millions of lines has tens of thousands of such
groups, and the result is the same as applying the rules to each line.
- Text from the files is untrusted: every dimension and tag value is cleaned of control
  characters and escape sequences.

Only files that changed since the last sync are read: each is fingerprinted by path, size and
modification time, and an unchanged file's roll-ups are taken from the previous snapshot
(`CostFile.first_row`, `row_count`). A re-sync where nothing changed opens no file at all.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from cockpit.models import CostData, CostFile, CostRow, Snapshot
from cockpit.text_safety import clean_line
from integrations.base import FetchContext, SourceConfigError
from integrations.focus_paths import SUFFIXES, is_glob, matching_files
from integrations.gpu_usage import GPU_PATTERN
from integrations.threads import run_abandonable

if TYPE_CHECKING:
    import duckdb

COST_COLUMNS = ("EffectiveCost", "BilledCost", "ListCost", "ContractedCost")
DEFAULT_TAGS = (
    "team", "project", "experiment", "mlflow_experiment", "mlflow_run_id", "run_id",
    "wandb_project", "wandb_run_id",
)  # fmt: skip

# Every file opened, by path: tests and the benchmark check that a re-sync reads only what
# changed. Counting costs nothing next to reading a file.
FILES_READ: Counter[str] = Counter()

# Where the words that say "accelerator" are (integrations.gpu_usage), besides ServiceName.
_GPU_TEXT = (
    "ServiceName", "ServiceSubcategory", "ChargeDescription", "ResourceType", "SkuMeter",
    "SkuPriceDetails", "SkuId",
)  # fmt: skip
# Provider columns with usage types, SKUs and machine types (AWS x_UsageType, Azure
# x_SkuMeterSubcategory, x_SkuDescription...).
_GPU_EXTRA = re.compile(
    r"^x_(.*usagetype.*|.*instancetype.*|.*machinetype.*|skudescription|skumetername|"
    r"skumetersubcategory|skupartnumber|resourcetype|operation)$",
    re.IGNORECASE,
)
# A column of 1.1 and later, of 1.2 and later, of 1.3 and later: the newest one present says
# which version wrote the file (conditional columns may be missing, so this is a floor).
_VERSION_MARKERS = (
    ("1.3", ("serviceprovidername", "hostprovidername")),
    (
        "1.2",
        (
            "invoiceid",
            "billingaccounttype",
            "subaccounttype",
            "pricingcurrency",
            "pricingcurrencyeffectivecost",
        ),
    ),
    (
        "1.1",
        (
            "skumeter",
            "skupricedetails",
            "servicesubcategory",
            "capacityreservationid",
            "commitmentdiscountquantity",
        ),
    ),
)
_FOCUS_1_0 = ("chargeperiodstart", "billedcost", "effectivecost", "billingcurrency")
# Control characters and whole escape sequences, removed before the accelerator pattern runs
# (an escape sequence glued to a word would hide the word's start). RE2 syntax.
_CONTROLS_RE2 = (
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|"
    r"[\x00-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}]"
)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


# --- one file ------------------------------------------------------------------------------


class _FileRollup(msgspec.Struct, frozen=True):
    rows: tuple[CostRow, ...]
    lines: int
    version: str
    currencies: tuple[str, ...]


def _format_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    raise SourceConfigError(
        f"{path}: not a cost export the cockpit reads; export FOCUS as {', '.join(SUFFIXES)}"
    )


def _scan_sql(path: Path, fmt: str) -> str:
    target = _sql_text(str(path))
    if fmt == "parquet":
        return f"read_parquet({target})"
    # Every column as text: a sniffer that guesses from the first rows would turn a column
    # of numbers with one "NULL" further down into an error, or a date into a guess.
    return f"read_csv({target}, all_varchar = true, header = true, compression = 'auto')"


def _text(column: str, kind: str) -> str:
    """A column as trimmed text, or NULL for an empty cell or a literal NULL."""
    value = _quote(column) if kind == "VARCHAR" else f"CAST({_quote(column)} AS VARCHAR)"
    return f"CASE WHEN lower(trim({value})) IN ('', 'null') THEN NULL ELSE trim({value}) END"


def _first(*exprs: str | None) -> str:
    present = [e for e in exprs if e is not None]
    if not present:
        return "NULL"
    return present[0] if len(present) == 1 else f"coalesce({', '.join(present)})"


def _day(column: str, kind: str) -> str:
    """The UTC date of a time column, through epoch arithmetic (no time-zone calendar per
    line); NULL when the text is not a time."""
    if kind.startswith("TIMESTAMP"):
        stamp = _quote(column)
    elif kind == "DATE":
        return _quote(column)
    else:
        stamp = f"TRY_CAST({_text(column, kind)} AS TIMESTAMPTZ)"
    return f"(DATE '1970-01-01' + CAST(floor(epoch({stamp}) / 86400) AS INTEGER))"


def _amount(column: str, kind: str) -> str:
    if kind == "VARCHAR":
        return f"TRY_CAST({_text(column, kind)} AS DECIMAL(38, 12))"
    return f"TRY_CAST({_quote(column)} AS DECIMAL(38, 12))"


def _tags_json(column: str, kind: str) -> str:
    """Tags as JSON text: FOCUS writes a JSON object; Parquet may hold a map instead."""
    if kind.startswith(("MAP", "STRUCT")):
        return f"to_json({_quote(column)})"
    return _text(column, kind)


def _day_stages(column: str, kind: str) -> tuple[str, str]:
    """The day on every line (stage 1), and from stage 1's columns (stage 2). A text that
    casts as it is gives its day in stage 1; any other (a NULL literal, padding, an odd
    value) is kept as `__bad_day` and judged in stage 2 by the full rule of `_day`."""
    if kind == "DATE" or kind.startswith("TIMESTAMP"):
        return _day(column, kind), "__day"
    if kind == "VARCHAR":
        stamp = f"TRY_CAST({_quote(column)} AS TIMESTAMPTZ)"
        first = f"(DATE '1970-01-01' + CAST(floor(epoch({stamp}) / 86400) AS INTEGER))"
    else:
        first = "NULL::DATE"
    return first, f"coalesce(__day, {_day('__bad_day', kind)})"


_NATIVE_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def _amount_stages(column: str, kind: str) -> tuple[str, str, str]:
    """The amount on every line (stage 1), the amount of a stage-1 row (stage 2), and whether
    that row's lines hold a bad amount. Decimals of at most 12 places are summed as stored:
    the same sum as after a cast to DECIMAL(38, 12), without a cast per line. A text that
    does not cast as it is is kept as `__bad_cost` and judged in stage 2 by `_amount`."""
    native = _NATIVE_DECIMAL.fullmatch(kind)
    if native and int(native.group(2)) <= 12:
        first = _quote(column)
    else:
        first = f"TRY_CAST({_quote(column)} AS DECIMAL(38, 12))"
    again = _amount("__bad_cost", kind)
    bad = (
        f"(__bad_cost IS NOT NULL AND {_text('__bad_cost', kind)} IS NOT NULL AND {again} IS NULL)"
    )
    return first, f"coalesce(__amount, {again} * __lines)", bad


def _tag_stages(
    con: duckdb.DuckDBPyConnection,
    scan: str,
    tags: tuple[str, str] | None,
    tag_keys: Sequence[str],
    raw: dict[str, str],
) -> tuple[dict[str, str], list[str], str]:
    """Stage 1's tag columns (name -> expression), stage 2's `tag_<i>` expressions, and
    stage 2's `__tagvals`.

    A map of texts (Parquet) is looked up on every line, but only for the spellings of the
    kept keys that the file has (one pass over the map column finds them), so stage 1
    groups on the few values kept, not on every tag a line carries. JSON text is grouped on
    as it is and parsed in stage 2, once a distinct text."""
    if not tag_keys:
        return {}, [], "NULL"
    if tags is None:
        return {}, [f"NULL AS tag_{index}" for index in range(len(tag_keys))], "NULL"
    name, kind = tags
    if kind == "MAP(VARCHAR, VARCHAR)":
        present = {
            key
            for (key,) in con.execute(
                f"SELECT DISTINCT unnest(map_keys({_quote(name)})) FROM {scan}"
            ).fetchall()
        }
        stage1: dict[str, str] = {}
        picks: list[str] = []
        for index, key in enumerate(tag_keys):
            slots = []
            for spelling in _spellings(key):
                if spelling in present:
                    slot = f"__tag_{len(stage1)}"
                    stage1[slot] = f"map_extract_value({_quote(name)}, {_sql_text(spelling)})"
                    slots.append(slot)
            picks.append(f"{_first(*slots)} AS tag_{index}")
        return stage1, picks, "NULL"
    raw.setdefault(name.lower(), _quote(name))
    paths, picks = _tag_lookup(tag_keys)
    # Not valid JSON (a hand-edited cell): no tags rather than a failed import.
    values = f"TRY(json_extract_string({_tags_json(name, kind)}, {paths}))"
    return {}, [f"{pick} AS tag_{index}" for index, pick in enumerate(picks)], values


def _spellings(key: str) -> list[str]:
    """How a tag key may be written: as configured (lower case), Capitalised or UPPER, and
    with the `user:` prefix some providers give user-defined tags. Looking these up in the
    JSON is one parse per line; matching keys in any mix of case would need a map built per
    line, several times slower."""
    bare = list(dict.fromkeys((key, key.capitalize(), key.upper())))
    return [*bare, f"user:{key}"]


def _tag_lookup(tag_keys: Sequence[str]) -> tuple[str, list[str]]:
    """The JSON paths of every spelling of every key (one `json_extract_string` call), and
    for each key, the expression that picks its first spelling present."""
    paths: list[str] = []
    picks: list[str] = []
    for key in tag_keys:
        slots = []
        for spelling in _spellings(key):
            paths.append(_sql_text("$." + '"' + spelling.replace('"', '\\"') + '"'))
            slots.append(f"__tagvals[{len(paths)}]")
        picks.append(_first(*slots))
    return f"[{', '.join(paths)}]", picks


def _detect_version(names: Iterable[str]) -> str:
    present = {name.lower() for name in names}
    for version, markers in _VERSION_MARKERS:
        if present & set(markers):
            return version
    return "1.0" if all(c in present for c in _FOCUS_1_0) else ""


def _describe(con: duckdb.DuckDBPyConnection, scan: str) -> dict[str, tuple[str, str]]:
    """The file's columns: lower-cased name -> (name as written, type)."""
    columns: dict[str, tuple[str, str]] = {}
    for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall():
        columns.setdefault(name.lower(), (name, kind))
    return columns


def _short(error: BaseException) -> str:
    """DuckDB's message without its multi-line hints, cleaned (it may quote the file)."""
    text = str(error).strip()
    for line in text.splitlines():
        if line.strip():
            return clean_line(line.strip())[:300]
    return type(error).__name__


def _read_file(
    con: duckdb.DuckDBPyConnection, path: Path, cost_column: str, tag_keys: Sequence[str]
) -> _FileRollup:
    import duckdb

    fmt = _format_of(path)
    scan = _scan_sql(path, fmt)
    FILES_READ[str(path)] += 1
    try:
        columns = _describe(con, scan)
    except duckdb.Error as exc:
        what = "Parquet" if fmt == "parquet" else "CSV"
        raise SourceConfigError(f"{path}: cannot be read as {what}: {_short(exc)}") from None

    def col(name: str) -> tuple[str, str] | None:
        return columns.get(name.lower())

    def text(name: str) -> str | None:
        found = col(name)
        return _text(*found) if found else None

    cost = col(cost_column)
    if cost is None:
        others = [c for c in COST_COLUMNS if col(c) is not None]
        hint = (
            f"it has {', '.join(others)}: set `cost_column` to one of them"
            if others
            else "is it a FOCUS export?"
        )
        raise SourceConfigError(f"{path}: no `{cost_column}` column; {hint}")
    start = col("ChargePeriodStart")
    if start is None:
        raise SourceConfigError(
            f"{path}: no `ChargePeriodStart` column, so its lines have no date; is it a FOCUS "
            "export?"
        )

    # Stage 1 runs on every line, so it only reads and groups: the raw texts the roll-up
    # needs (under their own names), the day, the amount and the kept tags' raw values.
    # Stage 2 runs the per-value rules (NULL literals, trimming, control characters, the
    # accelerator pattern, JSON, case) on stage 1's groups: thousands of rows, not millions.
    # Every rule sees the same values it would on the lines, so the result is the same.
    raw: dict[str, str] = {}  # lower-cased name -> the stage-1 key reading it as it is

    def keep(name: str) -> str | None:
        found = col(name)
        if found is None:
            return None
        raw.setdefault(found[0].lower(), _quote(found[0]))
        return _text(*found)

    dims = {
        "provider": _first(keep("ServiceProviderName"), keep("ProviderName")),
        "service": _first(keep("ServiceName")),
        "account": _first(keep("SubAccountName"), keep("SubAccountId")),
        "region": _first(keep("RegionId"), keep("RegionName")),
        "category": _first(keep("ServiceCategory")),
        "currency": f"upper({_first(keep('BillingCurrency'))})",
    }
    gpu_parts = [t for t in (keep(c) for c in _GPU_TEXT) if t is not None]
    gpu_parts += [
        part for name, _kind in columns.values() if _GPU_EXTRA.match(name) and (part := keep(name))
    ]
    if gpu_parts:
        words = f"concat_ws(' ', {', '.join(gpu_parts)})"
        cleaned = (
            f"CASE WHEN regexp_matches({words}, '[\\x00-\\x1f\\x7f-\\x9f]') "
            f"THEN regexp_replace({words}, {_sql_text(_CONTROLS_RE2)}, ' ', 'g') "
            f"ELSE {words} END"
        )
        is_gpu = f"coalesce(regexp_matches({cleaned}, {_sql_text(GPU_PATTERN)}), false)"
    else:
        is_gpu = "false"
    try:
        tag_stage1, tag_exprs, tag_values = _tag_stages(con, scan, col("Tags"), tag_keys, raw)
    except duckdb.Error as exc:
        what = "Parquet" if fmt == "parquet" else "CSV"
        raise SourceConfigError(f"{path}: cannot be read as {what}: {_short(exc)}") from None
    day1, day2 = _day_stages(*start)
    amount1, amount2, bad_amount = _amount_stages(*cost)
    tag_columns = [f"{expr} AS {name}" for name, expr in tag_stage1.items()]
    stage1 = f"""
        SELECT {", ".join([*raw.values(), *tag_stage1, "__day", "__bad_day", "__bad_cost"])},
            sum(__amount) AS __amount, count(*) AS __lines
        FROM (
            SELECT *,
                CASE WHEN __day IS NULL THEN __raw_day END AS __bad_day,
                CASE WHEN __amount IS NULL THEN __raw_cost END AS __bad_cost
            FROM (
                SELECT {", ".join([*raw.values(), *tag_columns])},
                    {day1} AS __day, {_quote(start[0])} AS __raw_day,
                    {amount1} AS __amount, {_quote(cost[0])} AS __raw_cost
                FROM {scan}
            )
        )
        GROUP BY ALL
    """
    group = ["day", *dims, "is_gpu", *(f"tag_{index}" for index in range(len(tag_keys)))]
    query = f"""
        SELECT {", ".join(group)}, sum(amount) AS amount, sum(__lines) AS lines,
            coalesce(sum(__lines) FILTER (WHERE bad_amount), 0) AS bad_amounts,
            coalesce(sum(__lines) FILTER (WHERE day IS NULL), 0) AS bad_days
        FROM (
            SELECT {day2} AS day,
                {", ".join(f"{expr} AS {name}" for name, expr in dims.items())},
                {is_gpu} AS is_gpu,
                {", ".join([*tag_exprs, ""])}
                {amount2} AS amount, {bad_amount} AS bad_amount, __lines
            FROM (SELECT *, {tag_values} AS __tagvals FROM ({stage1}))
        )
        GROUP BY ALL
    """
    try:
        result = con.execute(query).fetchall()
    except duckdb.Error as exc:
        what = "Parquet" if fmt == "parquet" else "CSV"
        raise SourceConfigError(f"{path}: cannot be read as {what}: {_short(exc)}") from None
    bad_amounts = sum(r[-2] for r in result)
    bad_days = sum(r[-1] for r in result)
    if bad_amounts:
        _locate(con, path, scan, fmt, cost, _amount(*cost), "a number", bad_amounts)
    if bad_days:
        _locate(con, path, scan, fmt, start, _day(*start), "a date and time", bad_days)
    if any(not isinstance(row[0], date) for row in result):
        # A damaged Parquet file can declare its period column as another type: its values
        # then come back as text, which no day can be compared with.
        raise SourceConfigError(
            f"{path}: `{start[0]}` does not hold dates and times in this file; fix the export "
            "or leave the file out of `paths`"
        )
    return _fold_case(result, len(tag_keys), tag_keys, _detect_version(columns))


def _locate(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    scan: str,
    fmt: str,
    column: tuple[str, str],
    parsed: str,
    expected: str,
    count: int,
) -> None:
    """Raise an error naming the first line whose `column` cannot be read (only run when a
    file has one, so the roll-up itself never numbers lines)."""
    name, kind = column
    raw = _text(name, kind)
    number, value = con.execute(
        f"""SELECT n, raw FROM (
                SELECT row_number() OVER () AS n, {raw} AS raw, {parsed} AS parsed FROM {scan}
            ) WHERE parsed IS NULL AND (raw IS NOT NULL OR {expected == "a date and time"})
            ORDER BY n LIMIT 1"""
    ).fetchone()
    # A CSV's first line is its header; a Parquet file has rows, not lines.
    where = f"line {number + 1}" if fmt == "csv" else f"row {number}"
    more = f" ({count:,} lines like it)" if count > 1 else ""
    shown = "empty" if value is None else repr(clean_line(str(value))[:60])
    raise SourceConfigError(
        f"{path}: {where}: `{name}` is {shown}, not {expected}{more}; fix the export or "
        "leave the file out of `paths`"
    )


def _clean(value: Any, cache: dict[Any, str]) -> str:
    if value is None:
        return ""
    found = cache.get(value)
    if found is None:
        found = cache[value] = clean_line(str(value)).strip()
    return found


def _canonical(weights: dict[str, Counter[str]]) -> dict[str, str]:
    """spelling -> the spelling most weight uses among those equal but for case (ties: the
    first in sort order)."""
    chosen: dict[str, str] = {}
    for spellings in weights.values():
        best = min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]
        for spelling in spellings:
            chosen[spelling] = best
    return chosen


_DIMENSIONS = ("provider", "service", "account", "region", "category")


def _fold_case(
    result: list[tuple[Any, ...]], tag_count: int, tag_keys: Sequence[str], version: str
) -> _FileRollup:
    # Column by column: each text is cleaned and weighed once per distinct value (a roll-up
    # of a big file has tens of thousands of rows but few distinct values in each column).
    width = 10 + tag_count
    columns = list(zip(*result, strict=True)) if result else [() for _ in range(width)]
    days, currencies, gpu = columns[0], columns[6], columns[7]
    amounts, counts = columns[8 + tag_count], columns[9 + tag_count]
    cache: dict[Any, str] = {}
    spellings = [
        _spelling_of(column, counts, cache)
        for column in (*columns[1:6], *columns[8 : 8 + tag_count])
    ]
    currency_of = {value: _clean(value, cache).upper() for value in set(currencies)}
    keys = zip(
        days,
        *(
            map(chosen.__getitem__, column)
            for chosen, column in zip(
                spellings, (*columns[1:6], *columns[8 : 8 + tag_count]), strict=True
            )
        ),
        map(currency_of.__getitem__, currencies),
        map(bool, gpu),
        strict=True,
    )
    totals: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for key, amount in zip(keys, amounts, strict=True):
        totals[key] += amount if amount is not None else Decimal(0)
    # (key, value) pairs sorted by key: the keys are distinct, so their order is enough.
    order = sorted(range(tag_count), key=tag_keys.__getitem__)
    rows = []
    for key, amount in totals.items():
        day, provider, service, account, region, category, *tag_values = key[:-2]
        tags = tuple((tag_keys[i], tag_values[i]) for i in order if tag_values[i])
        rows.append(
            CostRow(
                day=day,
                provider=provider,
                service=service,
                amount=float(amount),
                currency=key[-2],
                is_gpu=key[-1],
                account=account,
                region=region,
                category=category,
                tags=tags,
            )
        )
    rows.sort(key=_row_order)
    kinds = tuple(sorted({row.currency for row in rows}))
    return _FileRollup(tuple(rows), sum(counts), version, kinds)


def _spelling_of(
    column: Sequence[Any], counts: Sequence[int], cache: dict[Any, str]
) -> dict[Any, str]:
    """raw value -> its cleaned text, spelled as most lines spell it (`_canonical`)."""
    lines: Counter[Any] = Counter()
    for value, count in zip(column, counts, strict=True):
        lines[value] += count
    weights: dict[str, Counter[str]] = defaultdict(Counter)
    cleaned = {value: _clean(value, cache) for value in lines}
    for value, count in lines.items():
        text = cleaned[value]
        weights[text.lower()][text] += count
    chosen = _canonical(weights)
    return {value: chosen[text] for value, text in cleaned.items()}


def _row_order(row: CostRow) -> tuple[Any, ...]:
    return (
        row.day, row.provider, row.service, row.account, row.region, row.category,
        row.currency, row.is_gpu, row.tags,
    )  # fmt: skip


def _respell(files: list[tuple[CostFile, tuple[CostRow, ...]]]) -> list[tuple[CostRow, ...]]:
    """One spelling across files too: each file already has one per value; where files differ
    (an export renamed "AMAZON EC2"), the spelling of the most roll-up rows wins."""
    weights: list[dict[str, Counter[str]]] = [defaultdict(Counter) for _ in _DIMENSIONS]
    for _, rows in files:
        for row in rows:
            for slot, name in enumerate(_DIMENSIONS):
                value = getattr(row, name)
                weights[slot][value.lower()][value] += 1
    spelling = [_canonical(w) for w in weights]
    out = []
    for _, rows in files:
        fixed = []
        for row in rows:
            changes = {
                name: spelling[slot][getattr(row, name)]
                for slot, name in enumerate(_DIMENSIONS)
                if spelling[slot][getattr(row, name)] != getattr(row, name)
            }
            fixed.append(msgspec.structs.replace(row, **changes) if changes else row)
        out.append(tuple(fixed))
    return out


# --- many files ----------------------------------------------------------------------------


def _connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect(
        ":memory:",
        config={
            # Offline, always: every extension needed (parquet, json, icu) is built in.
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # Order does not matter to a GROUP BY; not keeping it saves memory.
            "preserve_insertion_order": False,
        },
    )
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def normalise_tag_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Tag keys as roll-ups keep them: lower case, each once, in the order given."""
    return tuple(dict.fromkeys(k.strip().lower() for k in keys if k.strip()))


def rollup_files(
    paths: Sequence[Path],
    *,
    cost_column: str,
    tag_keys: Sequence[str],
    previous: CostData | None,
    on_file: Callable[[Path, bool], None] | None = None,
) -> CostData:
    """The roll-ups of the FOCUS exports at `paths`, reading only the files that changed.

    `previous` is the last result made with the same settings (cost column and tag keys):
    a file whose path, size and modification time are unchanged keeps its rows from it, and
    is not opened. `on_file(path, read)` is called after each file (read: it was opened)."""
    keys = normalise_tag_keys(tag_keys)
    stats = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError as exc:
            raise SourceConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        stats.append((path, info.st_size, info.st_mtime_ns))
    known = _reusable(previous, cost_column)
    unchanged = (
        previous is not None
        and [f.path for f in previous.files] == [str(p) for p, _, _ in stats]
        and all(
            (f := known.get(str(path))) is not None and (f.size, f.mtime_ns) == (size, mtime)
            for path, size, mtime in stats
        )
    )
    if unchanged:
        return previous  # nothing changed: not one file opened
    con = None
    parts: list[tuple[CostFile, tuple[CostRow, ...]]] = []
    try:
        for path, size, mtime in stats:
            old = known.get(str(path))
            if old is not None and (old.size, old.mtime_ns) == (size, mtime):
                assert previous is not None
                rows = previous.rows[old.first_row : old.first_row + old.row_count]
                parts.append((old, rows))
                if on_file is not None:
                    on_file(path, False)
                continue
            if con is None:
                con = _connect()
            rollup = _read_file(con, path, cost_column, keys)
            entry = CostFile(
                path=str(path),
                size=size,
                mtime_ns=mtime,
                first_row=0,
                row_count=len(rollup.rows),
                lines=rollup.lines,
                version=rollup.version,
                currencies=rollup.currencies,
            )
            parts.append((entry, rollup.rows))
            if on_file is not None:
                on_file(path, True)
    finally:
        if con is not None:
            con.close()
    rows: list[CostRow] = []
    files: list[CostFile] = []
    for (entry, _), respelled in zip(parts, _respell(parts), strict=True):
        files.append(msgspec.structs.replace(entry, first_row=len(rows), row_count=len(respelled)))
        rows.extend(respelled)
    return CostData(rows=tuple(rows), cost_column=cost_column, files=tuple(files))


def _reusable(previous: CostData | None, cost_column: str) -> dict[str, CostFile]:
    """The previous files whose rows can be kept: only when they were summed from the same
    cost column. (The tag keys cannot be checked from the rows alone; the sync engine hands a
    source only a snapshot made with the same settings.)"""
    if previous is None or previous.cost_column != cost_column:
        return {}
    return {f.path: f for f in previous.files}


# --- the source ----------------------------------------------------------------------------


def expand_paths(patterns: Sequence[str], resolve: Callable[[str], Path]) -> list[Path]:
    """Every cost export the configured `paths` name, each once, in a stable order."""
    found: dict[str, Path] = {}
    for raw in patterns:
        path = resolve(raw)
        files, _skipped = matching_files(path)
        if not files:
            if is_glob(raw) or path.is_dir():
                raise SourceConfigError(
                    f"no cost export ({', '.join(SUFFIXES)}) matches {raw!r} (in {path}); "
                    "check `paths`, or export there first"
                )
            raise SourceConfigError(f"{path}: file not found; check `paths`")
        for file in files:
            found.setdefault(str(file), file)
    return list(found.values())


class FocusSource:
    kind = "focus"
    uses_network = False

    def __init__(
        self,
        name: str,
        *,
        paths: Sequence[str],
        resolve: Callable[[str], Path],
        cost_column: str = "EffectiveCost",
        tag_keys: Sequence[str] = DEFAULT_TAGS,
    ) -> None:
        self.name = name
        self.paths = tuple(paths)
        self.resolve = resolve
        self.cost_column = cost_column
        self.tag_keys = normalise_tag_keys(tag_keys)

    async def fetch(self, ctx: FetchContext) -> Snapshot:
        previous = ctx.previous.cost if ctx.previous is not None else None
        # A daemon thread of its own: a deadline or Ctrl-C walks away from a long read.
        data = await run_abandonable(f"focus-{self.name}", self._read, previous, ctx)
        return Snapshot(cost=data)

    def _read(self, previous: CostData | None, ctx: FetchContext) -> CostData:
        files = expand_paths(self.paths, self.resolve)
        ctx.progress.begin("reading", unit="files", total=len(files))
        return rollup_files(
            files,
            cost_column=self.cost_column,
            tag_keys=self.tag_keys,
            previous=previous,
            on_file=lambda _path, _read: ctx.progress.advance(),
        )
