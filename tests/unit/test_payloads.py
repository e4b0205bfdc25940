"""Webhook bodies become Mentions: generic and X Account Activity payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crowdcare.adapters.platforms.inbound.payloads import (
    GenericMentionPayload,
    InvalidPayloadError,
    XActivityPayload,
    parse_generic,
    parse_x_activity,
    split_x_activity,
)
from crowdcare.domain.models import Platform

from tests.events import load_event

BRAND_ID = "2244994945"


def _body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def _locs(excinfo: pytest.ExceptionInfo[InvalidPayloadError]) -> list[str]:
    return [detail["loc"] for detail in excinfo.value.details]


# --- generic --------------------------------------------------------------------------------


def test_generic_payload_becomes_a_mention() -> None:
    """Every field of the sample generic body lands in the Mention, raw kept for audit."""
    # GIVEN the sample generic body
    body = _body(load_event("generic_mention"))
    # WHEN it is parsed and normalised
    mention = parse_generic(body).to_mention(body.decode())
    # THEN the mention carries the sender's data
    assert mention.mention_id == "generic#forum-88213"
    assert mention.platform is Platform.GENERIC
    assert mention.author.handle == "kayak_kim"
    assert mention.author.followers == 312
    assert mention.lang_hint == "en"
    assert mention.created_at == datetime(2025, 3, 14, 8, 26, 53, tzinfo=UTC)
    assert mention.created_at.utcoffset() == timedelta(hours=1)
    assert mention.url.startswith("https://community.example.com/")
    assert mention.raw == body.decode()


def test_generic_payload_defaults_platform_and_optional_fields() -> None:
    """Only post_id, author id/handle, text and created_at are required."""
    # GIVEN a minimal body
    body = {
        "post_id": "p1",
        "author": {"id": "a1", "handle": "h1"},
        "text": "hi",
        "created_at": "2025-01-01T00:00:00Z",
    }
    # WHEN parsed
    mention = parse_generic(_body(body)).to_mention("{}")
    # THEN the defaults apply
    assert mention.platform is Platform.GENERIC
    assert (mention.url, mention.lang_hint, mention.parent_id) == ("", None, None)
    assert mention.author.display_name == ""
    assert mention.author.verified is False


def test_generic_payload_accepts_another_platform_value() -> None:
    """A sender relaying, say, a Reddit post may say so with `platform`."""
    # GIVEN a body with platform "reddit"
    event = load_event("generic_mention") | {"platform": "reddit"}
    # WHEN parsed / THEN the mention is a Reddit one
    assert parse_generic(_body(event)).to_mention("").mention_id == "reddit#forum-88213"


def test_generic_payload_rejects_a_naive_created_at() -> None:
    """A created_at without a time zone is ambiguous and rejected."""
    # GIVEN a body whose created_at has no offset
    event = load_event("generic_mention") | {"created_at": "2025-03-14T09:26:53"}
    # WHEN parsed
    with pytest.raises(InvalidPayloadError) as excinfo:
        parse_generic(_body(event))
    # THEN created_at is named
    assert _locs(excinfo) == ["created_at"]


def test_generic_payload_errors_name_nested_fields_without_echoing_input() -> None:
    """Validation details give dotted locations and messages, never the submitted values."""
    # GIVEN a body with an empty handle, an unknown platform and an over-long text
    event = load_event("generic_mention")
    event["author"]["handle"] = ""
    event["platform"] = "myspace-secret-value"
    event["text"] = "x" * 40_001
    # WHEN parsed
    with pytest.raises(InvalidPayloadError) as excinfo:
        parse_generic(_body(event))
    # THEN each problem is located, and no input value appears in the details or the message
    assert sorted(_locs(excinfo)) == ["author.handle", "platform", "text"]
    rendered = json.dumps(excinfo.value.details) + str(excinfo.value)
    assert "myspace-secret-value" not in rendered
    assert "xxxx" not in rendered
    assert excinfo.value.__cause__ is None


@pytest.mark.parametrize(
    "missing", ["post_id", "author", "text", "created_at"], ids=lambda name: f"no-{name}"
)
def test_generic_payload_requires_its_fields(missing: str) -> None:
    """Each required field, when absent, is reported by name."""
    # GIVEN the sample without one required field
    event = load_event("generic_mention")
    del event[missing]
    # WHEN parsed
    with pytest.raises(InvalidPayloadError) as excinfo:
        parse_generic(_body(event))
    # THEN that field is reported
    assert _locs(excinfo) == [missing]


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b'{"post_id": ', b"[1, 2]", b"\xff\xfe{}"],
    ids=["empty", "text", "truncated", "array", "not-utf8"],
)
def test_generic_payload_rejects_malformed_json(body: bytes) -> None:
    """A body that is not a JSON object is an invalid payload, located at the body."""
    # GIVEN a malformed body / WHEN parsed
    with pytest.raises(InvalidPayloadError) as excinfo:
        parse_generic(body)
    # THEN the problem is reported at the body
    assert _locs(excinfo) == ["body"]


def test_generic_model_accepts_extra_fields() -> None:
    """Fields a sender adds (like "source" in the sample) are ignored, not rejected."""
    # GIVEN the sample, which carries an extra "source" field
    event = load_event("generic_mention")
    assert "source" in event
    # WHEN validated / THEN it succeeds
    assert GenericMentionPayload.model_validate(event).post_id == "forum-88213"


# --- X Account Activity ---------------------------------------------------------------------


def test_x_payload_yields_the_customers_tweets_only() -> None:
    """Tweets by the brand's own account (for_user_id) are not mentions."""
    # GIVEN the sample delivery: three customer tweets and one reply by the brand
    event = load_event("x_tweet_create_events")
    assert event["for_user_id"] == BRAND_ID
    assert len(event["tweet_create_events"]) == 4
    # WHEN parsed
    mentions = parse_x_activity(_body(event)).mentions("raw")
    # THEN only the three customer tweets remain, in order
    assert [m.author.handle for m in mentions] == ["danarivera", "priya_builds", "kayak_kim"]
    assert all(m.author.id != BRAND_ID for m in mentions)


