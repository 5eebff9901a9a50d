"""Accelerator spend is told apart by the words a bill uses, in Python and in DuckDB alike."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.gpu_usage import GPU_PATTERN, is_gpu_text

ACCELERATOR = [
    "USE1-BoxUsage:p4d.24xlarge",
    "SpotUsage:p3.2xlarge",
    "BoxUsage:g5.xlarge",
    "g4dn.metal",
    "p6-b200.48xlarge",
    "USW2-Train:ml.p3.2xlarge",
    "ml.g5.xlarge-Hosting",
    "trn1.32xlarge",
    "inf2.xlarge",
    "dl1.24xlarge",
    "Standard_NC6s_v3",
    "Standard_ND96asr_v4",
    "Standard_NV36ads_A10_v5",
    "Standard_NC4as_T4_v3",
    "NC24ads A100 v4",
    "NCv3 Series",
    "NDs Series",
    "Nvidia Tesla T4 GPU running in Americas",
    "a2-highgpu-1g",
    "a3-megagpu-8g",
    "g2-standard-4",
    "G2 Instance Core running in Americas",
    "TPU v5e",
    "ct5lp-hightpu-4t",
    "Cloud TPU",
    "Accelerator-optimized",
    "NVIDIA H100 80GB",
    "AWS Trainium",
    "Amazon Elastic Inference",
    "Instinct MI300X",
    # Azure meters that name the GPU inside the family
    "NCasT4_v3 Series",
    "NVadsA10 v5 Series",
    "NCadsH100v5 Series",
    "NCads H100 v5",
    "NDasrA100_v4",
    "NGads V620 Series",
]
NOT_ACCELERATOR = [
    "Amazon EC2",
    "Amazon SageMaker",  # a service name alone says nothing: CPU training exists
    "Compute Engine",
    "Virtual Machines",
    "Azure Machine Learning",
    "BoxUsage:m5.xlarge",
    "BoxUsage:t4g.micro",  # Graviton, not an NVIDIA T4
    "Standard_D4s_v5",
    "Standard_A10",  # an old CPU size, not an A10 GPU
    "Basic_A2",
    "n1-standard-4",
    "E2 Instance Core running in Americas",
    "TimedStorage-ByteHrs",
    "db.r5.large",
    "gp3 storage",
    "S3 Transfer Acceleration",
    "Accelerated Networking",
    "Network Load Balancer L4",
    "outputs",
    "NC state tax",
    "Ephemeral NVMe disk",
    "ND state sales tax",
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def in_duckdb(con: duckdb.DuckDBPyConnection, text: str) -> bool:
    return con.execute("SELECT regexp_matches(?, ?)", [text, GPU_PATTERN]).fetchone()[0]


@pytest.mark.parametrize("text", ACCELERATOR)
def test_accelerator_words_are_gpu_spend(text: str, con: duckdb.DuckDBPyConnection) -> None:
    assert is_gpu_text(text)
    assert in_duckdb(con, text)


@pytest.mark.parametrize("text", NOT_ACCELERATOR)
def test_other_spend_is_not(text: str, con: duckdb.DuckDBPyConnection) -> None:
    assert not is_gpu_text(text)
    assert not in_duckdb(con, text)


# No deadline: a loaded machine is not a wrong answer.
@settings(deadline=None)
@given(st.sampled_from(ACCELERATOR), st.text(max_size=20), st.text(max_size=20))
def test_a_gpu_word_counts_wherever_it_stands_among_others(word: str, a: str, b: str) -> None:
    # Several fields are joined with spaces and tested at once.
    assert is_gpu_text(f"{a} {word} {b}")
    assert is_gpu_text(word.upper()) and is_gpu_text(word.lower())


@settings(deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_python_and_duckdb_agree_on_any_text(text: str) -> None:
    con = duckdb.connect()
    try:
        assert is_gpu_text(text) == in_duckdb(con, text)
    finally:
        con.close()
