"""In-memory fakes of the Analytics ports (AnalyticsStore, AggregateReader, ResponderKindLookup)."""

from __future__ import annotations

from collections.abc import Callable

from crowdcare.domain.models import ResponderKind
from crowdcare.rules.analytics import Counters
from crowdcare.rules.analytics_facts import Increments, MentionCard


class InMemoryAggregates:
    """Cards and counter items in dicts; `commit` is atomic and conditional like the table's.

    `before_commit`, when set, runs inside the next commit before its condition is checked:
    tests use it to play a concurrent writer that gets in first.
    """

    def __init__(self) -> None:
        self.cards: dict[str, MentionCard] = {}
        self.items: dict[tuple[str, str], Counters] = {}
        self.commits = 0
        self.items_written = 0  # card writes + counter item updates, as the table would bill
        self.card_reads = 0
        self.before_commit: Callable[[], None] | None = None

    def load_card(self, mention_id: str) -> MentionCard | None:
        self.card_reads += 1
        return self.cards.get(mention_id)

    def commit(self, card: MentionCard, expected_version: int, increments: Increments) -> bool:
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook()
        stored = self.cards.get(card.mention_id)
        if (stored.version if stored else 0) != expected_version:
            return False
        self.cards[card.mention_id] = card
        for key, counters in increments.items():
            item = self.items.setdefault(key, {})
            for name, value in counters.items():
                item[name] = item.get(name, 0) + value
        self.commits += 1
        self.items_written += 1 + len(increments)
        return True

    def buckets(self, dimension: str, first: str, last: str) -> list[tuple[str, Counters]]:
        return sorted(
            (bucket, dict(counters))
            for (dim, bucket), counters in self.items.items()
            if dim == dimension and first <= bucket <= last
        )


class FakeResponderKinds:
    """Responder kinds from a dict; counts lookups so tests can see the cache work."""

    def __init__(self, kinds: dict[str, ResponderKind] | None = None) -> None:
        self.kinds = dict(kinds or {})
        self.lookups = 0

    def __call__(self, responder_id: str) -> ResponderKind | None:
        self.lookups += 1
        return self.kinds.get(responder_id)
