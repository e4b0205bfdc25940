"""Points awarded through the ledger, each movement once, by the rules in force.

* `posted`: the platform confirmed a reply: the reply, the SLA and speed bonuses, an untouched
  approval (nothing for employees by default, for a reply to one's own post, or past the daily
  limit of replies to one author);
* `rejected`: an employee rejected the reply;
* `reach_measured`: the tracker read a reply's reach: only the difference to the reach bonus
  already given is written, as the n-th reach entry of the reply (so a replayed measurement
  writes nothing, and a concurrent one loses the race on the same key); and the author's thanks
  (their like, or an answer of theirs that says thanks: crowdcare.rules.thanks), once;
* `removed`: the reply is gone from the platform: everything it earned is reversed at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crowdcare.domain.models import Responder, ResponderKind
from crowdcare.domain.points import LedgerEntry, PointsReason, entry_for
from crowdcare.domain.replies import Reach, Reply
from crowdcare.domain.stored import StoredMention
from crowdcare.ports import (
    AssignmentReader,
    Clock,
    Ledger,
    MentionReader,
    PointsRulesSource,
    ResponderDirectory,
)
from crowdcare.rules.points import Award, PostingFacts, posting_awards, reach_award, refusal
from crowdcare.rules.thanks import author_thanks


def _handle(value: str) -> str:
    return value.strip().lstrip("@").lower()


def owns_post(responder: Responder | None, stored: StoredMention) -> bool:
    """Whether the mention was written by the responder themselves (one of their handles)."""
    if responder is None:
        return False
    author = stored.mention.author
    mine = {_handle(h) for h in responder.handles}
    return _handle(author.handle) in mine or _handle(author.id) in mine


def language_of(stored: StoredMention) -> str | None:
    """The mention's language as triage found it (else the platform's hint)."""
    if stored.triage is not None:
        return stored.triage.analysis.language
    return stored.mention.lang_hint


def topics_of(stored: StoredMention) -> tuple[str, ...]:
    """The mention's topics as triage found them (the boards it counts on)."""
    return () if stored.triage is None else stored.triage.analysis.topics


