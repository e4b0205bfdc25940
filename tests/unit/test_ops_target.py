"""How the operator commands find their stack: samconfig.toml environments and the options."""

from __future__ import annotations

from pathlib import Path

import pytest
from crowdcare_local.ops.target import (
    DeployedStack,
    LocalTarget,
    TargetError,
    resolve_target,
    samconfig_stack,
)
from crowdcare_local.template import REPO_ROOT

SAMCONFIG = REPO_ROOT / "samconfig.toml"


def _resolve(**options: object) -> object:
    values: dict[str, object] = {
        "stack": None,
        "config_env": None,
        "config_file": SAMCONFIG,
        "local": False,
        "endpoint_url": None,
        "region": None,
        "profile": None,
    }
    return resolve_target(**{**values, **options})  # type: ignore[arg-type]


def test_config_env_names_the_environments_stack_and_region() -> None:
    """`--config-env prod` means samconfig.toml's prod stack in its region."""
    assert samconfig_stack(SAMCONFIG, "prod") == ("crowdcare-prod", "us-east-1")


def test_unknown_config_env_lists_the_known_ones() -> None:
    """An environment samconfig.toml does not have is refused with the ones it has."""
    with pytest.raises(TargetError, match="known: default, dev, prod"):
        samconfig_stack(SAMCONFIG, "staging")


def test_missing_samconfig_is_a_clear_error(tmp_path: Path) -> None:
    """A samconfig.toml that is not there is named in the error."""
    with pytest.raises(TargetError, match="not found"):
        samconfig_stack(tmp_path / "samconfig.toml", "prod")


def test_no_stack_named_is_refused() -> None:
    """Without --stack, --config-env or --local the command refuses to guess."""
    with pytest.raises(TargetError, match="say which stack"):
        _resolve()


def test_config_env_builds_a_deployed_target_without_calling_aws() -> None:
    """--config-env dev gives the dev stack (CloudFormation is only read on first use)."""
    target = _resolve(config_env="dev")
    assert isinstance(target, DeployedStack)
    assert target.name == "crowdcare-dev"


def test_local_needs_the_emulators_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """--local without --endpoint-url or AWS_ENDPOINT_URL is refused; with one, the local
    stack's resource names follow its naming."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(TargetError, match="endpoint"):
        _resolve(local=True)
    target = _resolve(local=True, endpoint_url="http://127.0.0.1:1")
    assert isinstance(target, LocalTarget)
    assert target.physical("MentionsTable") == "crowdcare-MentionsTable"
    assert target.physical("TriageStateMachine").endswith(
        ":stateMachine:crowdcare-TriageStateMachine"
    )
    assert "crowdcare-TriageParkingAlarm" in target.alarm_names()
