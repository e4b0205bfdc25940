"""The Responders `by_email` index on moto: SES feedback finds a responder by key, no Scan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.testing.builders import a_responder

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws


def _operations(core_aws: CoreAws) -> list[str]:
    called: list[str] = []

    def record(model: Any, **_: Any) -> None:
        called.append(model.name)

    core_aws.dynamodb.meta.events.register("before-call.dynamodb.*", record)
    return called


def test_a_responder_is_found_by_address_whatever_its_case_without_a_scan(
    core_aws: CoreAws,
) -> None:
    """GIVEN responders, one with a mixed-case address WHEN looked up by the lower-cased
    address SES reports THEN only that responder is found, by a Query; an unknown address
    finds nobody."""
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    repo.put(a_responder("ana", email="Ana.Lopez@Example.com"))
    repo.put(a_responder("ben", email="ben@example.com"))
    called = _operations(core_aws)

    found = repo.by_email("ana.lopez@example.com")

    assert [r.responder_id for r in found] == ["ana"]
    assert found[0].email == "Ana.Lopez@Example.com"
    assert repo.by_email("nobody@example.com") == []
    assert "Scan" not in called
    assert "Query" in called


def test_a_changed_address_moves_in_the_index(core_aws: CoreAws) -> None:
    """GIVEN a responder WHEN the dashboard changes their address THEN the new address finds
    them and the old one no longer does."""
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    repo.put(a_responder("ana", email="ana@example.com"))

    ResponderStore(core_aws.dynamodb, core_aws.responders_table).update(
        "ana", {"email": "ana@new.example.com"}
    )

    assert [r.responder_id for r in repo.by_email("ANA@new.example.com")] == ["ana"]
    assert repo.by_email("ana@example.com") == []