def test_x_tweet_is_normalised() -> None:
    """id, URL, author, date, reply parent and raw body map onto the Mention."""
    # GIVEN the sample delivery
    body = _body(load_event("x_tweet_create_events"))
    # WHEN parsed
    first, second, _ = parse_x_activity(body).mentions(body.decode())
    # THEN the first tweet is normalised field by field
    assert first.mention_id == "x#1050118621198921728"
    assert first.url == "https://x.com/danarivera/status/1050118621198921728"
    assert first.author.display_name == "Dana Rivera"
    assert first.author.followers == 1843
    assert first.created_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert first.parent_id is None
    assert first.lang_hint == "en"
    assert first.raw == body.decode()
    # AND the second keeps its reply parent and the author's verified badge
    assert second.parent_id == "1050118001122334455"
    assert second.author.verified is True


def test_x_extended_tweet_full_text_is_preferred() -> None:
    """A truncated tweet's text comes from extended_tweet.full_text."""
    # GIVEN the sample's truncated tweet
    event = load_event("x_tweet_create_events")
    truncated = event["tweet_create_events"][1]
    assert truncated["truncated"] is True
    # WHEN parsed
    mention = parse_x_activity(_body(event)).mentions("")[1]
    # THEN the full text is used, not the shortened one with the t.co link
    assert mention.text == truncated["extended_tweet"]["full_text"]
    assert mention.text.endswith("What else can I try?")
    assert "t.co" not in mention.text


def test_x_undetermined_language_becomes_none() -> None:
    """X's "und" language means no hint at all."""
    # GIVEN the sample's emoji-only tweet marked lang "und"
    mention = parse_x_activity(_body(load_event("x_tweet_create_events"))).mentions("")[2]
    # THEN the mention has no language hint
    assert mention.lang_hint is None


def test_x_created_at_keeps_a_non_utc_offset() -> None:
    """X's date format with a non-zero offset gives the same instant."""
    # GIVEN a tweet dated with +0200
    event = load_event("x_tweet_create_events")
    event["tweet_create_events"][0]["created_at"] = "Wed Oct 10 22:19:24 +0200 2018"
    # WHEN parsed
    mention = parse_x_activity(_body(event)).mentions("")[0]
    # THEN the instant is 20:19:24 UTC
    assert mention.created_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    "created_at",
    ["2018-10-10 20:19:24", "Wed Oct 10 20:19:24 2018", "yesterday"],
    ids=["iso-naive", "no-offset", "words"],
)
def test_x_created_at_must_be_x_format_with_offset(created_at: str) -> None:
    """A tweet date that is not X's documented format is rejected."""
    # GIVEN a tweet with an unexpected date
    event = load_event("x_tweet_create_events")
    event["tweet_create_events"][0]["created_at"] = created_at
    # WHEN parsed
    with pytest.raises(InvalidPayloadError) as excinfo:
        parse_x_activity(_body(event))
    # THEN the tweet's date is reported
    assert _locs(excinfo) == ["tweet_create_events.0.created_at"]


