"""In-memory fakes of the Analytics ports (AnalyticsStore, AggregateReader, ResponderKindLookup)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import ResponderKind
from crowdcare.rules.analytics import Counters
from crowdcare.rules.analytics_facts import MAX_TRANSACTION_ITEMS, Increments, MentionCard


class InMemoryAggregates:
    """Cards, counter items and FAQ posts in dicts; `commit` and `commit_cards` are atomic and
    conditional like the table's.

    `before_commit`, when set, runs inside the next commit before its condition is checked:
    tests use it to play a concurrent writer that gets in first.
    """

    def __init__(self) -> None:
        self.cards: dict[str, MentionCard] = {}
        self.items: dict[tuple[str, str], Counters] = {}
        self.commits = 0
        self.items_written = 0  # card writes + counter item updates, as the table would bill
        self.card_reads = 0
        self.posts: dict[str, FaqPost] = {}  # FAQ posts kept with their cards, by mention id
        self.before_commit: Callable[[], None] | None = None

    def load_card(self, mention_id: str) -> MentionCard | None:
        self.card_reads += 1
        return self.cards.get(mention_id)

    def commit(self, card: MentionCard, expected_version: int, increments: Increments) -> bool:
        return self.commit_cards(((card, expected_version),), increments)

    def load_cards(self, mention_ids: Sequence[str]) -> dict[str, MentionCard]:
        self.card_reads += len(set(mention_ids))
        return {m: self.cards[m] for m in mention_ids if m in self.cards}

    def commit_cards(
        self,
        cards: Sequence[tuple[MentionCard, int]],
        increments: Increments,
        posts: Sequence[FaqPost] = (),
    ) -> bool:
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook()
        if len(cards) + len(increments) + len(posts) > MAX_TRANSACTION_ITEMS:
            raise ValueError("a transaction holds at most 100 items")
        for card, expected_version in cards:
            stored = self.cards.get(card.mention_id)
            if (stored.version if stored else 0) != expected_version:
                return False
        for card, _expected in cards:
            self.cards[card.mention_id] = card
        for key, counters in increments.items():
            item = self.items.setdefault(key, {})
            for name, value in counters.items():
                item[name] = item.get(name, 0) + value
        for post in posts:
            self.posts[post.id] = post
        self.commits += 1
        self.items_written += len(cards) + len(increments) + len(posts)
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
