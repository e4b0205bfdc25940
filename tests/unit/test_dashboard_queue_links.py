"""The responder's day, on fakes: taking from the queue, opening a link, counting a draft."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.adapters.dynamodb.assignments import Assignment, AssignmentStatus
from crowdcare.adapters.platforms.outbound import default_limits
from crowdcare.domain.errors import ConflictError, ForbiddenError
from crowdcare.domain.models import MentionStatus, Platform, ResponderKind
from crowdcare.domain.points import LedgerEntry, PointsReason
from crowdcare.domain.stored import StoredMention
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.rules.availability import choose_channels
from crowdcare.rules.deeplinks import DeepLinkClaims, DeepLinkSigner
from crowdcare.services.dashboard.access import card_reasons
from crowdcare.services.dashboard.composer import LengthMeter
from crowdcare.services.dashboard.links import LinkDesk
from crowdcare.services.dashboard.queue import QueueDesk
from crowdcare.services.dashboard.trust import TrustPolicy
from crowdcare.services.starter import AssignmentStarter
from crowdcare.testing.builders import (
    NOON,
    a_decision,
    a_mention,
    a_priority,
    a_responder,
    an_analysis,
)
from crowdcare.testing.fakes import FakeExecutions, FakeMentions, ManualClock
from crowdcare.testing.replies import InMemoryAssignments, InMemoryLedger

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SIGNER = DeepLinkSigner(b"s" * 32)


def _who(name: str, *roles: Role) -> Principal:
    return Principal(subject=f"sub-{name}", username=name, roles=frozenset(roles))


def _triage(score: int) -> Triage:
    return Triage(analysis=an_analysis(), priority=a_priority(score), decision=a_decision())


def _desk(
    min_rank: str | None = None, ledger: InMemoryLedger | None = None
) -> tuple[QueueDesk, FakeMentions, FakeExecutions]:
    mentions, executions = FakeMentions(), FakeExecutions()
    trust = TrustPolicy(ledger or InMemoryLedger(), ManualClock(NOON))
    desk = QueueDesk(mentions, AssignmentStarter(executions), trust, min_rank)
    return desk, mentions, executions


def _earned(responder_id: str, points: int) -> InMemoryLedger:
    ledger = InMemoryLedger()
    ledger.append(
        LedgerEntry(
            responder_id=responder_id,
            entry_id="e1",
            reason=PointsReason.REPLY_POSTED,
            points=points,
            mention_id="x#0",
            at=NOON,
        )
    )
    return ledger


def test_the_queue_is_most_urgent_first_in_pages() -> None:
    """GIVEN three queued mentions WHEN read two at a time THEN most urgent first, then the rest."""
    desk, mentions, _ = _desk()
    for post_id, score in (("a", 30), ("b", 80), ("c", 55)):
        mentions.add(a_mention(post_id), status=MentionStatus.QUEUED, triage=_triage(score))
    employee = _who("emp.kim", Role.EMPLOYEE)
    first = desk.page(employee, 0, 2)
    assert [i["priority"] for i in first["items"]] == [80, 55]
    assert (first["total"], first["next"]) == (3, 2)
    assert [i["priority"] for i in desk.page(employee, 2, 2)["items"]] == [30]


def test_a_take_starts_the_workflow_for_the_taker_and_a_second_take_is_refused() -> None:
    """GIVEN a queued mention WHEN two employees take it THEN the first starts its assignment
    with the taker as the only candidate and the second is told who was quicker."""
    desk, mentions, executions = _desk()
    mention = a_mention("q")
    mentions.add(mention, status=MentionStatus.QUEUED, triage=_triage(70))
    desk.take(_who("emp.kim", Role.EMPLOYEE), mention.mention_id)
    with pytest.raises(
        ConflictError, match=r"^someone was quicker: emp\.kim took this mention first$"
    ):
        desk.take(_who("emp.lee", Role.EMPLOYEE), mention.mention_id)
    (document,) = executions.started.values()
    decision = json.loads(document)["decision"]
    assert (decision["route"], decision["candidates"]) == (RouteKind.EMPLOYEE.value, ["emp.kim"])
    assert mentions.status(mention.mention_id) is MentionStatus.ASSIGNING


def test_a_failed_start_puts_the_mention_back_in_the_queue() -> None:
    """The workflow cannot start: the mention is queued again and the error is raised."""
    desk, mentions, executions = _desk()
    mention = a_mention("q")
    mentions.add(mention, status=MentionStatus.QUEUED, triage=_triage(70))
    executions.failures.append(RuntimeError("throttled"))
    with pytest.raises(RuntimeError):
        desk.take(_who("emp.kim", Role.EMPLOYEE), mention.mention_id)
    assert mentions.status(mention.mention_id) is MentionStatus.QUEUED


def test_advocates_take_only_when_configured_and_of_the_rank() -> None:
    """GIVEN the queue open to champions WHEN advocates ask THEN one without a rank setting or
    below champion is refused with their rank named, a champion (500 points) may take, and a
    rank the rules do not know admits nobody."""
    advocate = _who("adv.ana", Role.ADVOCATE)
    with pytest.raises(ForbiddenError, match="for employees"):
        _desk()[0].page(advocate)
    with pytest.raises(ForbiddenError, match="rank champion or above; your rank is advocate"):
        _desk("champion", _earned("adv.ana", 200))[0].page(advocate)
    champion, mentions, executions = _desk("champion", _earned("adv.ana", 500))
    mention = a_mention("q")
    mentions.add(mention, status=MentionStatus.QUEUED, triage=_triage(70))
    assert champion.page(advocate)["total"] == 1
    champion.take(advocate, mention.mention_id)
    (document,) = executions.started.values()
    assert json.loads(document)["decision"]["route"] == RouteKind.COMMUNITY.value
    assert not _desk("grandmaster", _earned("adv.ana", 5000))[0].may_take(advocate)


def _links(responder: str = "adv.ana") -> LinkDesk:
    assignments = InMemoryAssignments()
    assignments.put(
        Assignment(
            mention_id="x#1",
            responder_id=responder,
            responder_kind=ResponderKind.ADVOCATE,
            route=RouteKind.COMMUNITY,
            priority=60,
            band="P2",
            assigned_at=NOW,
        )
    )
    return LinkDesk(lambda: SIGNER, assignments, lambda: NOW)


def _token(responder: str, expires: datetime) -> str:
    claims = DeepLinkClaims(mention_id="x#1", responder_id=responder, attempt=1, expires=expires)
    return SIGNER.sign(claims)


@pytest.mark.parametrize(
    ("caller", "token_for", "expires_in", "problem"),
    [
        ("adv.ana", "adv.ana", timedelta(hours=1), None),
        ("adv.ben", "adv.ana", timedelta(hours=1), "not_yours"),
        ("adv.ana", "adv.ana", timedelta(seconds=-1), "expired"),
        ("adv.ben", "adv.ben", timedelta(hours=1), "closed"),
    ],
)
def test_a_link_opens_for_its_responder_only_until_it_expires(
    caller: str, token_for: str, expires_in: timedelta, problem: str | None
) -> None:
    """A link opens its mention for the responder it was signed for, while it is theirs."""
    verdict = _links().open(_who(caller, Role.ADVOCATE), "x#1", _token(token_for, NOW + expires_in))
    assert verdict["opens"] is (problem is None)
    assert verdict.get("problem") == problem


def test_a_closed_assignment_no_longer_opens() -> None:
    """The link is genuine but the assignment closed since: it says so."""
    desk = _links()
    closed = desk.assignments.get("x#1")
    assert closed is not None
    desk.assignments.put(closed.model_copy(update={"status": AssignmentStatus.EXPIRED}))  # type: ignore[attr-defined]
    verdict = desk.open(_who("adv.ana"), "x#1", _token("adv.ana", NOW + timedelta(hours=1)))
    assert verdict["problem"] == "closed"


@pytest.mark.parametrize(
    ("platform", "text", "length", "fits"),
    [
        (Platform.X, "read https://example.com/" + "a" * 80, 5 + 23, True),
        (Platform.X, "漢" * 141, 282, False),
        (Platform.X, "👍🏽" * 140, 280, True),
        (Platform.BLUESKY, "👨‍👩‍👧" * 300, 300, False),  # 300 graphemes but 5,400 bytes
        (Platform.BLUESKY, "e\u0301" * 300, 300, True),
        (Platform.MASTODON, "https://example.com/" + "b" * 600, 23, True),
        (Platform.FACEBOOK, "   ", 0, False),
    ],
)
def test_the_meter_counts_as_the_platform_does(
    platform: Platform, text: str, length: int, fits: bool
) -> None:
    """URLs, emoji, CJK and combining marks count the way the reply is checked on submission."""
    measured = LengthMeter(default_limits()).measure(platform, text)
    assert (measured["length"], measured["fits"]) == (length, fits)


def test_a_card_shows_no_global_sla_reason() -> None:
    """Triage's "waiting … of a 60 min SLA" is left out: the card shows the band's deadline."""
    priority = a_priority(60).model_copy(
        update={"reasons": ("negative sentiment", "waiting 5 min of a 60 min SLA")}
    )
    triage = Triage(analysis=an_analysis(), priority=priority, decision=a_decision())
    stored = StoredMention(a_mention("1"), NOW, MentionStatus.ASSIGNED, triage)
    assert card_reasons(stored) == ("negative sentiment", "route community")


def test_sms_only_skips_email_only_when_a_text_goes_out() -> None:
    """An SMS-only responder gets no email for an urgent notice (a text goes out) but still
    gets one when no text can be sent, so no notice is ever dropped."""
    responder = a_responder("adv.sms").model_copy(
        update={"phone": "+4915112345678", "sms_opt_in": True, "email_off": True}
    )
    urgent = choose_channels(responder, 90, 70, NOW)
    routine = choose_channels(responder, 20, 70, NOW)
    assert (urgent.email, urgent.sms) == (False, True)
    assert (routine.email, routine.sms) == (True, False)
