"""Monthly recognition on fakes: last month's top advocates (from the month's board, employees
and suppressed addresses left out) each thanked once, the admins sent the list once, and a
failed send retried alone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from crowdcare.domain.errors import ProviderUnavailableError
from crowdcare.domain.models import ResponderKind
from crowdcare.domain.points import PointsReason, entry_for
from crowdcare.services.rewards.recognition import MonthlyRecognition, last_month
from crowdcare.testing.builders import a_responder
from crowdcare.testing.fakes import FakeEmailSender, FakeSentChannels
from crowdcare.testing.replies import InMemoryLedger, InMemoryResponders

MARCH = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
RUN_ON = date(2026, 4, 1)


class Admins:
    def __init__(self, *emails: str) -> None:
        self.emails = list(emails)

    def admin_emails(self) -> list[str]:
        return self.emails


def recognition(
    points: dict[str, int], top: int = 2, outages: int = 0
) -> tuple[MonthlyRecognition, FakeEmailSender, FakeSentChannels]:
    """Last month's (March's) points per responder, plus an April entry that must not count."""
    ledger, responders = InMemoryLedger(), InMemoryResponders()
    for n, (rid, value) in enumerate(points.items()):
        kind = ResponderKind.EMPLOYEE if rid.startswith("emp") else ResponderKind.ADVOCATE
        responders.upsert(a_responder(rid, kind, email_suppressed=rid.endswith("bounced")))
        ledger.append(entry_for(rid, PointsReason.REPLY_POSTED, f"x#{n}", MARCH, points=value))
    ledger.append(
        entry_for(
            "adv.late",
            PointsReason.REPLY_POSTED,
            "x#late",
            datetime(2026, 4, 1, tzinfo=UTC),
            points=99,
        )
    )
    mailer, sent = FakeEmailSender(outages=outages), FakeSentChannels()
    service = MonthlyRecognition(
        ledger=ledger,
        responders=responders,
        admins=Admins("zoe@example.com", "ZOE@example.com", "max@example.com"),
        mailer=mailer,
        sent=sent,
        brand="Brightwave",
        top=top,
    )
    return service, mailer, sent


def test_last_month_is_the_month_before_including_across_a_year() -> None:
    """Run on 1 April: March; run on 15 January: December of the year before."""
    assert last_month(RUN_ON) == date(2026, 3, 1)
    assert last_month(date(2027, 1, 15)) == date(2026, 12, 1)


def test_the_top_advocates_and_the_admins_are_each_mailed_once() -> None:
    """GIVEN March's board with an employee on top, a bounced address and a zero WHEN run on
    1 April THEN the two best reachable advocates, placed 1 and 2 among themselves, get their
    thanks and each admin (once per address) the list; a second run sends nothing."""
    service, mailer, _ = recognition(
        {
            "emp.owen": 90,
            "adv.ana": 40,
            "adv.bounced": 35,
            "adv.ben": 20,
            "adv.cy": 10,
            "adv.dee": 0,
        }
    )
    run = service.run(RUN_ON)
    assert run.month == "2026-03"
    assert [(a.rank, a.responder_id, a.points) for a in run.advocates] == [
        (1, "adv.ana", 40),
        (2, "adv.ben", 20),
    ]
    assert [m.to for m in mailer.sent] == [
        "adv.ana@example.com",
        "adv.ben@example.com",
        "zoe@example.com",
        "max@example.com",
    ]
    assert "#1 of Brightwave's top 2" in mailer.sent[0].message.text
    assert "Adv.Ben <adv.ben@example.com>: 20 points, 1 replies" in mailer.sent[2].message.text
    assert mailer.sent[0].tags == {}
    again = service.run(date(2026, 4, 2))
    assert (again.emails, len(mailer.sent)) == (0, 4)


def test_a_run_failed_by_ses_is_completed_by_its_retry() -> None:
    """GIVEN SES throttling the first send WHEN the run fails and Lambda retries it THEN the
    retry sends what the failure left unsent, and nobody gets two."""
    service, mailer, _ = recognition({"adv.ana": 40}, outages=1)
    with pytest.raises(ProviderUnavailableError):
        service.run(RUN_ON)
    run = service.run(RUN_ON)
    assert run.emails == 3  # Ana's thanks, and two admin addresses (one listed twice)
    assert sorted(m.to for m in mailer.sent) == [
        "adv.ana@example.com",
        "max@example.com",
        "zoe@example.com",
    ]


def test_a_month_without_points_tells_the_admins_so() -> None:
    """GIVEN nobody earned points in March THEN no advocate is mailed and the admins read so."""
    service, mailer, _ = recognition({})
    run = service.run(RUN_ON)
    assert run.advocates == ()
    assert {m.to for m in mailer.sent} == {"zoe@example.com", "max@example.com"}
    assert "No advocate earned points this month." in mailer.sent[0].message.text
