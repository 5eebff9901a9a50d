"""Reading FOCUS exports into daily roll-ups: totals checked by hand, and messy files that
must roll up exactly as clean ones."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.models import CostRow
from integrations.base import SourceConfigError
from integrations.focus import rollup_files
from tests.focus_files import COLUMNS, FORMATS, QUIRKS, write_focus, write_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "focus"
TAGS = ("team", "run_id", "project")


def read(path: Path, cost_column: str = "EffectiveCost", tags=TAGS):
    return rollup_files([path], cost_column=cost_column, tag_keys=tags, previous=None)


def total(rows, **where) -> float:
    return round(
        sum(r.amount for r in rows if all(getattr(r, k) == v for k, v in where.items())), 6
    )


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, tzinfo=UTC)


# --- one hand-checked total per version ------------------------------------------------------


def test_focus_1_0_csv_by_hand(tmp_path: Path) -> None:
    lines = [
        dict(EffectiveCost=10.25, ServiceName="Amazon EC2", ChargePeriodStart=at(1, 3),
             ChargeDescription="p4d.24xlarge Instance Hour", Tags={"team": "fraud"}),
        dict(EffectiveCost=4.75, ServiceName="Amazon EC2", ChargePeriodStart=at(1, 22),
             ChargeDescription="p4d.24xlarge Instance Hour", Tags={"team": "fraud"}),
        dict(EffectiveCost=-3.00, ServiceName="Amazon EC2", ChargePeriodStart=at(1, 5),
             ChargeCategory="Credit", ChargeDescription="Promotional credit",
             Tags={"team": "fraud"}),
        dict(EffectiveCost=2.10, ServiceName="Amazon S3", ChargePeriodStart=at(2, 0)),
    ]  # fmt: skip
    data = read(write_records(tmp_path / "aws.csv", lines, "1.0"))
    # 1 May, EC2, GPU, team fraud: 10.25 + 4.75 = 15.00; the credit is not GPU text: -3.00
    assert total(data.rows, day=date(2026, 5, 1), is_gpu=True) == 15.00
    assert total(data.rows, day=date(2026, 5, 1), is_gpu=False) == -3.00
    # everything: 10.25 + 4.75 - 3.00 + 2.10 = 14.10
    assert total(data.rows) == 14.10
    assert {r.tags for r in data.rows if r.service == "Amazon EC2"} == {(("team", "fraud"),)}
    assert data.files[0].version == "1.0" and data.files[0].lines == 4


def test_focus_1_2_parquet_two_currencies_by_hand(tmp_path: Path) -> None:
    lines = [
        dict(BilledCost=100, EffectiveCost=80, ProviderName="Microsoft",
             ServiceName="Virtual Machines", BillingCurrency="EUR", RegionId="westeurope",
             SubAccountName="fraud-training", SkuMeter="NC24ads A100 v4",
             ChargePeriodStart=at(3, 1)),
        dict(BilledCost=20, EffectiveCost=20, ProviderName="Microsoft",
             ServiceName="Virtual Machines", BillingCurrency="EUR", RegionId="westeurope",
             SubAccountName="fraud-training", SkuMeter="D4s v5", ChargePeriodStart=at(3, 2)),
        dict(BilledCost=7.5, EffectiveCost=7.5, ProviderName="Microsoft",
             ServiceName="Storage", BillingCurrency="USD", ChargePeriodStart=at(3, 4)),
        dict(BilledCost=-1.5, EffectiveCost=-1.5, ProviderName="Microsoft",
             ServiceName="Storage", BillingCurrency="USD", ChargeCategory="Adjustment",
             ChargePeriodStart=at(3, 5)),
    ]  # fmt: skip
    path = write_records(tmp_path / "azure.parquet", lines, "1.2")
    billed = read(path, "BilledCost")
    # EUR: 100 (A100, GPU) + 20 = 120; USD: 7.5 - 1.5 (a refund) = 6.0; never added together
    assert total(billed.rows, currency="EUR") == 120.0
    assert total(billed.rows, currency="EUR", is_gpu=True) == 100.0
    assert total(billed.rows, currency="USD") == 6.0
    assert billed.cost_column == "BilledCost" and billed.files[0].currencies == ("EUR", "USD")
    # EffectiveCost: 80 + 20 = 100 EUR
    assert total(read(path).rows, currency="EUR") == 100.0
    assert billed.files[0].version == "1.2"
    gpu = [r for r in billed.rows if r.is_gpu]
    assert [(r.account, r.region, r.provider) for r in gpu] == [
        ("fraud-training", "westeurope", "Microsoft")
    ]


@pytest.mark.parametrize("version", ["1.3", "1.4"])
def test_focus_1_3_and_later_gzipped_csv_by_hand(tmp_path: Path, version: str) -> None:
    lines = [
        # a marketplace service: the service provider is not the cloud hosting it
        dict(EffectiveCost=12.5, ServiceProviderName="Databricks", HostProviderName="AWS",
             ProviderName="AWS", ServiceName="Databricks SQL", ChargePeriodStart=at(4, 23)),
        dict(EffectiveCost=0.5, ServiceProviderName="Google Cloud", ProviderName="Google Cloud",
             ServiceName="Vertex AI", ChargeDescription="Training on TPU v5e",
             ChargePeriodStart=at(5, 0)),
        dict(EffectiveCost=0.25, ServiceProviderName="Google Cloud",
             ProviderName="Google Cloud", ServiceName="Vertex AI",
             ChargeDescription="Training on TPU v5e", ChargePeriodStart=at(5, 1)),
    ]  # fmt: skip
    data = read(write_records(tmp_path / "mixed.csv.gz", lines, version))
    # 4 May: Databricks 12.5, read from ServiceProviderName whether or not ProviderName is there
    assert total(data.rows, day=date(2026, 5, 4), provider="Databricks") == 12.5
    # 5 May: 0.5 + 0.25 = 0.75 on TPUs
    assert total(data.rows, day=date(2026, 5, 5), provider="Google Cloud", is_gpu=True) == 0.75
    assert data.files[0].version == "1.3"


# --- the quirks of real exports ----------------------------------------------------------


def canonical(rows: tuple[CostRow, ...]) -> list[tuple]:
    return sorted(
        (r.day, r.provider, r.service, r.account, r.region, r.category, r.currency, r.is_gpu,
         r.tags, r.amount)
        for r in rows
    )  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.integers(1, 120),
    seed=st.integers(0, 2**16),
    version=st.sampled_from(sorted(COLUMNS)),
    fmt=st.sampled_from(FORMATS),
    quirks=st.sets(st.sampled_from(QUIRKS), min_size=1),
    cost=st.sampled_from(["EffectiveCost", "BilledCost"]),
)
def test_any_mix_of_quirks_rolls_up_as_the_clean_file(
    tmp_path_factory, rows, seed, version, fmt, quirks, cost
) -> None:
    folder = tmp_path_factory.mktemp("quirks")
    clean = write_focus(folder / f"clean.{fmt}", rows, version, seed=seed)
    messy = write_focus(folder / f"messy.{fmt}", rows, version, seed=seed, messy=quirks)
    expected, got = read(clean, cost), read(messy, cost)
    assert canonical(got.rows) == canonical(expected.rows)
    assert got.files[0].lines == expected.files[0].lines == rows


def test_every_quirk_at_once_on_a_bigger_file(tmp_path: Path) -> None:
    for fmt in FORMATS:
        clean = write_focus(tmp_path / f"clean.{fmt}", 3000, "1.2", seed=11)
        messy = write_focus(tmp_path / f"messy.{fmt}", 3000, "1.2", seed=11, messy=True)
        assert canonical(read(messy).rows) == canonical(read(clean).rows)


def test_case_variants_group_under_the_most_used_spelling(tmp_path: Path) -> None:
    lines = [dict(EffectiveCost=1, ServiceName=name, ChargePeriodStart=at(1))
             for name in ("Amazon EC2", "AMAZON EC2", "Amazon EC2", "amazon ec2")]  # fmt: skip
    data = read(write_records(tmp_path / "x.csv", lines, "1.2"))
    assert [(r.service, r.amount) for r in data.rows] == [("Amazon EC2", 4.0)]


def test_a_tie_in_spelling_is_broken_by_sort_order(tmp_path: Path) -> None:
    lines = [dict(EffectiveCost=1, ServiceName=name, ChargePeriodStart=at(1))
             for name in ("Vertex AI", "vertex ai")]  # fmt: skip
    assert read(write_records(tmp_path / "x.csv", lines, "1.2")).rows[0].service == "Vertex AI"


def test_the_day_is_the_utc_date_of_the_charge(tmp_path: Path) -> None:
    path = tmp_path / "tz.csv"
    head = "ChargePeriodStart,EffectiveCost,BillingCurrency,ServiceName,ProviderName\n"
    path.write_text(
        head
        + "2026-05-02T01:30:00+02:00,1,USD,S,P\n"  # 1 May 23:30 UTC
        + "2026-05-01 23:00:00,2,USD,S,P\n"  # no zone: UTC
        + "2026-04-30T22:00:00-05:00,4,USD,S,P\n"  # 1 May 03:00 UTC
        + "2026-05-02T00:00:00.0000000Z,8,USD,S,P\n"
    )
    data = read(path)
    assert {(r.day, r.amount) for r in data.rows} == {
        (date(2026, 5, 1), 7.0),
        (date(2026, 5, 2), 8.0),
    }
    assert data.files[0].version == ""  # too few columns to call it FOCUS 1.0


def test_conditional_columns_may_be_missing_altogether(tmp_path: Path) -> None:
    dropped = ("RegionId", "RegionName", "SubAccountId", "SubAccountName", "Tags",
               "ServiceCategory", "ResourceType", "ChargeDescription")  # fmt: skip
    lines = [dict(EffectiveCost=3, ChargePeriodStart=at(6), RegionId="x", Tags={"team": "a"})]
    data = read(write_records(tmp_path / "bare.parquet", lines, "1.0", drop=dropped))
    (row,) = data.rows
    assert (row.account, row.region, row.category, row.tags, row.amount) == ("", "", "", (), 3.0)


def test_tags_as_json_text_or_map_and_keys_in_any_listed_case(tmp_path: Path) -> None:
    lines = [
        dict(EffectiveCost=1, Tags={"Team": "fraud", "RUN_ID": "r1", "spot": True}),
        dict(EffectiveCost=2, Tags={"user:team": "fraud", "run_id": "r1"}),
    ]
    for name in ("t.csv", "t.parquet"):
        data = read(write_records(tmp_path / name, lines, "1.2"))
        assert [(r.tags, r.amount) for r in data.rows] == [
            ((("run_id", "r1"), ("team", "fraud")), 3.0)
        ]


def test_a_broken_tags_cell_is_no_tags_not_a_failed_import(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "ChargePeriodStart,EffectiveCost,BillingCurrency,ServiceName,Tags\n"
        '2026-05-01,1,USD,S,"{""team"": ""a"""\n'
        '2026-05-01,2,USD,S,"[1,2]"\n'
    )
    assert [(r.tags, r.amount) for r in read(path).rows] == [((), 3.0)]


