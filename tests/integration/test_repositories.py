"""MentionRepository and ResponderRepository against moto DynamoDB, and the item mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from crowdcare.adapters.dynamodb.repositories import (
    MentionRepository,
    ResponderRepository,
    from_item,
    to_item,
)
from crowdcare.domain.models import (
    Author,
    Mention,
    MentionStatus,
    Platform,
    Responder,
    ResponderKind,
)
from crowdcare.domain.triage import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    Triage,
)

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws

RECEIVED_AT = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
# A non-UTC offset shows that the zone itself survives, not just the instant.
CREATED_AT = datetime(2025, 3, 1, 13, 0, 0, 123000, tzinfo=timezone(timedelta(hours=1)))


def mention(post_id: str = "1890000000000000001", text: str = "My order never arrived") -> Mention:
    return Mention(
        platform=Platform.X,
        post_id=post_id,
        url=f"https://x.com/bob/status/{post_id}",
        author=Author(id="u1", handle="@bob", followers=120, verified=False),
        text=text,
        lang_hint="en",
        created_at=CREATED_AT,
        raw='{"id_str": "1890000000000000001"}',
    )


def triage() -> Triage:
    return Triage(
        analysis=Analysis(
            language="en",
            sentiment=Sentiment(
                label=SentimentLabel.NEGATIVE,
                scores=SentimentScores(positive=0.05, negative=0.7125, neutral=0.2375, mixed=0.0),
                compound=-0.6249,
            ),
            intent=Intent.COMPLAINT,
            key_phrases=("order never arrived",),
            topics=("shipping",),
        ),
        priority=Priority(score=64, band="P2", reasons=("negative sentiment -0.62",)),
        decision=RouteDecision(
            route=RouteKind.COMMUNITY, reasons=("community: 1 advocate(s)",), candidates=("ana",)
        ),
    )


@pytest.fixture
def mentions(core_aws: CoreAws) -> MentionRepository:
    """The repository over the moto Mentions table."""
    return MentionRepository(core_aws.dynamodb, core_aws.mentions_table)


def test_put_if_new_stores_a_post_once(mentions: MentionRepository) -> None:
    """The first put of a post stores it; a redelivery of the same post is a no-op."""
    # GIVEN an empty table
    # WHEN the same post is put twice, the second time with different text
    first = mentions.put_if_new(mention(), RECEIVED_AT)
    second = mentions.put_if_new(mention(text="edited"), RECEIVED_AT + timedelta(seconds=9))
    # THEN only the first write happened
    assert (first, second) == (True, False)
    stored = mentions.get("x#1890000000000000001")
    assert stored is not None
    assert stored.mention.text == "My order never arrived"
    assert stored.received_at == RECEIVED_AT


def test_get_returns_the_mention_with_aware_created_at(mentions: MentionRepository) -> None:
    """get returns the stored mention equal to the one put, its created_at still zone-aware."""
    # GIVEN a stored mention created at 13:00:00.123 +01:00
    mentions.put_if_new(mention(), RECEIVED_AT)
    # WHEN it is read back
    stored = mentions.get("x#1890000000000000001")
    # THEN it is the same mention, in status received, with the same offset
    assert stored is not None
    assert stored.mention == mention()
    assert stored.mention.created_at.utcoffset() == timedelta(hours=1)
    assert stored.status is MentionStatus.RECEIVED
    assert stored.triage is None


def test_get_of_unknown_mention_is_none(mentions: MentionRepository) -> None:
    """Reading a mention that was never stored gives None."""
    # GIVEN an empty table
    # WHEN an unknown id is read
    # THEN there is nothing
    assert mentions.get("x#404") is None


def test_record_triage_stores_triage_and_status(mentions: MentionRepository) -> None:
    """record_triage stores the full Triage (floats included) and moves the status on."""
    # GIVEN a stored mention
    mentions.put_if_new(mention(), RECEIVED_AT)
    # WHEN triage is recorded
    mentions.record_triage("x#1890000000000000001", triage(), MentionStatus.TRIAGED)
    # THEN it reads back equal, with the new status
    stored = mentions.get("x#1890000000000000001")
    assert stored is not None
    assert stored.triage == triage()
    assert stored.status is MentionStatus.TRIAGED


def test_record_triage_on_missing_mention_fails(mentions: MentionRepository) -> None:
    """Recording triage for a mention that does not exist fails instead of creating a stub."""
    # GIVEN an empty table
    # WHEN triage is recorded for an unknown id
    with pytest.raises(ClientError) as raised:
        mentions.record_triage("x#404", triage(), MentionStatus.TRIAGED)
    # THEN the conditional check failed and nothing was created
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert mentions.get("x#404") is None


def test_set_status_moves_the_mention(mentions: MentionRepository) -> None:
    """set_status changes the status and is visible to scan."""
    # GIVEN a stored mention
    mentions.put_if_new(mention(), RECEIVED_AT)
    # WHEN it is queued with a detail
    mentions.set_status("x#1890000000000000001", MentionStatus.QUEUED, "no candidate")
    # THEN get and scan see the new status, and the detail does not break the model
    stored = mentions.get("x#1890000000000000001")
    assert stored is not None
    assert stored.status is MentionStatus.QUEUED
    assert [s.status for s in mentions.scan()] == [MentionStatus.QUEUED]


def test_set_status_on_missing_mention_fails(mentions: MentionRepository) -> None:
    """set_status on an unknown mention raises ConditionalCheckFailed and creates nothing."""
    # GIVEN an empty table
    # WHEN the status of an unknown mention is set
    with pytest.raises(ClientError) as raised:
        mentions.set_status("x#404", MentionStatus.ASSIGNED, "to ana")
    # THEN the write was refused
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert mentions.scan() == []


def test_scan_returns_every_mention(mentions: MentionRepository) -> None:
    """scan returns each stored mention once."""
    # GIVEN three stored posts
    for post_id in ("1", "2", "3"):
        mentions.put_if_new(mention(post_id=post_id), RECEIVED_AT)
    # WHEN the table is scanned
    found = mentions.scan()
    # THEN all three come back
    assert sorted(s.mention.post_id for s in found) == ["1", "2", "3"]


def test_responders_round_trip(core_aws: CoreAws) -> None:
    """A responder put is read back equal, listed, and an unknown id gives None."""
    # GIVEN a responder with a fractional reputation and a phone
    responders = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    ana = Responder(
        responder_id="ana",
        kind=ResponderKind.ADVOCATE,
        name="Ana",
        email="ana@example.com",
        phone="+34600111222",
        languages=("es", "en"),
        reputation=0.875,
    )
    # WHEN it is stored
    responders.put(ana)
    # THEN it reads back equal
    assert responders.get("ana") == ana
    assert responders.list_all() == [ana]
    assert responders.get("nobody") is None


def test_nested_floats_and_ints_round_trip() -> None:
    """to_item/from_item keep floats as floats and ints as ints, at any depth; None is dropped."""
    # GIVEN values with nested floats, ints, lists and a None
    values: dict[str, Any] = {
        "score": 0.1,
        "count": 3,
        "whole_float": 2.5,
        "nested": {"compound": -0.6249, "n": 7, "deep": {"xs": [0.3, 1, -2.75]}},
        "tags": ["a", "b"],
        "flag": True,
        "missing": None,
    }
    # WHEN they go to an item and back
    item = to_item(values)
    back = from_item(item)
    # THEN they are equal (None dropped) and of the same types
    expected = {k: v for k, v in values.items() if v is not None}
    assert back == expected
    assert isinstance(back["score"], float)
    assert isinstance(back["count"], int)
    assert isinstance(back["nested"]["deep"]["xs"][1], int)
    assert isinstance(back["nested"]["deep"]["xs"][0], float)
    assert item["score"] == {"N": "0.1"}


def test_nested_floats_round_trip_through_dynamodb(core_aws: CoreAws) -> None:
    """An item with nested floats survives a real (moto) put and get unchanged."""
    # GIVEN an item with nested floats
    values = {"mention_id": "t#1", "scores": {"a": 0.1, "b": 1e-7, "c": 12345.678}, "n": 10}
    # WHEN it is written and read back
    core_aws.dynamodb.put_item(TableName=core_aws.mentions_table, Item=to_item(values))
    item = core_aws.dynamodb.get_item(
        TableName=core_aws.mentions_table, Key={"mention_id": {"S": "t#1"}}
    )["Item"]
    # THEN the values are unchanged
    assert from_item(item) == values


def test_the_open_status_index_finds_only_mentions_still_in_a_swept_status(
    core_aws: CoreAws,
) -> None:
    """GIVEN two received mentions and one of them replied, WHEN the sweeper's index is queried
    for received mentions older than now, THEN only the open one is found; a claim restarts its
    clock (counted once), and a second claim of the same finding is refused."""
    clock = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table, lambda: clock[0])
    received = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    repo.put_if_new(mention("1"), received)
    repo.put_if_new(mention("2"), received)
    repo.set_status("x#2", MentionStatus.REPLIED, "https://x.com/brand/status/9")
    [stuck] = repo.stuck(MentionStatus.RECEIVED, clock[0], limit=10)
    assert stuck.mention_id == "x#1"
    assert repo.stuck(MentionStatus.RECEIVED, received, limit=10) == []
    assert repo.claim_redrive(stuck) == 1
    assert repo.claim_redrive(stuck) is None
    assert repo.stuck(MentionStatus.RECEIVED, clock[0], limit=10) == []
    stored = repo.get("x#1")
    assert stored is not None
    assert stored.status is MentionStatus.RECEIVED