def test_x_other_event_types_are_accepted_and_yield_nothing() -> None:
    """A favorite_events delivery is valid and produces no mentions."""
    # GIVEN the sample favorite_events delivery
    payload = parse_x_activity(_body(load_event("x_favorite_events")))
    # WHEN asked for mentions / THEN there are none
    assert payload.mentions("") == []


def test_x_payload_requires_for_user_id_and_tweet_fields() -> None:
    """Missing for_user_id or a tweet's user handle is reported by location."""
    # GIVEN a delivery missing for_user_id and one tweet's screen_name
    event = load_event("x_tweet_create_events")
    del event["for_user_id"]
    del event["tweet_create_events"][2]["user"]["screen_name"]
    # WHEN parsed
    with pytest.raises(InvalidPayloadError) as excinfo:
        parse_x_activity(_body(event))
    # THEN both are located
    assert sorted(_locs(excinfo)) == ["for_user_id", "tweet_create_events.2.user.screen_name"]


def test_x_model_validates_from_a_dict_too() -> None:
    """The model also validates already-parsed JSON (for replays and pollers)."""
    # GIVEN the sample as a dict / WHEN validated / THEN four tweets are read
    payload = XActivityPayload.model_validate(load_event("x_tweet_create_events"))
    assert len(payload.tweet_create_events) == 4


def test_split_x_activity_keeps_the_good_tweets_beside_a_bad_one() -> None:
    """One tweet with a field over its bound is a bad tweet; the others still become mentions."""
    # GIVEN the sample delivery whose first tweet's text is over the 40,000-character bound
    event = load_event("x_tweet_create_events")
    event["tweet_create_events"][0]["text"] = "x" * 40_001
    # WHEN split
    batch = split_x_activity(_body(event))
    # THEN two customer tweets are mentions, the brand's own is ignored, the first is bad
    assert [m.post_id for m in batch.mentions] == ["1050119031771021312", "1050119442108203008"]
    assert batch.ignored == 1
    [bad] = batch.bad
    assert bad.report() == {
        "tweet": 0,
        "reason": "invalid tweet",
        "details": [{"loc": "text", "msg": "String should have at most 40000 characters"}],
    }
    # AND it carries a one-tweet delivery that splits again on its own (what a replay does)
    assert bad.platform == "x"
    again = split_x_activity(bad.payload.encode())
    assert [b.entry_index for b in again.bad] == [0]
    assert json.loads(bad.payload)["for_user_id"] == BRAND_ID


def test_split_x_activity_keeps_the_envelope_strict() -> None:
    """A delivery without for_user_id or with too many tweets is refused as a whole."""
    # GIVEN a delivery without for_user_id, and one of 201 tweets
    event = load_event("x_tweet_create_events")
    no_account = {k: v for k, v in event.items() if k != "for_user_id"}
    too_many = event | {"tweet_create_events": event["tweet_create_events"][:1] * 201}
    # WHEN split / THEN each is an InvalidPayloadError naming the envelope field
    with pytest.raises(InvalidPayloadError) as excinfo:
        split_x_activity(_body(no_account))
    assert _locs(excinfo) == ["for_user_id"]
    with pytest.raises(InvalidPayloadError) as excinfo:
        split_x_activity(_body(too_many))
    assert _locs(excinfo) == ["tweet_create_events"]


def test_split_x_activity_stores_each_tweet_with_its_own_raw() -> None:
    """Each mention keeps a one-tweet delivery as raw, not the whole body once per tweet."""
    # GIVEN the sample delivery / WHEN split
    batch = split_x_activity(_body(load_event("x_tweet_create_events")))
    # THEN each mention's raw holds just its own tweet
    for mention in batch.mentions:
        [tweet] = json.loads(mention.raw)["tweet_create_events"]
        assert tweet["id_str"] == mention.post_id