def test_text_from_the_file_is_cleaned_of_escape_sequences(tmp_path: Path) -> None:
    lines = [dict(EffectiveCost=1, ServiceName="\x1b]0;owned\x07Amazon \x1b[2JEC2\u202e",
                  SubAccountName="\x1b[31mprod", Tags={"team": "fr\x07aud"})]  # fmt: skip
    (row,) = read(write_records(tmp_path / "h.csv", lines, "1.2")).rows
    assert (row.service, row.account, row.tags) == ("Amazon EC2", "prod", (("team", "fraud"),))


def test_an_azure_focus_1_2_export_with_all_its_provider_columns(tmp_path: Path) -> None:
    # The column list of Microsoft's FOCUS 1.2 export, x_ columns included (fixture).
    schema = json.loads((FIXTURES / "azure_export_schema_focuscost_1.2.json").read_text())
    names = [m["source"]["name"] for m in schema["translator"]["mappings"]]
    assert "x_SkuMeterSubcategory" in names and len(names) > 90
    cells = {name: "" for name in names}
    cells.update(ChargePeriodStart="2026-05-07T00:00:00Z", EffectiveCost="41.5",
                 BilledCost="50", BillingCurrency="EUR", ProviderName="Microsoft",
                 ServiceName="Virtual Machines", SubAccountName="vision-dev",
                 RegionId="westeurope", ServiceCategory="Compute",
                 x_SkuMeterSubcategory="NCads A100 v4 Series",
                 Tags='{"team":"vision"}')  # fmt: skip
    path = tmp_path / "part_0_0001.csv.gz"
    with gzip.open(path, "wt", newline="") as out:
        out.write(",".join(names) + "\n")
        out.write(",".join(json.dumps(cells[n]) if n == "Tags" else cells[n] for n in names))
        out.write("\n")
    data = read(path)
    (row,) = data.rows
    assert (row.amount, row.currency, row.is_gpu, row.tags) == (
        41.5,
        "EUR",
        True,
        (("team", "vision"),),
    )
    assert data.files[0].version == "1.2"


