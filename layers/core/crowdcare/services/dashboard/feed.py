"""The feed: a responder's open assignments, most urgent first (the queue: queue.QueueDesk)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from crowdcare.adapters.platforms.outbound.base import LengthLimit
from crowdcare.domain.assignments import Assignment
from crowdcare.domain.dashboard import AuthorView, FeedItem
from crowdcare.domain.models import Platform
from crowdcare.domain.replies import Reply
from crowdcare.ports import (
    AssignmentReader,
    AuthorHistory,
    Clock,
    MentionReader,
    ReplyStore,
    RulesStore,
)
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.dashboard.access import card_reasons, earlier_mentions, thread_of
from crowdcare.services.replies.submission import reply_limit

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.stored import StoredMention


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
    history: AuthorHistory

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

    def version(self, principal: Principal) -> str:
        """A short digest of what the caller's feed shows: it changes when an assignment or a
        reply of theirs changes (the page's long poll compares it, then reloads the feed)."""
        parts = sorted(
            f"{a.mention_id}|{a.status.value}|{a.attempt}"
            for a in self.assignments.for_responder(principal.responder_id)
        ) + sorted(
            f"{r.reply_id}|{r.status.value}"
            for r in self.replies.by_responder(principal.responder_id)
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

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
            thread=thread_of(self.mentions, mention),
            priority=assignment.priority,
            band=assignment.band,
            reasons=card_reasons(stored),
            topics=triage.analysis.topics if triage else (),
            language=triage.analysis.language if triage else (mention.lang_hint or ""),
            sentiment=triage.analysis.sentiment.label.value if triage else "",
            assigned_at=assignment.assigned_at,
            due_at=due,
            seconds_left=int((due - now).total_seconds()),
            reply_limit=reply_limit(self.limits, mention.platform),
            latest_reply=latest,
            earlier=earlier_mentions(self.history, self.replies, mention),
        )
