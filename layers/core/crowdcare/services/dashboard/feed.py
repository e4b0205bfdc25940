"""The feed: a responder's open assignments, most urgent first; and the queue employees watch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.platforms.outbound.base import LengthLimit
from crowdcare.domain.assignments import Assignment
from crowdcare.domain.dashboard import AuthorView, FeedItem
from crowdcare.domain.models import Mention, Platform
from crowdcare.domain.replies import Reply
from crowdcare.ports import AssignmentReader, Clock, MentionReader, ReplyStore, RulesStore
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.replies.submission import reply_limit

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.stored import StoredMention

# How many earlier posts of a thread the feed shows above a mention.
QUEUE_PAGE = 100
"""Queued mentions /api/queue shows: the most urgent (a bounded read of the queue index)."""
THREAD_DEPTH = 3


def sla_seconds(rules: TriageRules, band: str) -> int:
    """The SLA of a band: the lifecycle's per-band targets when the rules have them."""
    # Older rules versions have only the single `sla_seconds` target for every band.
    assignment = getattr(rules, "assignment", None)
    sla_for = getattr(assignment, "sla_for", None)
    if callable(sla_for):
        return int(sla_for(band))
    return rules.sla_seconds


def rules_in_force(store: RulesStore) -> TriageRules:
    """The rules in force (the stored document over the defaults)."""
    return TriageRules.model_validate_json(store.read() or "{}")


@dataclass
class FeedService:
    """What a responder has to answer, and what waits for anyone."""

    mentions: MentionReader
    assignments: AssignmentReader
    replies: ReplyStore
    rules_store: RulesStore
    limits: Mapping[Platform, LengthLimit]
    clock: Clock

    def feed(self, principal: Principal) -> list[FeedItem]:
        """The caller's open assignments, most urgent first, then nearest deadline."""
        rules = rules_in_force(self.rules_store)
        now = self.clock()
        # The open ones by key (at most max_open), never the responder's whole history.
        open_items = self.assignments.open_for_responder(principal.responder_id)
        latest: dict[str, Reply] = {}
        for reply in sorted(
            self.replies.by_responder(principal.responder_id), key=lambda r: r.requested_at
        ):
            latest[reply.mention_id] = reply
        items = []
        for assignment in open_items:
            stored = self.mentions.get(assignment.mention_id)
            if stored is None:
                continue
            items.append(
                self._feed_item(stored, assignment, rules, now, latest.get(assignment.mention_id))
            )
        items.sort(key=lambda i: (-i.priority, i.due_at))
        return items

    def queue(self) -> list[dict[str, Any]]:
        """Mentions waiting for someone (every candidate was full, or one was declined)."""
        # The head of the queue index (most urgent first), never a scan of every mention.
        waiting = self.mentions.queued(QUEUE_PAGE)
        return [
            {
                "mention_id": s.mention.mention_id,
                "platform": s.mention.platform.value,
                "text": s.mention.text,
                "author": s.mention.author.handle,
                "priority": s.triage.priority.score if s.triage else 0,
                "band": s.triage.priority.band if s.triage else "",
                "received_at": s.received_at.isoformat(),
            }
            for s in waiting
        ]

    def _thread(self, mention: Mention) -> tuple[dict[str, str], ...]:
        thread: list[dict[str, str]] = []
        parent_id = mention.parent_id
        while parent_id and len(thread) < THREAD_DEPTH:
            parent = self.mentions.get(f"{mention.platform.value}#{parent_id}")
            if parent is None:
                thread.append({"handle": "", "text": "(an earlier post we have not stored)"})
                break
            thread.append({"handle": parent.mention.author.handle, "text": parent.mention.text})
            parent_id = parent.mention.parent_id
        return tuple(reversed(thread))

    def _feed_item(
        self,
        stored: StoredMention,
        assignment: Assignment,
        rules: TriageRules,
        now: datetime,
        latest: Reply | None,
    ) -> FeedItem:
        mention = stored.mention
        triage = stored.triage
        # The lifecycle records the deadline it waits for; before it does, the band's SLA.
        due = assignment.deadline or assignment.assigned_at + timedelta(
            seconds=sla_seconds(rules, assignment.band)
        )
        reasons: tuple[str, ...] = ()
        if triage is not None:
            reasons = triage.priority.reasons + triage.decision.reasons
        return FeedItem(
            mention_id=mention.mention_id,
            platform=mention.platform,
            url=mention.url,
            text=mention.text,
            author=AuthorView(
                handle=mention.author.handle,
                display_name=mention.author.display_name,
                followers=mention.author.followers,
                verified=mention.author.verified,
            ),
            posted_at=mention.created_at,
            thread=self._thread(mention),
            priority=assignment.priority,
            band=assignment.band,
            reasons=reasons,
            topics=triage.analysis.topics if triage else (),
            language=triage.analysis.language if triage else (mention.lang_hint or ""),
            sentiment=triage.analysis.sentiment.label.value if triage else "",
            assigned_at=assignment.assigned_at,
            due_at=due,
            seconds_left=int((due - now).total_seconds()),
            reply_limit=reply_limit(self.limits, mention.platform),
            latest_reply=latest,
        )
