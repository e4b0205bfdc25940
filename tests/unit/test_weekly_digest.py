"""The weekly digest on fakes: last full week against the one before, rising topics, FAQ
candidates, one email per admin, and never twice for the same week."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crowdcare.domain.messages import Message
from crowdcare.rules.analytics_facts import MentionCard
from crowdcare.services.analytics import AnalyticsQuery
from crowdcare.services.faq_job import FaqCandidate, FaqRun
from crowdcare.services.weekly_digest import NO_ADVOCATES_NOTE, WeeklyDigest
from crowdcare.testing.analytics import InMemoryAggregates

MONDAY = date(2026, 11, 30)
RUN_AT = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)


class Fakes:
    def __init__(self, admins: list[str]) -> None:
        self.admins = admins
        self.sent: list[tuple[str, Message]] = []
        self.claimed: set[date] = set()

    def admin_emails(self) -> list[str]:
        return self.admins

    def send(self, to: str, message: Message) -> str:
        self.sent.append((to, message))
        return f"m{len(self.sent)}"

    def claim(self, week_start: date) -> bool:
        if week_start in self.claimed:
            return False
        self.claimed.add(week_start)
        return True

    def latest(self) -> FaqRun | None:
        candidate = FaqCandidate(
            label="app crash login",
            kind="complaint",
            size=9,
            previous_size=2,
            trend=3.5,
            negative_share=0.9,
            samples=("x#1",),
            representative="app crashes",
            best_answer=None,
            root_cause=True,
        )
        return FaqRun(run_at=RUN_AT, since=RUN_AT, candidates=(candidate,), unclustered=0)


def _aggregates() -> InMemoryAggregates:
    store = InMemoryAggregates()
    store.commit(
        MentionCard(mention_id="seed", version=1),
        0,
        {
            # the week before last (Nov 16-22) and last week (Nov 23-29)
            ("all", "day#2026-11-18"): {"received": 50, "topic.app": 5, "topic.billing": 20},
            ("all", "day#2026-11-25"): {
                "received": 80,
                "topic.app": 30,
                "topic.billing": 18,
                "topic.wifi": 4,
                "needs_reply": 40,
                "replied": 30,
            },
            ("all", "day#2026-11-30"): {"received": 999},  # this week: not in the digest
        },
    )
    return store


def _digest(fakes: Fakes) -> WeeklyDigest:
    return WeeklyDigest(
        query=AnalyticsQuery(_aggregates()),
        faq=fakes,
        admins=fakes,
        mailer=fakes,
        log=fakes,
        brand="Brightwave",
    )


def test_the_digest_compares_last_week_with_the_one_before() -> None:
    """GIVEN two weeks of counters WHEN the digest is built on a Monday THEN it covers the last
    full week, and the rising topics are those that grew, largest growth first."""
    digest = _digest(Fakes([])).build(MONDAY)
    assert digest.week_start == date(2026, 11, 23)
    assert (digest.week.received, digest.previous.received) == (80, 50)
    assert [(r.topic, r.mentions, r.previous) for r in digest.rising] == [
        ("app", 30, 5),
        ("wifi", 4, 0),
    ]


def test_each_admin_gets_one_email_and_a_rerun_sends_none() -> None:
    """GIVEN two admins (one listed twice) WHEN the digest is sent twice for the same week THEN
    each admin got one email naming the figures, FAQ candidates and the advocates' note."""
    fakes = Fakes(["zoe@example.com", "ann@example.com", "zoe@example.com"])
    service = _digest(fakes)
    assert service.send(MONDAY) == 2
    assert service.send(MONDAY) == 0
    assert [to for to, _ in fakes.sent] == ["zoe@example.com", "ann@example.com"]
    message = fakes.sent[0][1]
    assert message.subject == "Brightwave weekly digest: 80 mentions, 75% answered"
    assert "Mentions: 80 (before: 50)" in message.text
    assert "  app: 30 (before: 5)" in message.text
    assert "app crash login (complaint, 9 posts, rising)" in message.text
    assert NO_ADVOCATES_NOTE in message.text
