"""The source-kind registry: every kind is known to config validation, doctor and the sync
scheduler from one place, and the tracker kinds' settings read as a user writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import ConfigError, MlflowSettings, WandbSettings, parse_config
from cockpit.kinds import KINDS, BuildContext, SourceSettings, network_kinds
from cockpit.sources import AREAS_BY_KIND, settings_key

PATH = Path("/home/lead/.config/cockpit/config.toml")


def test_every_kind_is_registered_once_with_its_settings() -> None:
    assert set(KINDS) >= {"demo", "okr-file", "roster-file", "jira", "mlflow", "wandb"}
    for name, kind in KINDS.items():
        assert kind.settings.__struct_config__.tag == name
        assert issubclass(kind.settings, SourceSettings)
        assert AREAS_BY_KIND[name] == kind.areas
    assert network_kinds() == {"jira", "mlflow", "wandb", "aws-cost", "opencost", "azure-cost"}


def test_an_mlflow_source_with_its_leaderboard_reads_from_toml() -> None:
    config = parse_config(
        """
[sources.tracking]
kind = "mlflow"
url = "http://mlflow.internal:5000"
experiments = ["fraud-gbdt", "412"]
auth = "bearer"

[sources.tracking.leaderboard]
metric = "val_auc"
per_experiment = { "asr-finetune" = "eval_wer" }
rank_by = "at-best-step"
step_metric = "val_loss"
directions = { "val_auc" = "higher" }
""",
        PATH,
    )
    settings = config.sources["tracking"]
    assert isinstance(settings, MlflowSettings)
    assert settings.experiments == ["fraud-gbdt", "412"]
    assert settings.aliases == ["champion", "challenger"]
    assert settings.leaderboard.rank_by == "at-best-step"
    assert settings.leaderboard.per_experiment == {"asr-finetune": "eval_wer"}


def test_a_wandb_source_needs_its_projects() -> None:
    config = parse_config('[sources.wb]\nkind = "wandb"\nprojects = ["acme/fraud"]\n', PATH)
    settings = config.sources["wb"]
    assert isinstance(settings, WandbSettings)
    assert settings.url == "https://api.wandb.ai"
    message = _error('[sources.wb]\nkind = "wandb"\n')
    assert "sources.wb.projects" in message


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH)
    return str(caught.value)


def test_an_unknown_kind_lists_every_registered_kind() -> None:
    message = _error('[sources.x]\nkind = "comet"\n')
    for name in KINDS:
        assert name in message


@pytest.mark.parametrize("kind", ["mlflow", "wandb", "jira"])
def test_a_url_that_is_not_a_web_address_names_the_key(kind: str) -> None:
    extra = {"jira": "board_id = 1\n", "wandb": 'projects = ["a/b"]\n', "mlflow": ""}[kind]
    message = _error(f'[sources.x]\nkind = "{kind}"\nurl = "mlflow.internal"\n{extra}')
    assert "sources.x.url" in message
    assert KINDS[kind].url_example in message


def test_an_unknown_leaderboard_key_is_an_error_naming_it() -> None:
    message = _error(
        '[sources.t]\nkind = "mlflow"\nurl = "http://m:5000"\n'
        '[sources.t.leaderboard]\nrank = "best"\n'
    )
    assert "sources.t.leaderboard.rank" in message


def test_changing_what_ranks_runs_changes_the_settings_key() -> None:
    a = MlflowSettings(url="http://m:5000")
    b = MlflowSettings(url="http://m:5000")
    b.leaderboard.metric = "val_auc"
    assert settings_key(a) != settings_key(b)


def test_building_a_file_source_resolves_its_path_beside_the_config(tmp_path: Path) -> None:
    context = BuildContext(tmp_path)
    assert context.resolve("okrs.toml") == tmp_path / "okrs.toml"
    assert context.resolve("/abs/okrs.toml") == Path("/abs/okrs.toml")


def test_the_paid_call_allowance_does_not_shape_the_data() -> None:
    # Raising the allowance must not turn the next sync into a full one (more paid calls).
    from cockpit.kinds import AwsCostSettings

    assert settings_key(AwsCostSettings(daily_paid_calls=3)) == settings_key(
        AwsCostSettings(daily_paid_calls=6)
    )
    assert settings_key(AwsCostSettings(tag_key="team")) != settings_key(AwsCostSettings())
