"""The hand-written issues of the demo board: the active sprint's, its descoped and future ones.

Each issue is an `_IssueSpec`; `ACTIVE_ROLES` and `ESTIMATED_FROM` say how the active sprint's
issues came to be where they stand (carried over, added mid-sprint, blocked, re-estimated...),
and `LABEL_EPICS` files them under an epic by their first label.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
import msgspec.structs


class _IssueSpec(msgspec.Struct, frozen=True):
    summary: str
    issue_type: str
    points: int | None
    owner: str
    labels: tuple[str, ...]
    # How the issue came to be where it is in the active sprint: "" (planned in), "carried"
    # (started in the previous sprint, carried over), "added" (filed during the sprint),
    # "pulled" (pulled in from the backlog during the sprint), "stale", "blocked", "reopened",
    # "untouched" (big, and still not started however late it gets).
    role: str = ""
    estimated_from: int | None = None  # re-estimated during the sprint, from this estimate


def _spec(
    summary: str, issue_type: str, points: int | None, owner: str, *labels: str
) -> _IssueSpec:
    return _IssueSpec(summary, issue_type, points, owner, labels)


_ISSUES: tuple[_IssueSpec, ...] = (
    _spec("Add label-smoothing ablation to ranker v3", "Story", 2, "diego", "ranker", "experiment"),
    _spec("Backfill feature store for Q3 cohort", "Task", 2, "tom", "data", "feature-store"),
    _spec("Pin CUDA 12.4 base image for training jobs", "Task", 1, "samira", "infra"),
    _spec("Eval harness: add calibration (ECE) metric", "Story", 2, "lena", "eval"),
    _spec("Ranker v3: shadow-traffic comparison against v2", "Story", 2, "maya", "ranker"),
    _spec("Distil ranker v3 into a 4-layer student for serving", "Spike", 8, "diego", "ranker"),
    _spec("Fix NaN loss when a batch contains only negatives", "Bug", 1, "priya", "ranker"),
    _spec("Serve ranker v3 behind a 10% traffic flag", "Story", 2, "wei", "serving", "rollout"),
    _spec("Cut p95 ranking latency: batch embedding lookups", "Story", 3, "wei", "latency"),
    _spec("ASR: fine-tune whisper-medium on call-centre set v2", "Story", 5, "aroha", "asr"),
    _spec(
        "ASR: accent-stratified WER breakdown in eval report", "Story", 2, "aroha", "asr", "eval"
    ),
    _spec("Label QA: audit 500 sampled call-centre utterances", "Task", 2, "lena", "labeling"),
    _spec("Fraud GBDT: merchant-velocity features (set v8)", "Story", 3, "arjun", "fraud"),
    _spec("Fraud: investigate AUC dip on weekend traffic", "Spike", None, "arjun", "fraud"),
    _spec(
        "Training jobs OOM on p4d after NVIDIA driver update", "Bug", 2, "samira", "infra", "gpu"
    ),
    _spec("Spot-instance checkpoint/resume for long training runs", "Story", 2, "samira", "cost"),
    _spec("Migrate nightly eval DAG to Airflow 2", "Task", 2, "tom", "data", "tech-debt"),
    _spec("Data contract for the clickstream events table", "Story", 2, "tom", "data"),
    _spec("Dedupe examples leaking between train and val splits", "Bug", 2, "priya", "data"),
    _spec("MLflow: auto-tag runs with git SHA and image digest", "Task", 1, "wei", "mlops"),
    _spec("Model card for ranker v3", "Task", 1, "maya", "docs", "ranker"),
    _spec("Grafana: GPU utilisation per team", "Task", 2, "wei", "infra", "cost"),
    _spec("Flaky CI: test_feature_pipeline_parallel times out", "Bug", None, "arjun", "ci"),
    _spec("Compare bf16 vs fp16 mixed precision for ASR fine-tune", "Spike", 2, "aroha", "asr"),
    _spec("Hard-negative mining for ranker v3 training data", "Story", 2, "priya", "ranker"),
    _spec("Bump PyTorch to 2.5 in the training image", "Task", 1, "samira", "infra"),
    _spec("Offline/online correlation study for NDCG@10", "Spike", None, "lena", "eval"),
    _spec("Feature store: TTL for stale user embeddings", "Story", 2, "tom", "feature-store"),
    _spec("Drift monitor for fraud model input features", "Story", 2, "arjun", "monitoring"),
    _spec("Rotate service-account keys for the training cluster", "Task", 1, "samira", "security"),
    _spec("BigQuery: partition eval results table by date", "Task", 1, "tom", "data", "cost"),
    _spec("Ranker v3: NDCG@10 by segment (new vs returning)", "Story", 2, "diego", "eval"),
    _spec("ASR server returns empty transcript for 8 kHz audio", "Bug", None, "wei", "asr"),
    _spec("RFC: online/offline consistency checks for features", "Task", None, "maya", "rfc"),
    _spec("Reproduce ranker v2 baseline on the new data snapshot", "Task", 1, "priya", "ranker"),
    _spec("Fraud GBDT: early-stopping patience sweep", "Task", 1, "arjun", "fraud", "experiment"),
    _spec("Canary alert on model-serving error rate", "Story", 2, "wei", "serving", "monitoring"),
    _spec("Delete orphaned S3 checkpoints older than 90 days", "Task", 1, "samira", "cost"),
    _spec("Fraud: agree decision threshold with the risk team", "Task", 1, "lena", "fraud"),
    _spec("ASR: stream partial transcripts from the inference server", "Story", 5, "priya", "asr"),
)
# How issues came to be where they stand in the active sprint (see `_IssueSpec.role`).
ACTIVE_ROLES: Mapping[str, str] = {
    "Backfill feature store for Q3 cohort": "carried",
    "Eval harness: add calibration (ECE) metric": "reopened",
    "Fix NaN loss when a batch contains only negatives": "added",
    "Serve ranker v3 behind a 10% traffic flag": "blocked",
    "Cut p95 ranking latency: batch embedding lookups": "carried",
    "ASR: fine-tune whisper-medium on call-centre set v2": "carried",
    "Training jobs OOM on p4d after NVIDIA driver update": "added",
    "Migrate nightly eval DAG to Airflow 2": "stale",
    "Data contract for the clickstream events table": "blocked",
    "Dedupe examples leaking between train and val splits": "added",
    "ASR server returns empty transcript for 8 kHz audio": "added",
    "Canary alert on model-serving error rate": "pulled",
    "Fraud: agree decision threshold with the risk team": "stale",
    "ASR: stream partial transcripts from the inference server": "untouched",
}
# Re-estimated during the active sprint: the estimate before.
ESTIMATED_FROM: Mapping[str, int] = {
    "Distil ranker v3 into a 4-layer student for serving": 5,
    "Feature store: TTL for stale user embeddings": 3,
}
ACTIVE_ISSUES: tuple[_IssueSpec, ...] = tuple(
    msgspec.structs.replace(
        spec,
        role=ACTIVE_ROLES.get(spec.summary, ""),
        estimated_from=ESTIMATED_FROM.get(spec.summary),
    )
    for spec in _ISSUES
)

# Planned into the active sprint, then taken out of it on its third day.
DESCOPED_ISSUES: tuple[tuple[_IssueSpec, bool], ...] = (  # (spec, moved to the next sprint)
    (_spec("Ranker v3: listwise loss variant (LambdaLoss)", "Story", 3, "diego", "ranker"), True),
    (_spec("Upgrade Ray to 2.x on the sweep cluster", "Task", 2, "samira", "infra"), False),
)

FUTURE_ISSUES: tuple[_IssueSpec, ...] = (
    _spec("Ranker v4: multi-task (click + dwell) objective prototype", "Spike", 13, "diego"),
    _spec("Move training jobs onto a Kueue-managed GPU queue", "Story", 13, "samira", "infra"),
    _spec("ASR: evaluate whisper-large-v3-turbo on call-centre set", "Spike", 5, "aroha", "asr"),
    _spec("Fraud: champion/challenger A/B with risk sign-off", "Story", 3, "arjun", "fraud"),
    _spec("Feature store: point-in-time join correctness tests", "Story", 3, "tom", "data"),
    _spec("Eval harness: bootstrap confidence intervals", "Story", 2, "lena", "eval"),
    _spec("Autoscale ranker serving on GPU utilisation", "Story", None, "wei", "serving"),
    _spec("Quarterly cost review: rightsize SageMaker endpoints", "Task", None, "maya", "cost"),
)

# Epics by the issue's first label.
LABEL_EPICS: Mapping[str, str] = {
    "ranker": "Ranker v3 launch",
    "serving": "Ranker v3 launch",
    "latency": "Ranker v3 launch",
    "rollout": "Ranker v3 launch",
    "docs": "Ranker v3 launch",
    "asr": "Call-centre speech recognition",
    "labeling": "Call-centre speech recognition",
    "fraud": "Fraud model v8",
    "monitoring": "Fraud model v8",
    "eval": "Eval harness",
    "data": "Feature store and data quality",
    "feature-store": "Feature store and data quality",
    "infra": "Training platform",
    "cost": "Training platform",
    "mlops": "Training platform",
    "security": "Training platform",
    "ci": "Training platform",
}
