"""Every network source the cockpit has, each on its own fake (or moto) behind its own proxy.

A `Rig` is one source of the fault matrix: the server that answers it when all is well, the
`FaultProxy` the source's config points at, its `[sources.NAME]` block and the environment its
credentials come from. The proxy's port never changes, so neither does the source's config (nor
its settings key): a fault is the proxy misbehaving or the proxy passing the source on to a
scripted server instead of its own fake.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.azure_server import SUBSCRIPTION
from tests.fakes.azure_server import TOKEN as AZURE_TOKEN
from tests.fakes.fault_server import FaultServer, Reply
from tests.fakes.jira_data import BOARD_ID, make_board
from tests.fakes.mlflow_server import ScriptedMlflow
from tests.faults.proxy import FaultProxy

OKR_PATH = "/acme/okrs/main/okrs.toml"
OKR_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "okrs" / "okrs.toml"

# One small MLflow world, as the MLflow source's own scripted tests serve it.
MLFLOW_EXPERIMENT = {
    "experiment": {"experiment_id": "7", "name": "fraud", "lifecycle_stage": "active"}
}
MLFLOW_RUNS = {
    "runs": [
        {
            "info": {"run_id": "r1", "experiment_id": "7", "status": "FINISHED",
                     "start_time": 1795412668442, "end_time": 1795412728442},
            "data": {"metrics": [{"key": "val_auc", "value": 0.9, "step": 1}]},
        }
    ]
}  # fmt: skip
MLFLOW_HISTORY = {
    "metrics": [
        {"key": "val_auc", "value": 0.93, "step": 0},
        {"key": "val_auc", "value": 0.9, "step": 1},
    ]
}


@dataclass
class Rig:
    name: str  # the source's name in the config
    label: str  # what the reliability table calls it
    proxy: FaultProxy
    home: tuple[str, int]  # where the proxy sends the source when all is well
    block: str  # the [sources.NAME] block, without the deadline
    env: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # credentials that must never be shown


def _rig(
    stack: contextlib.ExitStack,
    name: str,
    label: str,
    port: int,
    block: Callable[[str], str],
    env: dict[str, str] | None = None,
    secrets: tuple[str, ...] = (),
) -> Rig:
    home = ("127.0.0.1", port)
    proxy = stack.enter_context(FaultProxy(home))
    return Rig(name, label, proxy, home, block(proxy.url), env or {}, secrets)


@contextlib.contextmanager
def network_sources(now: datetime) -> Iterator[list[Rig]]:
    """Start every source's server and proxy; stop them all at the end."""
    from tests.fakes.aws_forecast import AwsFront
    from tests.fakes.azure_server import FakeAzure
    from tests.fakes.jira_server import FakeJira
    from tests.fakes.moto_server import USAGE_GROUPS, MotoServer, ce_result
    from tests.fakes.opencost_server import FakeOpenCost, cluster
    from tests.fakes.wandb_server import FakeWandb, make_runs

    with contextlib.ExitStack() as stack:
        rigs = []
        cloud = stack.enter_context(
            FakeJira(make_board(now=now, issues=30, closed_sprints=2), deployment="Cloud")
        )
        rigs.append(_rig(
            stack, "jira-cloud", "Jira Cloud", cloud.port,
            lambda url: f'kind = "jira"\nurl = "{url}"\nboard_id = {BOARD_ID}\n'
            f'deployment = "cloud"\nemail = "{cloud.email}"\n',
            {"COCKPIT_JIRA_CLOUD_TOKEN": cloud.token}, (cloud.token,),
        ))  # fmt: skip
        server = stack.enter_context(
            FakeJira(
                make_board(now=now, issues=30, closed_sprints=2, deployment="Server"),
                deployment="Server",
            )
        )
        rigs.append(_rig(
            stack, "jira-dc", "Jira Data Center", server.port,
            lambda url: f'kind = "jira"\nurl = "{url}"\nboard_id = {BOARD_ID}\n'
            'deployment = "server"\n',
            {"COCKPIT_JIRA_DC_TOKEN": server.pat}, (server.pat,),
        ))  # fmt: skip
        mlflow = stack.enter_context(
            ScriptedMlflow(
                {
                    "experiments/get-by-name": Reply.json(MLFLOW_EXPERIMENT),
                    "runs/search": Reply.json(MLFLOW_RUNS),
                    "metrics/get-history": Reply.json(MLFLOW_HISTORY),
                    "registered-models/search": Reply.json({"registered_models": []}),
                }
            )
        )
        rigs.append(_rig(
            stack, "mlflow", "MLflow", mlflow.port,
            lambda url: f'kind = "mlflow"\nurl = "{url}"\nexperiments = ["fraud"]\n'
            'models = []\naliases = []\n',
        ))  # fmt: skip
        wandb = stack.enter_context(FakeWandb({"acme/fraud": make_runs("acme/fraud", 12, now=now)}))
        rigs.append(_rig(
            stack, "wandb", "Weights & Biases", wandb.port,
            lambda url: f'kind = "wandb"\nurl = "{url}"\nprojects = ["acme/fraud"]\n',
            {"COCKPIT_WANDB_TOKEN": wandb.api_key}, (wandb.api_key,),
        ))  # fmt: skip
        moto = MotoServer().start()
        stack.callback(moto.stop)
        today = now.date()
        week = [today - timedelta(days=n) for n in range(7, -1, -1)]
        groups = [("Amazon Elastic Compute Cloud - Compute", "USE1-BoxUsage:m5.xlarge", 10.0)]
        # moto hands one queued answer to each new question: enough for every sync.
        moto.queue_cost_and_usage(*[ce_result(USAGE_GROUPS, dict.fromkeys(week, groups))] * 40)
        front = stack.enter_context(AwsFront(moto.url))
        rigs.append(_rig(
            stack, "aws", "AWS Cost Explorer", front.port,
            lambda url: f'kind = "aws-cost"\nendpoint_url = "{url}"\ndays = 7\n'
            "daily_paid_calls = 1000\nbudgets = false\n",
            {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
             "AWS_EC2_METADATA_DISABLED": "true"}, ("testing-secret-key",),
        ))  # fmt: skip
        opencost = stack.enter_context(
            FakeOpenCost(cluster(today - timedelta(days=10), today + timedelta(days=2)))
        )
        rigs.append(_rig(
            stack, "opencost", "OpenCost", opencost.port,
            lambda url: f'kind = "opencost"\nurl = "{url}"\ndays = 3\n',
        ))  # fmt: skip
        azure = stack.enter_context(FakeAzure())
        rigs.append(_rig(
            stack, "azure", "Azure Cost Management", azure.port,
            lambda url: f'kind = "azure-cost"\nurl = "{url}"\n'
            f'scope = "subscriptions/{SUBSCRIPTION}"\ndays = 3\n',
            {"COCKPIT_AZURE_TOKEN": AZURE_TOKEN}, (AZURE_TOKEN,),
        ))  # fmt: skip
        okrs = stack.enter_context(FaultServer(path=OKR_PATH))
        okrs.always(
            Reply(200, OKR_FILE.read_bytes(), {"Content-Type": "text/plain; charset=utf-8"})
        )
        rigs.append(_rig(
            stack, "okrs", "OKR file (URL)", okrs.port,
            lambda url: f'kind = "okr-file"\nurl = "{url}{OKR_PATH}"\n',
        ))  # fmt: skip
        yield rigs


def now_utc() -> datetime:
    return datetime.now(UTC)
