"""An experiment tracker of 50,000 runs in the cache: what it costs to keep and what it costs
the first frame.

Builds 50,000 MLflow-like runs (5 experiments over a year, ~10 metrics, ~10 params and a few
tags each, metric histories for the runs that can top a leaderboard), listed newest first
across experiments as `runs/search` returns them, in the demo workspace in place of its
experiments. Then measures, in the same run:

- writing it: the first sync (every chunk new), and re-syncs where 1% of the runs changed,
  either among the newest runs (runs that finished or moved on since the last sync: what a
  15-minute re-sync sees) or scattered over the whole year (the worst case for sharing);
- bytes on disk after 1 sync and after 10, against one whole payload per sync (the format
  before runs were kept apart, written into a schema-1 file as that code did);
- reading the latest snapshot without its runs (what the first frame and `status` read) and
  with them (the leaderboard screen; an incremental re-sync), from a cold store object, and
  again after a re-sync from the same store object (only new chunks are decoded);
- `cockpit status` wall time on that cache, on the demo cache and on the same 50,000 runs in
  the old format (P2), and the first paint of `cockpit demo --still --store` on each (P1,
  against a bare Textual app, in tmux; the cache is copied fresh for each launch because the
  demo syncs after its first frame).

Run: python benchmarks/experiments_cache.py [--runs N] [--root CHECKOUT] [--no-p1]
`--root` measures another checkout with this same script (e.g. `git archive HEAD | tar -x -C
/tmp/x`). Numbers are medians; this machine is shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
RUNS = 50_000
SYNCS = 10

EXPERIMENTS = (
    # id, name, primary metric, higher is better, metrics, params
    ("101", "ranking/two-tower", "ndcg_at_10", True,
     ("ndcg_at_10", "mrr", "recall_at_50", "precision_at_10", "val_loss", "train_loss",
      "auc", "coverage", "latency_ms", "epoch_time_s"),
     ("learning_rate", "batch_size", "embedding_dim", "num_negatives", "optimizer", "dropout",
      "weight_decay", "tower_layers", "seed", "epochs")),
    ("102", "speech/conformer-ctc", "wer", False,
     ("wer", "cer", "val_loss", "train_loss", "rtf", "grad_norm", "lr", "ctc_loss",
      "attention_loss", "gpu_mem_gb"),
     ("learning_rate", "batch_size", "encoder_layers", "attention_heads", "spec_augment",
      "optimizer", "warmup_steps", "vocab_size", "seed", "max_epochs")),
    ("103", "fraud/gbdt", "auc", True,
     ("auc", "pr_auc", "logloss", "precision_at_1pct", "recall_at_1pct", "ks", "brier",
      "train_auc", "feature_count", "fit_seconds"),
     ("max_depth", "n_estimators", "learning_rate", "subsample", "colsample_bytree",
      "min_child_weight", "reg_lambda", "reg_alpha", "feature_set", "seed")),
    ("104", "search/cross-encoder", "mrr", True,
     ("mrr", "ndcg_at_10", "val_loss", "train_loss", "accuracy", "f1", "latency_p95_ms",
      "throughput_qps", "grad_norm", "lr"),
     ("model_name", "learning_rate", "batch_size", "max_seq_len", "warmup_ratio", "optimizer",
      "weight_decay", "hard_negatives", "seed", "epochs")),
    ("105", "vision/vit-ocr", "val_loss", False,
     ("val_loss", "train_loss", "char_accuracy", "word_accuracy", "cer", "wer", "lr",
      "grad_norm", "images_per_s", "gpu_mem_gb"),
     ("patch_size", "hidden_dim", "depth", "learning_rate", "batch_size", "augmentations",
      "optimizer", "label_smoothing", "seed", "epochs")),
)  # fmt: skip
USERS = tuple(
    f"{first}.{last}"
    for first in ("maya", "diego", "samira", "tom", "lena", "priya", "kenji", "aroha", "wei")
    for last in ("chen", "okafor", "raman")
)
ADJECTIVES = ("bold", "calm", "clever", "gentle", "quick", "rare", "silent", "sunny", "wise")
ANIMALS = ("wolf", "otter", "heron", "lynx", "panda", "moth", "finch", "trout", "yak", "crab")


# --- the data --------------------------------------------------------------------------------


def make_runs(rng: random.Random):  # type: ignore[no-untyped-def]
    from cockpit.models import Run

    runs = []
    for n in range(RUNS):
        exp_id, _name, primary, higher, metrics, params = EXPERIMENTS[n % len(EXPERIMENTS)]
        started = NOW - timedelta(seconds=rng.uniform(0, 365 * 86400))
        age_days = (NOW - started).total_seconds() / 86400
        roll = rng.random()
        if age_days < 0.5 and roll < 0.5:
            status, ended = "RUNNING", None
        else:
            status = "FINISHED" if roll < 0.94 else ("FAILED" if roll < 0.985 else "KILLED")
            ended = started + timedelta(minutes=rng.uniform(5, 720))
        progress = 1 - age_days / 365  # the team gets better over the year
        values = {
            m: round(rng.uniform(0.2, 0.6) + 0.3 * progress + rng.gauss(0, 0.02), 6)
            for m in metrics
        }
        run_id = f"{rng.getrandbits(128):032x}"
        runs.append(
            Run(
                run_id=run_id,
                experiment=exp_id,
                name=f"{rng.choice(ADJECTIVES)}-{rng.choice(ANIMALS)}-{rng.randrange(1000)}",
                status=status,
                user=rng.choice(USERS),
                started=started,
                ended=ended,
                metrics=values,
                params={
                    p: str(rng.choice((1e-4, 3e-4, 1e-3, 32, 64, 128, 256, "adamw", "sgd")))
                    for p in params
                },
                tags={
                    "mlflow.source.git.commit": f"{rng.getrandbits(160):040x}",
                    "mlflow.source.name": "train.py",
                    "team": "ml-platform",
                },
                url=f"https://mlflow.example.com/#/experiments/{exp_id}/runs/{run_id}",
            )
        )
    # Histories (100 steps of the primary metric) for the 50 best runs of each experiment.
    best: dict[str, list[int]] = {}
    for index, r in enumerate(runs):
        best.setdefault(r.experiment, []).append(index)
    import msgspec

    for exp_id, _name, primary, higher, _m, _p in EXPERIMENTS:
        top = sorted(best[exp_id], key=lambda i: runs[i].metrics[primary], reverse=higher)[:50]
        for i in top:
            final = runs[i].metrics[primary]
            history = tuple((step, round(final * (0.5 + step / 200), 6)) for step in range(100))
            runs[i] = msgspec.structs.replace(runs[i], histories={primary: history})
    runs.sort(key=lambda r: r.started, reverse=True)  # as runs/search lists them
    return runs


def stand_in_digests(data):  # type: ignore[no-untyped-def]
    """What `digest_experiments` keeps, in size: the top 50 runs of each experiment, a year of
    weeks and a year of best-so-far days. Used while it is still a placeholder."""
    from cockpit.models import ExperimentDigest, WeekOfRuns

    digests = []
    for e in data.experiments:
        own = [r for r in data.runs if r.experiment == e.id]
        scored = [r for r in own if r.status == "FINISHED"]
        scored.sort(key=lambda r: r.metrics[e.primary_metric], reverse=e.higher_is_better)
        weeks = tuple(
            WeekOfRuns((NOW - timedelta(weeks=w)).date(), 190, 180, 8, 42.0, {u: 7 for u in USERS})
            for w in range(52, 0, -1)
        )
        record = tuple(
            ((NOW - timedelta(days=d)).date(), 0.5 + d / 1000) for d in range(365, 0, -1)
        )
        digests.append(
            ExperimentDigest(
                e.id, len(own), 0, len(scored), 0, tuple(scored[:50]), len(scored), weeks, record
            )
        )
    return tuple(digests)


def tracker_snapshot(runs):  # type: ignore[no-untyped-def]
    import msgspec

    from cockpit.analytics.experiments import digest_experiments
    from cockpit.models import Experiment, ExperimentData, ModelVersion
    from integrations.demo import build_demo_snapshot

    experiments = tuple(
        Experiment(exp_id, name, primary, higher, rank_by="best", tracker="mlflow")
        for exp_id, name, primary, higher, _m, _p in EXPERIMENTS
    )
    champions = tuple(
        ModelVersion(name.split("/")[0], "7", next(r.run_id for r in runs if r.experiment == e))
        for e, name, *_rest in EXPERIMENTS
    )
    data = ExperimentData("mlflow", experiments, tuple(runs), champions, source="demo")
    digested = digest_experiments(data, NOW)
    if not digested.digests:
        digested = msgspec.structs.replace(data, digests=stand_in_digests(data))
    return msgspec.structs.replace(build_demo_snapshot(NOW), experiments=digested)


def changed(runs, rng: random.Random, *, scattered: bool):  # type: ignore[no-untyped-def]
    """1% of the runs changed: among the newest 2,000 (runs that finished or logged more), or
    anywhere in the year (tags edited on old runs)."""
    import msgspec

    runs = list(runs)
    pool = range(len(runs)) if scattered else range(min(2000, len(runs)))
    for i in rng.sample(pool, len(runs) // 100):
        r = runs[i]
        metrics = {k: round(v + rng.gauss(0, 0.01), 6) for k, v in r.metrics.items()}
        end = r.ended or NOW
        runs[i] = msgspec.structs.replace(r, status="FINISHED", ended=end, metrics=metrics)
    return runs


# --- measuring -----------------------------------------------------------------------------


def disk_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def mib(n: float) -> str:
    return f"{n / 2**20:7.1f} MiB"


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f})"


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


V1_SCHEMA = """
CREATE TABLE snapshots (id INTEGER PRIMARY KEY, source TEXT NOT NULL, taken_at TEXT NOT NULL,
    schema_version INTEGER NOT NULL, payload BLOB NOT NULL);