@dataclass
class PointsAwarder:
    """Writes the ledger entries a reply's life earns, by the rules read at each call."""

    ledger: Ledger
    rules: PointsRulesSource
    mentions: MentionReader
    assignments: AssignmentReader
    responders: ResponderDirectory
    clock: Clock

    def _entry(
        self,
        reply: Reply,
        award: Award,
        at: datetime,
        language: str | None,
        *,
        sequence: int | None = None,
        topics: tuple[str, ...] = (),
    ) -> LedgerEntry:
        key = reply.mention_id if award.reason is PointsReason.REPLY_POSTED else reply.reply_id
        return entry_for(
            reply.responder_id,
            award.reason,
            key,
            at,
            points=award.points,
            mention_id=reply.mention_id,
            reply_id=reply.reply_id,
            language=language,
            figures=award.figures,
            sequence=sequence,
            topics=topics,
        )

    def _reply_entries(self, reply: Reply) -> list[LedgerEntry]:
        return [
            e for e in self.ledger.for_responder(reply.responder_id) if e.reply_id == reply.reply_id
        ]

    def posted(self, reply: Reply) -> list[LedgerEntry]:
        """The entries a confirmed post earns (written once; a redelivery rewrites nothing)."""
        stored = self.mentions.get(reply.mention_id)
        if stored is None:
            return []
        rules = self.rules()
        now = self.clock()
        responder = self.responders.get(reply.responder_id)
        author = stored.mention.author.id
        today = [
            e
            for e in self.ledger.for_responder(reply.responder_id)
            if e.reason is PointsReason.REPLY_POSTED
            and e.figures.get("author") == author
            and e.at.date() == now.date()
            and e.reply_id != reply.reply_id
        ]
        assignment = self.assignments.get(reply.mention_id)
        mine = assignment is not None and assignment.responder_id == reply.responder_id
        facts = PostingFacts(
            author=author,
            posted_at=reply.posted.posted_at if reply.posted is not None else now,
            employee=responder is not None and responder.kind is ResponderKind.EMPLOYEE,
            own_post=owns_post(responder, stored),
            replies_to_author_today=len(today),
            assigned_at=assignment.assigned_at if assignment is not None and mine else None,
            deadline=assignment.deadline if assignment is not None and mine else None,
            approved_unedited=reply.decided_by is not None and reply.original_text is None,
        )
        if refusal(rules, facts) is not None:
            return []
        language, topics = language_of(stored), topics_of(stored)
        written = []
        for award in posting_awards(rules, facts):
            entry = self._entry(reply, award, now, language, topics=topics)
            if self.ledger.append(entry):
                written.append(entry)
        return written

    def rejected(self, reply: Reply) -> LedgerEntry | None:
        """The entry a rejection costs (written once)."""
        rules = self.rules()
        award = Award(reason=PointsReason.REPLY_REJECTED, points=rules.reply_rejected)
        stored = self.mentions.get(reply.mention_id)
        entry = self._entry(
            reply,
            award,
            self.clock(),
            None if stored is None else language_of(stored),
            topics=() if stored is None else topics_of(stored),
        )
        return entry if award.points and self.ledger.append(entry) else None

    def reach_measured(self, reply: Reply, reach: Reach) -> list[LedgerEntry]:
        """The reach bonus's difference (and the author's thanks), for a reply that earned
        points and was not removed."""
        entries = self._reply_entries(reply)
        reasons = {e.reason for e in entries}
        if PointsReason.REPLY_POSTED not in reasons or PointsReason.REPLY_REMOVED in reasons:
            return []
        rules = self.rules()
        now = self.clock()
        language = next((e.language for e in entries if e.language), None)
        topics = next((e.topics for e in entries if e.topics), ())
        reach_entries = [e for e in entries if e.reason is PointsReason.REACH_BONUS]
        written = []
        award = reach_award(rules, reach, sum(e.points for e in reach_entries))
        if award is not None:
            entry = self._entry(
                reply, award, now, language, sequence=len(reach_entries), topics=topics
            )
            if self.ledger.append(entry):
                written.append(entry)
        thanks = self._thanks(reply, reach, rules.author_thanks)
        if thanks is not None:
            entry = self._entry(reply, thanks, now, language, topics=topics)
            if self.ledger.append(entry):
                written.append(entry)
        return written

    def _thanks(self, reply: Reply, reach: Reach, points: int) -> Award | None:
        """The author's thanks, when the mention's author liked the reply or thanked in an
        answer (once per reply: its ledger key has no sequence)."""
        if not points:
            return None
        if reach.author_thanked:
            return Award(reason=PointsReason.AUTHOR_THANKS, points=points)
        stored = self.mentions.get(reply.mention_id)
        if stored is None:
            return None
        author = stored.mention.author
        reaction = author_thanks(reach.reactions, author.id, author.handle)
        if reaction is None:
            return None
        return Award(
            reason=PointsReason.AUTHOR_THANKS, points=points, figures={"by": reaction.kind.value}
        )

    def removed(self, reply: Reply) -> LedgerEntry | None:
        """Reverse everything a reply earned, once, when the platform no longer has it."""
        entries = self._reply_entries(reply)
        if not entries or any(e.reason is PointsReason.REPLY_REMOVED for e in entries):
            return None
        earned = sum(e.points for e in entries)
        award = Award(
            reason=PointsReason.REPLY_REMOVED, points=-earned, figures={"reversed": earned}
        )
        language = next((e.language for e in entries if e.language), None)
        topics = next((e.topics for e in entries if e.topics), ())
        entry = self._entry(reply, award, self.clock(), language, topics=topics)
        return entry if self.ledger.append(entry) else None
