"""An author's earlier mentions: the Mentions table's by_author index on moto, and the fake
that unit tests use, answering the same questions the same way."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.domain.models import Author, MentionStatus, Platform
from crowdcare.domain.stored import StoredMention
from crowdcare.ports import AuthorHistory
from crowdcare.testing.builders import NOON, a_mention
from crowdcare.testing.replies import InMemoryMentions

if TYPE_CHECKING:
    from crowdcare.domain.models import Mention

    from tests.integration.conftest import CoreAws

OWEN = Author(id="u1", handle="@owen")
OTHER = Author(id="u2", handle="@ann")


def _posts() -> list[Mention]:
    """Owen's seven X posts an hour apart, one of Ann's, and Owen's id on Mastodon."""
    owen = [
        a_mention(str(n), author=OWEN, created_at=NOON + timedelta(hours=n), text=f"post {n}")
        for n in range(7)
    ]
    ann = a_mention("ann", author=OTHER, created_at=NOON + timedelta(minutes=30))
    same_id_elsewhere = a_mention(
        "m1", platform=Platform.MASTODON, author=OWEN, created_at=NOON + timedelta(minutes=10)
    )
    return [*owen, ann, same_id_elsewhere]


def _repository(core_aws: CoreAws) -> AuthorHistory:
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    for mention in _posts():
        repo.put_if_new(mention, mention.created_at)
    return repo


def _fake(core_aws: CoreAws) -> AuthorHistory:
    fake = InMemoryMentions()
    for mention in _posts():
        fake.add(StoredMention(mention, mention.created_at, MentionStatus.RECEIVED))
    return fake


@pytest.mark.parametrize("build", [_repository, _fake], ids=["dynamodb", "fake"])
def test_earlier_mentions_are_the_authors_last_few_on_that_platform(
    core_aws: CoreAws, build: object
) -> None:
    """GIVEN an author's seven posts, another author's and the same id on another platform
    WHEN the posts before the sixth are asked for, three at most THEN the three just before
    it come back newest first, none of the others."""
    history = build(core_aws)  # type: ignore[operator]
    sixth = a_mention("5", author=OWEN, created_at=NOON + timedelta(hours=5), text="post 5")

    earlier = history.earlier_by_author(sixth, 3)

    assert [p.mention_id for p in earlier] == ["x#4", "x#3", "x#2"]
    assert [p.text for p in earlier] == ["post 4", "post 3", "post 2"]
    assert earlier[0].posted_at == NOON + timedelta(hours=4)
    assert earlier[0].url == "https://x.com/owen/status/4"
    first = a_mention("0", author=OWEN, created_at=NOON, text="post 0")
    assert history.earlier_by_author(first, 5) == []


def test_the_author_index_keys_stay_out_of_the_stored_mention(core_aws: CoreAws) -> None:
    """GIVEN a mention stored with its author index keys WHEN it is read back THEN it equals the
    mention written (the index attributes are storage details)."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    mention = a_mention("9", author=OWEN)
    repo.put_if_new(mention, NOON)

    stored = repo.get(mention.mention_id)

    assert stored is not None
    assert stored.mention == mention