# --- errors name the file -----------------------------------------------------------------


def test_a_missing_cost_column_names_the_file_and_the_columns_it_has(tmp_path: Path) -> None:
    path = write_records(tmp_path / "no-effective.csv", [dict(BilledCost=1)], "1.2",
                         drop=("EffectiveCost",))  # fmt: skip
    with pytest.raises(SourceConfigError) as caught:
        read(path)
    message = str(caught.value)
    assert str(path) in message and "`EffectiveCost`" in message and "BilledCost" in message


def test_a_missing_date_column_names_the_file(tmp_path: Path) -> None:
    path = write_records(tmp_path / "no-date.parquet", [dict(BilledCost=1)], "1.2",
                         drop=("ChargePeriodStart",))  # fmt: skip
    with pytest.raises(SourceConfigError, match="no `ChargePeriodStart` column") as caught:
        read(path)
    assert str(path) in str(caught.value)


def test_costs_and_times_that_need_cleaning_count_once_each(tmp_path: Path) -> None:
    # Cells the first pass over the lines cannot cast as they are (NULL literals, empty,
    # padding) are judged again on the grouped values: each line still counts once.
    path = tmp_path / "cells.csv"
    path.write_text(
        "ChargePeriodStart,EffectiveCost,BillingCurrency,ServiceName\n"
        "  2026-05-01T01:00:00Z ,  2.5 ,USD,S\n"
        "2026-05-01T02:00:00Z,NULL,USD,S\n"
        "2026-05-01T03:00:00Z, null ,USD,S\n"
        "2026-05-01T04:00:00Z,,USD,S\n"
        "2026-05-01 05:00:00, +1E+01 ,USD,S\n"
        "  2026-05-01T01:00:00Z ,  2.5 ,USD,S\n"
    )
    data = read(path)
    assert [(r.day, r.amount) for r in data.rows] == [(date(2026, 5, 1), 15.0)]
    assert data.files[0].lines == 6


