"""The weekly digest: last week's figures against the week before, emailed to every admin.

It reads what is already kept (two Queries of day items, the last FAQ run), renders one email
(`render_digest`, pure) and sends it to each admin once: the week is claimed first, so a retried
run does not mail anyone twice. The advocates who helped most come from the ledger's weekly
aggregates once they exist; until then the digest says so instead of guessing.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

from crowdcare.domain.faq import FaqCandidate
from crowdcare.domain.messages import Message
from crowdcare.domain.models import Frozen
from crowdcare.ports import AdminDirectory, DigestLog, DigestMailer, LatestFaqRun
from crowdcare.rules.analytics import Figures
from crowdcare.services.analytics import AnalyticsQuery

TOP = 5
NO_ADVOCATES_NOTE = (
    "Advocates who helped most: not shown yet (the ledger keeps no weekly aggregates)."
)


class RisingTopic(Frozen):
    topic: str
    mentions: int
    previous: int


class Digest(Frozen):
    """What one week's email says."""

    week_start: date
    week: Figures
    previous: Figures
    rising: tuple[RisingTopic, ...]
    faq: tuple[FaqCandidate, ...]


def rising_topics(week: Figures, previous: Figures, top: int = TOP) -> tuple[RisingTopic, ...]:
    """The week's topics that grew most against the week before (new topics count from 0)."""
    before = {t.topic: t.mentions for t in previous.top_topics}
    grown = [
        RisingTopic(topic=t.topic, mentions=t.mentions, previous=before.get(t.topic, 0))
        for t in week.top_topics
        if t.mentions > before.get(t.topic, 0)
    ]
    grown.sort(key=lambda r: (-(r.mentions - r.previous), r.topic))
    return tuple(grown[:top])


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.0f} min"


def render_digest(digest: Digest, brand: str) -> Message:
    """The email: a few comparable lines, then the rising topics and the FAQ candidates."""
    w, p = digest.week, digest.previous
    lines = [
        f"{brand}: the week of {digest.week_start.isoformat()} against the week before",
        "",
        f"Mentions: {w.received} (before: {p.received})",
        f"Response rate: {_pct(w.response_rate)} (before: {_pct(p.response_rate)})",
        f"Median first response: {_minutes(w.first_response_median_seconds)}"
        f" (before: {_minutes(p.first_response_median_seconds)})",
        f"Within SLA: {_pct(w.sla_attainment)} (before: {_pct(p.sla_attainment)})",
        f"Answered by the community: {_pct(w.advocate_share)} (before: {_pct(p.advocate_share)})",
        "",
        "Top rising topics:",
        *(
            [f"  {r.topic}: {r.mentions} (before: {r.previous})" for r in digest.rising]
            or ["  none this week"]
        ),
        "",
        "FAQ candidates:",
        *(
            [
                f"  {c.label} ({c.kind}, {c.size} posts{', rising' if c.root_cause else ''})"
                for c in digest.faq
            ]
            or ["  none yet"]
        ),
        "",
        NO_ADVOCATES_NOTE,
    ]
    text = "\n".join(lines)
    body = "".join(f"<p>{html.escape(line)}</p>" if line else "" for line in lines)
    return Message(
        subject=f"{brand} weekly digest: {w.received} mentions, {_pct(w.response_rate)} answered",
        text=text,
        html=f"<html><body>{body}</body></html>",
        sms="",
    )


class WeeklyDigest:
    """Builds last week's digest and mails it to every admin, once per week."""

    def __init__(
        self,
        *,
        query: AnalyticsQuery,
        faq: LatestFaqRun,
        admins: AdminDirectory,
        mailer: DigestMailer,
        log: DigestLog,
        brand: str,
    ) -> None:
        self._query = query
        self._faq = faq
        self._admins = admins
        self._mailer = mailer
        self._log = log
        self._brand = brand

    def build(self, today: date) -> Digest:
        """The digest of the last full week (Monday to Sunday) before `today`."""
        week_start = today - timedelta(days=today.weekday() + 7)
        week = self._query.figures(week_start, week_start + timedelta(days=6)).totals
        previous = self._query.figures(
            week_start - timedelta(days=7), week_start - timedelta(days=1)
        ).totals
        run = self._faq.latest()
        return Digest(
            week_start=week_start,
            week=week,
            previous=previous,
            rising=rising_topics(week, previous),
            faq=() if run is None else run.candidates[:TOP],
        )

    def send(self, today: date) -> int:
        """Mail the digest to each admin; 0 when this week's was already sent."""
        digest = self.build(today)
        if not self._log.claim(digest.week_start):
            return 0
        message = render_digest(digest, self._brand)
        recipients = list(dict.fromkeys(self._admins.admin_emails()))
        for address in recipients:
            self._mailer.send(address, message)
        return len(recipients)
