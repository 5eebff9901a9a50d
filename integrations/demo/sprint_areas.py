"""Where the demo board's closed sprints' work came from: areas of work with their summaries.

Each `_Area` gives an epic, labels, owners, issue types and summaries (task templates times
fillers); `BUG_AREA` gives the bugs that come in mid-sprint. The history draws from them.
"""

from __future__ import annotations

import msgspec


class _Area(msgspec.Struct, frozen=True):
    """Where the closed sprints' work came from: each summary is a task with a filler."""

    epic: str
    labels: tuple[str, ...]
    owners: tuple[str, ...]
    types: tuple[str, ...]  # repeated names weigh the draw
    tasks: tuple[str, ...]
    fills: tuple[str, ...]

    def summaries(self) -> tuple[str, ...]:
        return tuple(task.format(fill) for fill in self.fills for task in self.tasks)


AREAS: tuple[_Area, ...] = (
    _Area(
        "Search ranking",
        ("ranker",),
        ("diego", "maya", "priya", "diego"),
        ("Story", "Story", "Task", "Task", "Spike"),
        (
            "Ranker {}: retrain on the latest click logs",
            "Ranker {}: ablate query-length features",
            "Ranker {}: NDCG@10 drop on long-tail queries",
            "Ranker {}: export to ONNX for serving",
            "Ranker {}: tune learning-rate warm-up",
            "Ranker {}: add dwell-time labels",
            "Ranker {}: hard-negative sampling ratio sweep",
            "Ranker {}: per-segment offline report",
            "Ranker {}: feature importance review",
            "Ranker {}: fix position-bias correction",
            "Ranker {}: shrink embeddings to 128 dims",
            "Ranker {}: pairwise vs listwise loss",
            "Ranker {}: A/B analysis write-up",
            "Ranker {}: cache candidate embeddings",
            "Ranker {}: query-category features",
            "Ranker {}: freshness boost for new items",
            "Ranker {}: dedupe near-identical results",
            "Ranker {}: batch-size and LR scaling study",
            "Ranker {}: offline replay of last week's traffic",
            "Ranker {}: gradient clipping after loss spikes",
        ),
        ("v2", "v2.2", "v2.3", "v3", "v3-small"),
    ),
    _Area(
        "Feature store and data quality",
        ("feature-store", "data"),
        ("tom", "wei", "tom"),
        ("Story", "Task", "Task"),
        (
            "Feature store: backfill {} features",
            "Feature store: point-in-time reads for {} features",
            "Feature store: TTL policy for {} features",
            "Feature store: freshness alert on {} features",
            "Feature store: move {} features to the online store",
            "Feature store: schema docs for {} features",
            "Feature store: load-test the {} read path",
            "Feature store: dedupe {} feature writes",
            "Feature store: null-rate checks on {} features",
            "Feature store: retire unused {} features",
        ),
        ("ranking", "fraud", "user", "session", "merchant", "query", "device"),
    ),
    _Area(
        "Call-centre speech recognition",
        ("asr",),
        ("aroha", "priya", "aroha", "lena"),
        ("Story", "Story", "Task", "Spike"),
        (
            "ASR: {} baseline on the call-centre set",
            "ASR: fine-tune {} with SpecAugment",
            "ASR: {} latency on a T4",
            "ASR: number normalisation before scoring {}",
            "ASR: {} beam-size sweep",
            "ASR: export {} to CTranslate2",
            "ASR: LM rescoring for {}",
            "ASR: noise augmentation for {}",
            "ASR: {} on 8 kHz telephone audio",
            "ASR: error analysis of {} on accents",
        ),
        ("whisper-small", "whisper-medium", "whisper-base", "wav2vec2", "conformer"),
    ),
    _Area(
        "Call-centre speech recognition",
        ("labeling",),
        ("lena", "aroha"),
        ("Task", "Task", "Story"),
        (
            "Label QA: audit call-centre batch {}",
            "Labelling: export batch {} to the training bucket",
            "Labelling: inter-annotator agreement on batch {}",
            "Labelling: guideline fixes after batch {}",
            "Labelling: vendor invoice check for batch {}",
        ),
        ("3", "4", "5", "6", "7", "8", "9", "10"),
    ),
    _Area(
        "Fraud model",
        ("fraud",),
        ("arjun", "lena", "arjun"),
        ("Story", "Task", "Task", "Spike"),
        (
            "Fraud GBDT {}: feature review with the risk team",
            "Fraud GBDT {}: retrain on the last 90 days",
            "Fraud GBDT {}: score calibration",
            "Fraud GBDT {}: SHAP report for risk",
            "Fraud GBDT {}: threshold sweep on holdout",
            "Fraud GBDT {}: shadow scoring in production",
            "Fraud GBDT {}: monotonic constraints on amounts",
            "Fraud GBDT {}: drift check on inputs",
            "Fraud GBDT {}: chargeback label delay study",
            "Fraud GBDT {}: class-weight sweep",
        ),
        ("v5", "v6", "v6.1", "v7", "v7.1", "v8"),
    ),
    _Area(
        "Training platform",
        ("infra",),
        ("samira", "wei", "samira"),
        ("Task", "Task", "Story"),
        (
            "Training image: upgrade to {}",
            "Training image: smoke tests on {}",
            "Training image: pin NCCL for {}",
            "Benchmark a ranker epoch on {}",
            "Spot interruptions: checkpoint {} jobs",
            "GPU quota per namespace for {} jobs",
            "Alert on idle GPU nodes running {}",
            "Cache wheels for {} builds",
            "Cost report for {} jobs",
            "Retry policy for preempted {} jobs",
        ),
        ("CUDA 12.1", "CUDA 12.2", "PyTorch 2.3", "PyTorch 2.4", "sweep", "eval", "p4d", "A100"),
    ),
    _Area(
        "Eval harness",
        ("eval",),
        ("lena", "diego", "priya"),
        ("Story", "Story", "Task"),
        (
            "Eval harness: add {}",
            "Eval harness: regression test for {}",
            "Eval harness: dashboard panel for {}",
            "Eval harness: confidence intervals for {}",
            "Eval harness: nightly job for {}",
            "Eval harness: baseline snapshot of {}",
            "Eval harness: docs for {}",
        ),
        (
            "NDCG@10",
            "MRR",
            "recall@50",
            "per-segment reports",
            "latency percentiles",
            "WER",
            "AUC",
            "calibration",
            "coverage",
        ),
    ),
    _Area(
        "MLOps",
        ("mlops",),
        ("wei", "samira", "maya"),
        ("Task", "Story", "Task"),
        (
            "Model registry: register {}",
            "Serving: canary rollout for {}",
            "Serving: autoscaling policy for {}",
            "MLflow: backfill run tags for {}",
            "Monitoring: latency SLO for {}",
            "Serving: load test for {}",
            "Runbook: rollback of {}",
            "Serving: request logging for {}",
        ),
        ("ranker v2", "ranker v3", "fraud GBDT", "whisper-medium", "whisper-small", "embeddings"),
    ),
)
BUG_AREA = _Area(
    "",
    ("bug",),
    ("priya", "samira", "tom", "wei", "arjun"),
    ("Bug",),
    (
        "NaN loss in {} training after resume",
        "{} nightly job OOMs on large shards",
        "Wrong timezone in the {} daily report",
        "{} eval job fails on an empty shard",
        "Flaky test in the {} pipeline",
        "Stale scores served for {} after deploy",
        "{} dashboard double-counts retries",
    ),
    ("ranker", "fraud", "ASR", "feature store", "eval"),
)
# Every summary each area can give, built once.
AREA_SUMMARIES: tuple[tuple[str, ...], ...] = tuple(a.summaries() for a in (*AREAS, BUG_AREA))