def test_decimals_of_any_scale_sum_exactly(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "scales.parquet"
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT TIMESTAMPTZ '2026-05-01 00:00:00+00' AS ChargePeriodStart, 'USD' AS
            BillingCurrency, 'S' AS ServiceName, v::DECIMAL(38, 18) AS EffectiveCost,
            v::DECIMAL(9, 2) AS BilledCost
            FROM (VALUES (0.1), (0.2), (0.3), (-0.6)) AS t(v)) TO '{path}' (FORMAT parquet)"""
    )
    con.close()
    assert [r.amount for r in read(path).rows] == [0.0]
    assert [r.amount for r in read(path, "BilledCost").rows] == [0.0]


def test_a_bad_number_names_the_file_the_line_and_the_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "ChargePeriodStart,EffectiveCost,BillingCurrency,ServiceName\n"
        "2026-05-01,1.5,USD,S\n"
        "2026-05-01,NULL,USD,S\n"
        "2026-05-01,12;50,USD,S\n"
    )
    with pytest.raises(SourceConfigError) as caught:
        read(path)
    message = str(caught.value)
    assert str(path) in message and "line 4" in message and "'12;50'" in message
    assert "`EffectiveCost`" in message


def test_a_bad_date_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-date.csv"
    path.write_text(
        "ChargePeriodStart,EffectiveCost,BillingCurrency\n2026-05-01,1,USD\n05/02/2026x,1,USD\n"
    )
    with pytest.raises(SourceConfigError, match=r"line 3: `ChargePeriodStart` is '05/02/2026x'"):
        read(path)


def test_a_corrupt_parquet_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    write_focus(path, 50, "1.2")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(SourceConfigError, match="cannot be read as Parquet") as caught:
        read(path)
    assert str(path) in str(caught.value)


def test_an_unknown_format_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{}")
    with pytest.raises(SourceConfigError, match=r"manifest\.json: not a cost export"):
        read(path)
