"""FinOps FOCUS cost exports for tests and benchmarks, clean or deliberately messy.

Two ways in, one writer:

- `write_focus(path, rows, version, fmt, seed, messy=False, start=date)`: `rows` billing lines
  made up from `seed`, over `days` days from `start`, for three clouds (AWS, Microsoft, Google
  Cloud; GPU and non-GPU lines; usage, credits, refunds and tax; USD and EUR in one file;
  tags). Vectorised in DuckDB (`range()` and a join to a small catalogue, then `COPY`), so
  five million lines take seconds, not minutes: the P6 benchmark uses it.
- `write_records(path, records, version, fmt, quirks=...)`: the lines given, column by column
  (the rest filled in as the version requires), for tests whose totals are checked by hand.

`version` picks the columns of that FOCUS version (FOCUS_Spec tags v1.0, v1.1, v1.2; 1.3 adds
ServiceProviderName and HostProviderName and deprecates ProviderName and PublisherName):
"1.0", "1.1", "1.2", "1.3" (both the new and the deprecated names) or "1.4" (a later export
without the deprecated ones). `fmt` is "csv", "csv.gz" or "parquet" (by default from the
suffix).

`messy=True` applies every quirk of real exports; a collection of names from `QUIRKS` applies
some. Each quirk changes how the data is written, never what it says, so a messy file must
roll up exactly as the clean one (the reader's property tests rest on this):

- `null_literals`: empty cells in nullable columns become `NULL`, `null` or `""`.
- `timestamps`: charge periods written with or without `T` and `Z`, with `+00:00`, or in
  another offset (`+02:00`, `-05:00`) that names the same instant.
- `case`: a minority of each value's lines change case (every third occurrence), so the
  usual spelling still wins; currencies and tag keys change case anywhere.
- `extra_columns`: provider columns (`x_UsageType`, `x_ResourceGroupName`...) and one without
  the prefix.
- `dropped_columns`: conditional columns the roll-up does not need are left out altogether.
- `column_order`: columns in reverse order.
- `numbers`: costs in exponent form with a plus sign and trailing zeros (CSV); doubles
  instead of decimals (Parquet).
- `hostile`: terminal escape sequences and a bidi override inside names and descriptions.
- `padding`: spaces around text values.
- `tags_as_text`: Parquet tags as a JSON string instead of a map (CSV tags are always JSON).
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMATS = ("csv", "csv.gz", "parquet")
VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
QUIRKS = (
    "null_literals",
    "timestamps",
    "case",
    "extra_columns",
    "dropped_columns",
    "column_order",
    "numbers",
    "hostile",
    "padding",
    "tags_as_text",
)

# --- the columns of each version ------------------------------------------------------------

_V10 = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit",
    "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName",
    "Tags",
)  # fmt: skip
_ADDED_11 = (
    "CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails",
)  # fmt: skip
_ADDED_12 = (
    "BillingAccountType", "InvoiceId", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "SubAccountType",
)  # fmt: skip
_ADDED_13 = ("HostProviderName", "ServiceProviderName")
_DEPRECATED_13 = ("ProviderName", "PublisherName")

COLUMNS: dict[str, tuple[str, ...]] = {
    "1.0": _V10,
    "1.1": _V10 + _ADDED_11,
    "1.2": _V10 + _ADDED_11 + _ADDED_12,
    "1.3": _V10 + _ADDED_11 + _ADDED_12 + _ADDED_13,
    "1.4": tuple(c for c in _V10 + _ADDED_11 + _ADDED_12 + _ADDED_13 if c not in _DEPRECATED_13),
}

_MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
_NUMBERS = (
    *_MONEY, "PricingQuantity", "ConsumedQuantity", "ListUnitPrice", "ContractedUnitPrice",
    "CommitmentDiscountQuantity", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
)  # fmt: skip
_TIMES = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")
# Columns a FOCUS reader needs nothing from (no dimension, no accelerator words): the
# `dropped_columns` quirk leaves them out. RegionName and SubAccountId back up RegionId and
# SubAccountName, which the generator always fills together with them.
_DROPPABLE = (
    "AvailabilityZone", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "ConsumedQuantity", "ConsumedUnit", "ContractedUnitPrice", "ListUnitPrice",
    "PricingCategory", "ResourceId", "ResourceName", "SkuPriceId", "RegionName", "SubAccountId",
    "CapacityReservationId", "CapacityReservationStatus", "InvoiceId", "ChargeFrequency",
)  # fmt: skip
# Text dimensions whose case the `case` quirk varies (a minority of each value's lines).
_CASED = (
    "ProviderName", "ServiceProviderName", "ServiceName", "ServiceCategory", "SubAccountName",
    "RegionId",
)  # fmt: skip
_HOSTILE = ("ServiceName", "ChargeDescription", "SubAccountName")
_PADDED = ("ServiceName", "SubAccountName", "RegionId", "ServiceCategory", "BillingCurrency")

# --- what the made-up lines are about -------------------------------------------------------

# provider, service, category, subcategory, description, resource type, usage type, sku meter,
# regions, accounts, currency. The descriptions carry the accelerator words a real bill would.
_CATALOGUE: tuple[tuple[str, ...], ...] = (
    ("AWS", "Amazon EC2", "Compute", "Virtual Machines",
     "$32.77 per On Demand Linux p4d.24xlarge Instance Hour", "Instance",
     "USE1-BoxUsage:p4d.24xlarge", "p4d.24xlarge", "us-east-1", "ml-prod", "USD"),
    ("AWS", "Amazon EC2", "Compute", "Virtual Machines",
     "$0.192 per On Demand Linux m5.xlarge Instance Hour", "Instance",
     "USE1-BoxUsage:m5.xlarge", "m5.xlarge", "us-east-1", "ml-research", "USD"),
    ("AWS", "Amazon SageMaker", "AI and Machine Learning", "Machine Learning",
     "ml.g5.2xlarge training job hour", "Training Job", "USW2-Train:ml.g5.2xlarge",
     "ml.g5.2xlarge", "us-west-2", "ml-prod", "USD"),
    ("AWS", "Amazon S3", "Storage", "Object Storage", "$0.023 per GB-Month of storage used",
     "Bucket", "USE1-TimedStorage-ByteHrs", "Standard", "us-east-1", "ml-research", "USD"),
    ("Microsoft", "Virtual Machines", "Compute", "Virtual Machines",
     "NC24ads A100 v4 - Linux", "Virtual machine", "NC24ads A100 v4", "NC24ads A100 v4",
     "westeurope", "fraud-training", "EUR"),
    ("Microsoft", "Virtual Machines", "Compute", "Virtual Machines", "D4s v5 - Linux",
     "Virtual machine", "D4s v5", "D4s v5", "westeurope", "vision-dev", "EUR"),
    ("Microsoft", "Storage", "Storage", "Object Storage", "Hot LRS Data Stored",
     "Storage account", "Hot LRS Data Stored", "Hot LRS", "westeurope", "vision-dev", "EUR"),
    ("Google Cloud", "Compute Engine", "Compute", "Virtual Machines",
     "Nvidia Tesla A100 GPU running in Americas", "Compute instance",
     "a2-highgpu-1g", "A100 GPU", "us-central1", "search-ml-4821", "USD"),
    ("Google Cloud", "Vertex AI", "AI and Machine Learning", "Machine Learning",
     "Vertex AI: Training on TPU v5e", "Training job", "tpu-v5e-training", "TPU v5e",
     "us-central1", "search-ml-4821", "USD"),
    ("Google Cloud", "Cloud Storage", "Storage", "Object Storage",
     "Standard Storage US Multi-region", "Bucket", "standard-storage", "Standard Storage",
     "us", "search-ml-4821", "USD"),
)  # fmt: skip
_TEAMS = ("fraud", "vision", "search")
_PROJECTS = ("fraud-detector", "image-tagger", "ranker")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _catalogue_sql() -> str:
    rows = ",\n".join(
        f"({index}, {', '.join(_sql_text(v) for v in entry)})"
        for index, entry in enumerate(_CATALOGUE)
    )
    return (
        f"(VALUES {rows}) AS catalogue(e, provider, service, category, subcategory, "
        "description, resource_type, usage_type, sku_meter, region, account, currency)"
    )


def _base_sql(rows: int, seed: int, start: date, days: int) -> str:
    """The clean lines, typed (timestamps, decimals, a map of tags), in every version's columns,
    plus `i` (the line's number) and `h` (its random draw) for the quirks.

    Speed: what is costly per line (building a map, calendar arithmetic in a time zone) is
    done once per distinct value in a small table and joined in."""
    count = len(_CATALOGUE)
    epoch = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    return f"""
    WITH draw AS (
        SELECT i, hash(i, {seed}) AS h FROM range({rows}) AS t(i)
    ), line AS (
        SELECT i, h,
            (h % {count})::INT AS e,
            (i % {days})::INT AS d,
            ((h // {count}) % 24)::INT AS hour,
            ((h // 1000) % 20)::INT AS kind,
            ((h // 100000) % 2000000 + 1)::DECIMAL(18, 6) / 10000 AS base,
            ((h // 7) % 3)::INT * 240 + ((h // 11) % 40)::INT * 6 + ((h // 13) % 6)::INT
                AS tagging
        FROM draw
    ), tagmaps AS (
        -- a line in six has no tags; the others name a team, a project and a run, and carry
        -- keys a roll-up does not keep (Name, a valueless spot tag)
        SELECT k AS tagging,
            CASE WHEN k % 6 = 0 THEN NULL
                 WHEN k % 6 = 1 THEN MAP {{'team': {_list(_TEAMS)}[k // 240 + 1], 'spot': 'true'}}
                 ELSE MAP {{'team': {_list(_TEAMS)}[k // 240 + 1],
                           'project': {_list(_PROJECTS)}[k // 240 + 1],
                           'run_id': 'run-' || ((k // 6) % 40)::VARCHAR,
                           'Name': 'node-' || (k % 97)::VARCHAR}}
            END AS Tags
        FROM range(720) AS t(k)
    ), tagset AS (
        SELECT *, {_tag_variants("Tags")} FROM tagmaps
    ), slot_times AS (
        SELECT d, hour,
            to_timestamp({epoch} + d * 86400 + hour * 3600) AS ChargePeriodStart,
            to_timestamp({epoch} + d * 86400 + hour * 3600 + 3600) AS ChargePeriodEnd,
            to_timestamp(epoch(date_trunc('month', DATE '{start.isoformat()}' + d::INT)))
                AS BillingPeriodStart,
            to_timestamp(epoch(date_trunc('month', DATE '{start.isoformat()}' + d::INT)
                + INTERVAL 1 MONTH)) AS BillingPeriodEnd
        FROM range({days}) AS t(d), range(24) AS u(hour)
    ), slots AS (
        SELECT *, {", ".join(_instant_texts(c) for c in _TIMES)} FROM slot_times
    ), priced AS (
        SELECT line.*, catalogue.*, tagset.* EXCLUDE (tagging), slots.* EXCLUDE (d, hour),
            CASE WHEN kind = 0 THEN 'Credit' WHEN kind = 1 THEN 'Tax'
                 WHEN kind = 2 THEN 'Adjustment' ELSE 'Usage' END AS charge_category,
            -- credits and refunds are negative, as FOCUS has them
            CASE WHEN kind IN (0, 2) THEN -base ELSE base END AS billed
        FROM line JOIN {_catalogue_sql()} USING (e) JOIN tagset USING (tagging)
            JOIN slots USING (d, hour)
    )
    SELECT i, h,
        billed::DECIMAL(18, 6) AS BilledCost,
        round(billed * 0.9, 6)::DECIMAL(18, 6) AS EffectiveCost,
        round(billed * 1.1, 6)::DECIMAL(18, 6) AS ListCost,
        billed::DECIMAL(18, 6) AS ContractedCost,
        'BA-' || provider AS BillingAccountId,
        provider || ' billing' AS BillingAccountName,
        'Billing Account' AS BillingAccountType,
        currency AS BillingCurrency,
        BillingPeriodStart, BillingPeriodEnd, ChargePeriodStart, ChargePeriodEnd,
        {", ".join(f"{c}__{v}" for c in _TIMES for v in "zsnoew")},
        {", ".join(f"occurrence AS occurrence__{c}" for c in _CASED)},
        charge_category AS ChargeCategory,
        CASE WHEN kind = 2 THEN 'Correction' END AS ChargeClass,
        CASE WHEN kind = 1 THEN 'Sales tax' WHEN kind = 0 THEN 'Promotional credit'
             ELSE description END AS ChargeDescription,
        CASE WHEN kind = 1 THEN 'One-Time' ELSE 'Usage-Based' END AS ChargeFrequency,
        provider AS InvoiceIssuerName,
        'INV-' || e::VARCHAR AS InvoiceId,
        provider AS ProviderName,
        provider AS PublisherName,
        provider AS ServiceProviderName,
        CASE WHEN kind = 1 THEN NULL ELSE provider END AS HostProviderName,
        CASE WHEN kind = 1 THEN NULL ELSE 1::DECIMAL(18, 6) END AS PricingQuantity,
        CASE WHEN kind = 1 THEN NULL ELSE 'Hours' END AS PricingUnit,
        CASE WHEN kind = 1 THEN NULL ELSE 'Standard' END AS PricingCategory,
        currency AS PricingCurrency,
        category AS ServiceCategory,
        subcategory AS ServiceSubcategory,
        service AS ServiceName,
        CASE WHEN kind = 1 THEN NULL ELSE 'res-' || (h % 997)::VARCHAR END AS ResourceId,
        CASE WHEN kind = 1 THEN NULL ELSE 'node-' || (h % 997)::VARCHAR END AS ResourceName,
        CASE WHEN kind = 1 THEN NULL ELSE resource_type END AS ResourceType,
        CASE WHEN kind = 1 THEN NULL ELSE region END AS RegionId,
        CASE WHEN kind = 1 THEN NULL ELSE upper(region) END AS RegionName,
        CASE WHEN kind = 1 THEN NULL ELSE region || 'a' END AS AvailabilityZone,
        'id-' || account AS SubAccountId,
        account AS SubAccountName,
        'Project' AS SubAccountType,
        'SKU-' || e::VARCHAR AS SkuId,
        'PRICE-' || e::VARCHAR AS SkuPriceId,
        CASE WHEN kind = 1 THEN NULL ELSE sku_meter END AS SkuMeter,
        CASE WHEN kind = 1 THEN NULL ELSE '{{"UsageType":"' || usage_type || '"}}' END
            AS SkuPriceDetails,
        CASE WHEN kind = 1 THEN NULL ELSE 1::DECIMAL(18, 6) END AS ConsumedQuantity,
        CASE WHEN kind = 1 THEN NULL ELSE 'Hours' END AS ConsumedUnit,
        CASE WHEN kind = 1 THEN NULL ELSE abs(round(billed * 1.1, 6))::DECIMAL(18, 6) END
            AS ListUnitPrice,
        CASE WHEN kind = 1 THEN NULL ELSE abs(billed)::DECIMAL(18, 6) END
            AS ContractedUnitPrice,
        NULL::VARCHAR AS CommitmentDiscountCategory,
        NULL::VARCHAR AS CommitmentDiscountId,
        NULL::VARCHAR AS CommitmentDiscountName,
        NULL::VARCHAR AS CommitmentDiscountStatus,
        NULL::VARCHAR AS CommitmentDiscountType,
        NULL::DECIMAL(18, 6) AS CommitmentDiscountQuantity,
        NULL::VARCHAR AS CommitmentDiscountUnit,
        NULL::VARCHAR AS CapacityReservationId,
        NULL::VARCHAR AS CapacityReservationStatus,
        NULL::DECIMAL(18, 6) AS PricingCurrencyContractedUnitPrice,
        billed::DECIMAL(18, 6) AS PricingCurrencyEffectiveCost,
        NULL::DECIMAL(18, 6) AS PricingCurrencyListUnitPrice,
        Tags, Tags__k, Tags__json, Tags__kjson,
        -- (credits and tax name no usage type, as their descriptions name no SKU)
        CASE WHEN kind IN (0, 1) THEN NULL ELSE usage_type END AS x_UsageType,
        -- the case quirk changes every third line of each (entry, tax or not): a minority of
        -- every value's lines (tax lines have no region, so they count apart)
        occurrence
    FROM (SELECT *, row_number() OVER (PARTITION BY e, kind = 1 ORDER BY i) - 1 AS occurrence
          FROM priced)
    """


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_sql_text(v) for v in values) + "]"


# --- quirks ---------------------------------------------------------------------------------


def _quirks(messy: bool | Iterable[str]) -> frozenset[str]:
    if messy is True:
        return frozenset(QUIRKS)
    if messy is False:
        return frozenset()
    chosen = frozenset(messy)
    unknown = chosen - set(QUIRKS)
    if unknown:
        raise ValueError(f"unknown quirks: {sorted(unknown)}; known: {QUIRKS}")
    return chosen


def _columns_of(version: str) -> tuple[str, ...]:
    if version not in COLUMNS:
        raise ValueError(f"version must be one of {VERSIONS}, not {version!r}")
    return COLUMNS[version]


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
        return fmt
    name = path.name.lower()
    for candidate in ("csv.gz", "csv", "parquet"):
        if name.endswith("." + candidate):
            return candidate
    raise ValueError(f"cannot tell the format of {path.name}; pass fmt=")


def _cased(column: str) -> str:
    """Every third occurrence, alternately upper- and lower-cased: always a minority of each
    value's lines, so the usual spelling stays the most frequent. The source numbers the
    occurrences (`occurrence__<column>`), counting within groups of lines that share the
    value."""
    occurrence = f"occurrence__{column}"
    return (
        f"CASE WHEN {occurrence} % 3 <> 2 THEN {column} "
        f"WHEN ({occurrence} // 3) % 2 = 0 THEN upper({column}) ELSE lower({column}) END"
    )


def _text_sql(column: str, quirks: frozenset[str], fmt: str) -> str:
    """One text column as it is written."""
    expr = column
    if "case" in quirks and column in _CASED:
        expr = _cased(expr)
    if "case" in quirks and column == "BillingCurrency":
        expr = f"CASE WHEN h % 4 = 1 THEN lower({expr}) ELSE {expr} END"
    if "hostile" in quirks and column in _HOSTILE:
        # whole sequences, each between words, so the words around them stay words
        expr = (
            f"CASE WHEN h % 5 = 1 THEN chr(27) || '[31m' || {expr} "
            f"WHEN h % 5 = 2 THEN {expr} || chr(27) || ']0;pwned' || chr(7) "
            f"WHEN h % 5 = 3 THEN chr(8238) || {expr} ELSE {expr} END"
        )
    if "padding" in quirks and column in _PADDED:
        expr = f"CASE WHEN h % 3 = 0 THEN '  ' || {expr} || ' ' ELSE {expr} END"
    if "null_literals" in quirks:
        expr = f"coalesce({expr}, ['NULL', 'null', ''][(h % 3)::INT + 1])"
    return expr


def _time_sql(column: str, quirks: frozenset[str], fmt: str) -> str:
    """A time column as written, from the texts the source formatted (`_instant_texts`)."""
    if fmt == "parquet" and "timestamps" not in quirks:
        return column
    if "timestamps" not in quirks:
        return f"{column}__z"
    # the same instant, written five ways (two of them in other time zones)
    variants = ", ".join(f"{column}__{v}" for v in "snoew")
    return f"[{variants}][((h // 17) % 5)::INT + 1]"


def _instant_texts(column: str) -> str:
    """The ways a time is written, as columns `<column>__z` (ISO with Z) and five messy ones.
    Formatting is slow per line, so the generator does it once per distinct instant."""
    t = column
    return f"""
    strftime({t}, '%Y-%m-%dT%H:%M:%SZ') AS {column}__z,
    strftime({t}, '%Y-%m-%d %H:%M:%S') AS {column}__s,
    strftime({t}, '%Y-%m-%dT%H:%M:%S') AS {column}__n,
    strftime({t}, '%Y-%m-%dT%H:%M:%S.000+00:00') AS {column}__o,
    strftime({t} + INTERVAL 2 HOUR, '%Y-%m-%dT%H:%M:%S+02:00') AS {column}__e,
    strftime({t} - INTERVAL 5 HOUR, '%Y-%m-%dT%H:%M:%S-05:00') AS {column}__w"""


def _number_sql(column: str, quirks: frozenset[str], fmt: str) -> str:
    if "numbers" not in quirks:
        return column
    if fmt == "parquet":
        return f"{column}::DOUBLE"
    # 12.5 as "+1.2500000000E+01" (mantissa and exponent), exact to the cent and beyond
    return (
        f"CASE WHEN {column} IS NULL OR {column} = 0 OR h % 2 = 0 THEN {column}::VARCHAR "
        f"ELSE (CASE WHEN {column} > 0 THEN '+' ELSE '-' END) || "
        f"printf('%.10f', abs({column})::DOUBLE / pow(10, floor(log10(abs({column})::DOUBLE))))"
        f" || 'E' || printf('%+03d', floor(log10(abs({column})::DOUBLE))::INT) END"
    )


def _tag_variants(tags: str) -> str:
    """The ways tags are written, as columns of the source: `Tags__k` (keys capitalised:
    "Team"), and both as JSON text (`Tags__json`, `Tags__kjson`)."""
    recased = (
        f"map_from_entries(list_transform(map_entries({tags}), "
        "lambda x: {'key': upper(x.key[1]) || x.key[2:], 'value': x.value}))"
    )

    def as_json(value: str) -> str:
        # FOCUS writes tags as a JSON object; a valueless tag carries true (a JSON boolean)
        return f'replace(to_json({value})::VARCHAR, \'"spot":"true"\', \'"spot":true\')'

    return f"{recased} AS Tags__k, {as_json(tags)} AS Tags__json, {as_json(recased)} AS Tags__kjson"


def _tags_sql(quirks: frozenset[str], fmt: str) -> str:
    as_map = fmt == "parquet" and "tags_as_text" not in quirks
    plain, recased = ("Tags", "Tags__k") if as_map else ("Tags__json", "Tags__kjson")
    # tag keys in another case on some lines ("Team"): keys are compared in lower case
    tags = f"CASE WHEN h % 3 = 1 THEN {recased} ELSE {plain} END" if "case" in quirks else plain
    if as_map:
        return tags
    text = tags
    if "null_literals" in quirks:
        return f"coalesce({text}, ['NULL', 'null', ''][(h % 3)::INT + 1])"
    return text


def _select_sql(columns: Sequence[str], fmt: str, quirks: frozenset[str]) -> str:
    columns = list(columns)
    if "dropped_columns" in quirks:
        columns = [c for c in columns if c not in _DROPPABLE]
    parts: list[tuple[str, str]] = []
    for column in columns:
        if column == "Tags":
            expr = _tags_sql(quirks, fmt)
        elif column in _TIMES:
            expr = _time_sql(column, quirks, fmt)
        elif column in _NUMBERS:
            expr = _number_sql(column, quirks, fmt)
        else:
            expr = _text_sql(column, quirks, fmt)
        parts.append((column, expr))
    if "extra_columns" in quirks:
        parts += [
            ("x_UsageType", "x_UsageType"),
            ("x_ResourceGroupName", "'rg-' || lower(SubAccountName)"),
            ("x_BilledCostInUsd", "BilledCost"),
            ("x_SkuIsCreditEligible", "CASE WHEN h % 2 = 0 THEN 'True' ELSE 'False' END"),
            ("ExportRunId", "'export-7'"),
        ]
    if "column_order" in quirks:
        parts.reverse()
    return ", ".join(f'{expr} AS "{column}"' for column, expr in parts)


def _copy(
    con: Any, source_sql: str, path: Path, columns: Sequence[str], fmt: str, quirks: frozenset[str]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    select = _select_sql(columns, fmt, quirks)
    options = {
        "csv": "FORMAT csv, HEADER true",
        "csv.gz": "FORMAT csv, HEADER true, COMPRESSION gzip",
        "parquet": "FORMAT parquet, COMPRESSION zstd",
    }[fmt]
    if fmt == "csv.gz":
        # DuckDB gzips on one thread at level 6; writing plain CSV and gzipping at level 1
        # is several times faster, and a reader cannot tell the difference.
        plain = path.with_name(path.name + ".part.csv")
        _copy(con, source_sql, plain, columns, "csv", quirks)
        try:
            with plain.open("rb") as src, gzip.open(path, "wb", compresslevel=1) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        finally:
            plain.unlink()
        return
    target = str(path).replace("'", "''")
    con.execute(f"COPY (SELECT {select} FROM ({source_sql})) TO '{target}' ({options})")


def _connect() -> Any:
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def write_focus(
    path: Path | str,
    rows: int,
    version: str = "1.2",
    fmt: str | None = None,
    seed: int = 0,
    messy: bool | Iterable[str] = False,
    start: date = date(2026, 5, 1),
    days: int = 30,
) -> Path:
    """Write `rows` made-up billing lines as a FOCUS `version` export to `path`; returns it.

    The same `seed`, `rows`, `start` and `days` give the same lines whatever the version,
    format or quirks, so a messy file and its clean twin hold the same spend."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    columns = _columns_of(version)
    con = _connect()
    try:
        _copy(con, _base_sql(rows, seed, start, days), path, columns, fmt, _quirks(messy))
    finally:
        con.close()
    return path


# --- hand-written lines ---------------------------------------------------------------------


def _record_defaults(record: Mapping[str, Any]) -> dict[str, Any]:
    """A full line from the columns given: the costs default to one another, the provider
    columns to one another, the periods to the charge's hour and month."""
    line = dict(record)
    cost = next((line[c] for c in _MONEY if c in line), 0)
    for column in _MONEY:
        line.setdefault(column, cost)
    start = line.get("ChargePeriodStart", datetime(2026, 5, 1, tzinfo=UTC))
    if isinstance(start, str):
        start = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    line["ChargePeriodStart"] = start
    line.setdefault("ChargePeriodEnd", start + timedelta(hours=1))
    month = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    line.setdefault("BillingPeriodStart", month)
    line.setdefault("BillingPeriodEnd", (month + timedelta(days=32)).replace(day=1))
    provider = line.get("ServiceProviderName") or line.get("ProviderName") or "AWS"
    line.setdefault("ProviderName", provider)
    line.setdefault("ServiceProviderName", provider)
    line.setdefault("PublisherName", provider)
    line.setdefault("HostProviderName", provider)
    line.setdefault("InvoiceIssuerName", provider)
    line.setdefault("BillingAccountId", "BA-1")
    line.setdefault("BillingAccountName", "billing")
    line.setdefault("BillingCurrency", "USD")
    line.setdefault("ChargeCategory", "Usage")
    line.setdefault("ServiceName", "Amazon EC2")
    line.setdefault("ServiceCategory", "Compute")
    return line


def write_records(
    path: Path | str,
    records: Sequence[Mapping[str, Any]],
    version: str = "1.2",
    fmt: str | None = None,
    *,
    quirks: bool | Iterable[str] = False,
    drop: Collection[str] = (),
) -> Path:
    """Write the given lines (dicts of FOCUS columns; `Tags` a dict; times as datetimes or ISO
    text) as a FOCUS `version` export. Columns not given are filled as the version requires;
    `drop` leaves columns out (to test a file without them)."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    columns = list(dict.fromkeys(COLUMNS["1.3"] + ("x_UsageType",)))
    con = _connect()
    try:
        typed = ", ".join(f'"{c}" {_column_type(c)}' for c in columns)
        con.execute(f"CREATE TABLE lines (i BIGINT, h UBIGINT, {typed})")
        placeholders = ", ".join("?" for _ in range(len(columns) + 2))
        for index, record in enumerate(records):
            line = _record_defaults(record)
            values = [index, hash((index, 7)) % 2**63] + [_value(c, line.get(c)) for c in columns]
            con.execute(f"INSERT INTO lines VALUES ({placeholders})", values)
        kept = [c for c in _columns_of(version) if c not in drop]
        texts = ", ".join(_instant_texts(c) for c in _TIMES)
        occurrences = ", ".join(
            f"row_number() OVER (PARTITION BY {c} ORDER BY i) - 1 AS occurrence__{c}"
            for c in _CASED
        )
        source = f"SELECT *, {texts}, {_tag_variants('Tags')}, {occurrences} FROM lines"
        _copy(con, source, path, kept, fmt, _quirks(quirks))
    finally:
        con.close()
    return path


def _column_type(column: str) -> str:
    if column in _NUMBERS:
        return "DECIMAL(18, 6)"
    if column in _TIMES:
        return "TIMESTAMPTZ"
    if column == "Tags":
        return "MAP(VARCHAR, VARCHAR)"
    return "VARCHAR"


def _value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _NUMBERS:
        return Decimal(str(value))
    if column == "Tags":
        return {str(k): "true" if v is True else str(v) for k, v in value.items()}
    if column == "SkuPriceDetails" and isinstance(value, dict):
        return json.dumps(value)
    return value
