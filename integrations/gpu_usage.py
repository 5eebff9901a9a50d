"""Is this spend on GPUs or other ML accelerators? Decided from the words a bill uses.

A bill names accelerators in many places and many ways: an AWS usage type
(`USE1-BoxUsage:p4d.24xlarge`, `ml.g5.xlarge-Hosting`), an Azure meter (`NC24ads A100 v4`,
`Standard_ND96asr_v4`), a GCP SKU (`Nvidia L4 GPU running in Americas`, `a3-highgpu-8g`,
`TPU v5e`), a charge description, a resource type. So the decision is a pattern over families
and models, never a list of a few service names: "Amazon SageMaker" or "Compute Engine" is
accelerator spend for one line and not for the next.

`GPU_PATTERN` is written once in the syntax both Python's `re` and RE2 (DuckDB's
`regexp_matches`) accept: no look-around, no back-references, `(?i)` only at the start. The
FOCUS reader runs it inside DuckDB over millions of lines; `is_gpu_text` is the same decision
for Python callers (the AWS source runs it on usage types).
"""

from __future__ import annotations

import re

# Each alternative is one family of names. `\b` is a word boundary in both engines; the
# instance families need the size after the dot so that a bare "g5" or "p3" in a name does
# not count.
_ALTERNATIVES = (
    # The words themselves: "GPU", "NVIDIA", "TPU", "accelerator-optimized"...; `gpu` has no
    # left boundary because GCP glues it on ("a2-highgpu-1g", "a3-megagpu-8g").
    r"gpu",
    r"\bnvidia\b",
    r"\btesla\b",
    r"\bcuda\b",
    r"\btpus?\b",
    r"\btpu[-_ ]?v\d",
    r"hightpu",  # GCP TPU machine types: ct5lp-hightpu-4t
    r"\baccelerators?\b",
    r"\baccelerator[-_ ]optimi[sz]ed",
    r"\baccelerated[-_ ]computing",
    r"\belastic[-_ ]inference",
    # Accelerator models (NVIDIA, AMD, Intel Habana, AWS silicon). Not the bare "L4" or "T4":
    # a layer-4 load balancer says "L4"; those GPUs come with "NVIDIA" or a family name.
    r"\b(?:a100|a10g|a40|h100|h200|h800|b100|b200|gb200|gb300|l40s?|v100|p100|p40|k80|m60)\b",
    r"\brtx[-_ ]?\d",
    r"\bmi(?:210|250|250x|300|300x|325x)\b",
    r"\binstinct\b",
    r"\bgaudi\d?\b",
    r"\bhabana\b",
    r"\btrainium\d?\b",
    r"\binferentia\d?\b",
    # AWS instance families (EC2 and SageMaker's ml.*): P (GPU), G (graphics GPU), Trn
    # (Trainium), Inf (Inferentia), DL (Gaudi), followed by a size.
    r"\b(?:p[2-6][a-z0-9-]*|g[2-6][a-z]*|gr6[a-z]*|trn[1-3][a-z]*|inf[1-3][a-z]*|dl[12][a-z]*)"
    r"\.(?:\d*x?large|metal)",
    # Azure N-series: NC (compute), ND (deep learning), NV (visualisation), as VM sizes
    # ("Standard_NC6s_v3", "NC24ads A100 v4") or meter subcategories ("NCv3 Series", "NDs").
    r"\b(?:standard_)?n[cdv]\d+[a-z]*(?:_[a-z0-9]+)*\b",
    r"\bn[cdv][a-z]*_?v\d\b",
    r"\bn[cdv][a-z]* series\b",
    # ... and the newer meters that name the GPU inside the family ("NCasT4_v3 Series",
    # "NVadsA10 v5 Series", "NCadsH100v5 Series", "NGads V620 Series"): a family letter, its
    # feature letters, then a GPU model, then perhaps a version.
    r"\bn[cdgv][a-z]*[-_ ]?"
    r"(?:t4|a10|a100|h100|h200|v100|v620|mi25|mi300x|l4|l40s?|p40|p100|m60|k80)(?:[-_ ]?v\d+)?\b",
    # GCP accelerator-optimized machine series: A2, A3, A4 and G2.
    r"\b(?:a[2-4]|g[24])[-_ ](?:highgpu|megagpu|ultragpu|edgegpu|standard|instance)",
)

GPU_PATTERN = "(?i)" + "|".join(f"(?:{alternative})" for alternative in _ALTERNATIVES)

_COMPILED = re.compile(GPU_PATTERN)


def is_gpu_text(text: str) -> bool:
    """Whether `text` (a service name, SKU, usage type, description...) names accelerator
    spend. Several fields may be joined with spaces and tested at once."""
    return _COMPILED.search(text) is not None