CREATE INDEX snapshots_by_source ON snapshots (source, taken_at);
CREATE TABLE sync_log (id INTEGER PRIMARY KEY, source TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
    bytes_in INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0);
CREATE INDEX sync_log_by_source ON sync_log (source, started_at);
PRAGMA user_version = 1;
"""


def write_v1(path: Path, snapshots: list) -> list[float]:  # type: ignore[type-arg]
    """The format before runs were kept apart: each sync one whole payload, as that code
    wrote it (msgspec JSON, zlib level 6, a "Z" marker)."""
    import msgspec

    times = []
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(V1_SCHEMA)
        for n, snapshot in enumerate(snapshots):
            started = time.perf_counter()
            payload = b"Z" + zlib.compress(msgspec.json.encode(snapshot), 6)
            taken = (NOW + timedelta(minutes=15 * n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            with conn:
                conn.execute(
                    "INSERT INTO snapshots (source, taken_at, schema_version, payload)"
                    " VALUES ('demo', ?, 1, ?)",
                    (taken, payload),
                )
                conn.execute(
                    "INSERT INTO sync_log (source, started_at, finished_at, status)"
                    " VALUES ('demo', ?, ?, 'ok')",
                    (taken, taken),
                )
            times.append(time.perf_counter() - started)
    return times


def wall(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, env=ENV, capture_output=True, check=True)  # warm-up
    return timed(lambda: subprocess.run(command, env=ENV, capture_output=True, check=True), runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout to measure")
    parser.add_argument("--no-p1", action="store_true", help="skip the tmux first paint")
    args = parser.parse_args()
    root = args.root.resolve()
    os.chdir(root)  # `python -m cockpit` imports from the folder it runs in
    sys.path.insert(0, str(root))
    ENV["PYTHONPATH"] = str(root)

    import msgspec

    from cockpit.store import Store, SyncAttempt

    work = Path(tempfile.mkdtemp(prefix="cockpit-runs-bench-"))
    rng = random.Random(8)
    started = time.perf_counter()
    runs = make_runs(rng)
    first = tracker_snapshot(runs)
    raw = len(msgspec.json.encode(first))
    light = len(msgspec.json.encode(msgspec.structs.replace(
        first, experiments=msgspec.structs.replace(first.experiments, runs=()))))  # fmt: skip
    print(f"{RUNS:,} runs in 5 experiments, built in {time.perf_counter() - started:.1f} s;"
          f" one snapshot is {mib(raw)} of JSON, {mib(light)} without its runs\n")  # fmt: skip

    def attempt(n: int) -> SyncAttempt:
        at = NOW + timedelta(minutes=15 * n)
        return SyncAttempt("demo", at, at, "ok")

    # --- writing and bytes on disk -------------------------------------------------------
    print(f"Writing: the first sync, then {SYNCS - 1} re-syncs with 1% of the runs changed")
    sequences = {}
    for label, scattered in (("newest", False), ("scattered", True)):
        seq_rng = random.Random(label)
        snapshots, current = [first], runs
        for _ in range(SYNCS - 1):
            current = changed(current, seq_rng, scattered=scattered)
            snapshots.append(tracker_snapshot(current))
        sequences[label] = snapshots

    old_path = work / "v1" / "cache.sqlite"
    old_path.parent.mkdir()
    one_old = work / "v1-one" / "cache.sqlite"
    one_old.parent.mkdir()
    write_v1(one_old, sequences["newest"][:1])
    old_times = write_v1(old_path, sequences["newest"])
    print(f"  before (one whole payload a sync): write {ms(old_times)};"
          f" on disk {mib(disk_bytes(one_old))} after 1 sync,"
          f" {mib(disk_bytes(old_path))} after {SYNCS}")  # fmt: skip

    stores: dict[str, Path] = {}
    for label, snapshots in sequences.items():
        path = work / label / "cache.sqlite"
        path.parent.mkdir()
        store = Store(path)
        first_write = timed(lambda s=store, ss=snapshots: s.write_snapshot(ss[0], attempt(0)), 1)
        after_one = disk_bytes(path)
        later = []
        for n, snapshot in enumerate(snapshots[1:], start=1):
            later += timed(lambda s=store, sn=snapshot, n=n: s.write_snapshot(sn, attempt(n)), 1)
        stores[label] = path
        print(f"  chunks, 1% {label + ' runs':<15} first write {ms(first_write)},"
              f" re-sync writes {ms(later)}; on disk {mib(after_one)} after 1 sync,"
              f" {mib(disk_bytes(path))} after {SYNCS}")  # fmt: skip

    # An incremental re-sync as the sync engine runs it: the previous runs read back, 1% of
    # the newest replaced, every other run the very object read back.
    path = work / "incremental" / "cache.sqlite"
    path.parent.mkdir()
    store = Store(path)
    store.write_snapshot(first, attempt(0))
    basis, reads, writes = [], [], []
    inc_rng = random.Random("incremental")
    for n in range(1, SYNCS):
        started = time.perf_counter()
        previous = store.latest("demo", with_runs=True)
        reads.append(time.perf_counter() - started)
        kept = previous.snapshot.experiments.runs
        basis.append(len(kept))
        snapshot = tracker_snapshot(changed(kept, inc_rng, scattered=False))
        writes += timed(lambda sn=snapshot, p=previous, n=n: store.write_snapshot(
            sn, attempt(n), previous=p), 1)  # fmt: skip
    print(f"  incremental, 1% newest    previous runs read {ms(reads)},"
          f" re-sync writes {ms(writes)};"
          f" on disk {mib(disk_bytes(path))} after {SYNCS}")  # fmt: skip
    print()

    # --- reading -----------------------------------------------------------------------------
    path = stores["newest"]
    print("Reading the latest snapshot (a new Store object each time: nothing decoded before)")
    light_times = timed(lambda: Store(path).latest("demo"), args.runs)
    full_times = timed(lambda: Store(path).latest("demo", with_runs=True), max(3, args.runs // 2))
    print(f"  without runs (first frame, status) {ms(light_times)}")
    print(f"  with runs (leaderboard, re-sync)   {ms(full_times)}")
    from cockpit.codec import decode_snapshot

    with sqlite3.connect(old_path) as conn:
        (payload,) = conn.execute("SELECT payload FROM snapshots ORDER BY id DESC").fetchone()
    whole = timed(lambda: decode_snapshot(payload), max(3, args.runs // 2))
    print(f"  before: the whole payload         {ms(whole)}")
    # After a re-sync that changed 1% of the newest runs, with the chunks the last read
    # decoded (as the workspace keeps them for the leaderboard): only new chunks are decoded.
    store = Store(path)
    decoded: dict = {}  # type: ignore[type-arg]
    store.latest("demo", with_runs=True, decoded=decoded)
    again = []
    current = runs
    for n in range(3):
        current = changed(current, random.Random(n), scattered=False)
        store.write_snapshot(tracker_snapshot(current), attempt(SYNCS + n))
        again += timed(lambda: store.latest("demo", with_runs=True, decoded=decoded), 1)
    print(f"  with runs again after a re-sync   {ms(again)}")
    print()

    # --- P2: cockpit status --------------------------------------------------------------
    caches = {}
    demo = work / "demo" / "cache.sqlite"
    demo.parent.mkdir()
    configs = work / "configs"
    configs.mkdir()
    labels = (
        ("demo cache", demo),
        ("50,000 runs", stores["newest"]),
        ("50,000 runs, before", old_path),
    )
    for label, cache in labels:
        config = configs / f"{len(caches)}.toml"
        config.write_text(f'[cockpit]\nstore = "{cache}"\n\n[sources.demo]\nkind = "demo"\n')
        caches[label] = (cache, config)
    cockpit = [PYTHON, "-m", "cockpit"]
    subprocess.run([*cockpit, "--config", str(caches["demo cache"][1]), "sync"], env=ENV,
                   check=True, capture_output=True, cwd=root)  # fmt: skip
    print(f"P2  cockpit status wall time ({args.runs} runs, medians)")
    base = statistics.median(wall([PYTHON, "-c", "pass"], args.runs))
    print(f"    {'python -c pass':<28}{ms([base])}")
    for label, (_cache, config) in caches.items():
        times = wall([*cockpit, "--config", str(config), "status"], args.runs)
        print(f"    {label:<28}{ms(times)}  {statistics.median(times) / base:.1f}x")
    print()

    if not args.no_p1 and shutil.which("tmux"):
        sys.path.insert(0, str(HERE / "benchmarks"))
        from startup import TMUX, first_paint

        subprocess.run([*TMUX, "new-session", "-d", "-s", "keepalive", "sleep 3600"], check=True)
        bare_cmd = f"{PYTHON} {HERE / 'benchmarks' / 'bare_app.py'}"
        marker = "days left"
        prefix = f"env -u PYTHONDONTWRITEBYTECODE PYTHONPATH={root} TERM=xterm-256color "

        def paint(cache: Path) -> float:
            # The demo syncs once its first frame is up: every launch gets a fresh copy.
            fresh = work / "p1" / f"{time.monotonic_ns()}.sqlite"
            fresh.parent.mkdir(exist_ok=True)
            shutil.copy(cache, fresh)
            command = f"{PYTHON} -m cockpit demo --still --store {fresh}"
            return first_paint(command, marker, env_prefix=prefix)

        first_paint(bare_cmd, "bare app ready")
        labelled = {label: cache for label, (cache, _config) in caches.items()}
        for cache in labelled.values():
            paint(cache)  # warm-up (and the old file's migration, once)
        bare: list[float] = []
        painted: dict[str, list[float]] = {label: [] for label in labelled}
        for _ in range(args.runs):
            bare.append(first_paint(bare_cmd, "bare app ready"))
            for label, cache in labelled.items():
                painted[label].append(paint(cache))
        print(f"P1  first paint of cockpit demo --still --store, tmux 160x48 ({args.runs} runs)")
        print(f"    {'bare Textual app':<28}{ms(bare)}")
        for label, times in painted.items():
            ratio = statistics.median(times) / statistics.median(bare)
            print(f"    {label:<28}{ms(times)}  {ratio:.2f}x")
        subprocess.run([*TMUX, "kill-server"], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
