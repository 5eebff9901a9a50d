"""`[[budgets]]` with amounts per month or quarter, scopes and alert thresholds, and `[cost]`:
the old format keeps working, and every mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import ConfigError, parse_config
from cockpit.models import Budget
from cockpit.store import Store
from cockpit.workspace import Workspace

PATH = Path("/home/lead/.config/cockpit/config.toml")


def error_for(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH)
    return str(caught.value)


def test_the_old_monthly_format_still_reads_as_a_monthly_budget(tmp_path: Path) -> None:
    config = parse_config('[[budgets]]\nname = "ML"\nmonthly = 60000\nprovider = "aws"\n', PATH)
    (budget,) = Workspace(config, Store(tmp_path / "c.sqlite")).budgets()
    assert budget == Budget("ML", 60000.0, "USD", "aws")
    assert (budget.period, budget.thresholds, budget.forecast_threshold) == (
        "month",
        (0.5, 0.8, 1.0),
        1.0,
    )


def test_a_quarterly_scoped_budget_with_its_own_alerts(tmp_path: Path) -> None:
    config = parse_config(
        '[[budgets]]\nname = "GPU training"\namount = 30000\nperiod = "quarter"\n'
        'currency = "EUR"\nscope = "tag:team=fraud"\nalerts = [90, 25]\nforecast_alert = 0\n'
        '\n[cost]\nexperiment_tags = ["Experiment"]\nanomaly_sigma = 4\n',
        PATH,
    )
    workspace = Workspace(config, Store(tmp_path / "c.sqlite"))
    (budget,) = workspace.budgets()
    assert budget == Budget(
        "GPU training",
        30000.0,
        "EUR",
        period="quarter",
        scope="tag:team=fraud",
        thresholds=(0.25, 0.9),
        forecast_threshold=None,
    )
    cost = workspace.cost_settings()
    assert cost.experiment_tags == ("experiment",)  # tag keys are lower-cased in roll-ups
    assert cost.run_tags == ("mlflow_run_id", "run_id", "wandb_run_id")
    assert cost.anomaly_sigma == 4.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[budgets]]\nname = "ML"\n', "`budgets.0`: the budget 'ML' has no amount"),
        (
            '[[budgets]]\nname = "ML"\namount = 5\nmonthly = 5\n',
            "`budgets.0`: give either `amount` or `monthly`, not both",
        ),
        (
            '[[budgets]]\nname = "ML"\nmonthly = 5\nperiod = "quarter"\n',
            "`budgets.0.monthly` is a month's amount but `period` is 'quarter'",
        ),
        ('[[budgets]]\nname = "ML"\namount = 5\nperiod = "year"\n', "`budgets.0.period`"),
        ('[[budgets]]\nname = "ML"\namount = 0\n', "`budgets.0.amount`"),
        ('[[budgets]]\nname = "ML"\namount = 5\nalerts = [0]\n', "`budgets.0.alerts"),
        ('[[budgets]]\nname = "ML"\namount = 5\nforecast_alert = -1\n', "forecast_alert"),
        (
            '[[budgets]]\nname = "ML"\namount = 5\nscope = "team"\n',
            "`budgets.0.scope`: 'team' is not a scope; expected",
        ),
        (
            '[[budgets]]\nname = "ML"\namount = 5\nscope = "tag:=x"\n',
            "`budgets.0.scope`: 'tag:=x' names no tag key",
        ),
        (
            '[[budgets]]\nname = "ML"\namount = 5\n[[budgets]]\nname = "ml"\namount = 6\n',
            "`budgets.1.name`: 'ml' is also the name of `budgets.0`",
        ),
        ("[cost]\nanomaly_sigma = 0\n", "`cost.anomaly_sigma`"),
        ('[cost]\nrun_tags = [""]\n', "`cost.run_tags"),
        ("[cost]\nsigma = 3\n", "unknown key `cost.sigma`"),
    ],
)
def test_budget_and_cost_errors_name_the_file_and_the_key(text: str, expected: str) -> None:
    message = error_for(text)
    assert message.startswith(f"{PATH}: ")
    assert expected in message


@pytest.mark.parametrize(
    "scope",
    ["", "all", "provider=AWS", "service=Amazon EC2", "account=ml-prod", "region=us-east-1",
     "category=Compute", "tag:team=fraud", "team=fraud", "TAG:Team = Fraud"],
)  # fmt: skip
def test_every_documented_scope_is_accepted(scope: str) -> None:
    config = parse_config(f'[[budgets]]\nname = "ML"\namount = 5\nscope = "{scope}"\n', PATH)
    assert config.budgets[0].scope == scope
