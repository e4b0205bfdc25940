"""Webhook bodies as pydantic models: the edge where untrusted JSON becomes `Mention`s.

Platforms add fields over time, so unknown fields are ignored; the fields CrowdCare relies on
are required and validated. `parse_generic` and `parse_x_activity` take the raw body and raise
`InvalidPayloadError`, whose `details` say where and what is wrong without echoing any input.
`split_x_activity` is what the X webhook uses: the envelope strict, then each tweet judged on its
own (like a Meta delivery's changes), so one bad tweet is parked instead of costing the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from crowdcare.adapters.platforms.inbound.bounds import MAX_LANG, MAX_URL, edge_mention, is_safe_url
from crowdcare.adapters.platforms.inbound.errors import (
    ErrorDetail,
    InvalidPayloadError,
    error_details,
)
from crowdcare.adapters.platforms.inbound.meta import BadChange, InboundBatch
from crowdcare.domain.models import Mention, Platform

# The error types live in .errors (bounds needs them too); importers of this module keep them.
__all__ = [
    "ErrorDetail",
    "GenericMentionPayload",
    "InvalidPayloadError",
    "XActivityPayload",
    "error_details",
    "parse_generic",
    "parse_x_activity",
    "split_x_activity",
]

INVALID_TWEET = "invalid tweet"
_X_UNDETERMINED_LANG = "und"
_MAX_TEXT = 40_000
_MAX_ID = 256
# A delivery's list of tweets: X sends a handful; the body limit bounds it anyway, this says so.
MAX_TWEETS = 200


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _parse[EdgeT: _Edge](model: type[EdgeT], body: bytes) -> EdgeT:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # `from None`: the chained ValidationError would repeat the input values in a traceback.
        raise InvalidPayloadError(error_details(exc)) from None


class GenericAuthor(_Edge):
    """The author block of a generic webhook body (unknown fields ignored: senders may send
    more than CrowdCare reads). Display name and followers are bounded when the mention is
    built (`edge_mention`: cut and capped, not refused)."""

    id: Annotated[str, Field(min_length=1, max_length=128)]
    handle: Annotated[str, Field(min_length=1, max_length=128)]
    display_name: str = ""
    followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False


class GenericMentionPayload(_Edge):
    """The body of `POST /webhooks/generic`: one mention, described by the sender."""

    platform: Platform = Platform.GENERIC
    post_id: Annotated[str, Field(min_length=1, max_length=_MAX_ID)]
    url: Annotated[str, Field(max_length=MAX_URL)] = ""
    author: GenericAuthor
    text: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
    lang: Annotated[str | None, Field(max_length=MAX_LANG)] = None
    created_at: AwareDatetime
    parent_id: Annotated[str | None, Field(max_length=_MAX_ID)] = None

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        # A javascript: or data: URL would become a link on the dashboard: refused here.
        if not is_safe_url(value):
            raise ValueError("url must be an http or https URL")
        return value

    def to_mention(self, raw: str) -> Mention:
        """The normalised mention; `raw` is the body as received, kept for audit (trimmed)."""
        return edge_mention(
            platform=self.platform,
            post_id=self.post_id,
            url=self.url,
            author_id=self.author.id,
            handle=self.author.handle,
            display_name=self.author.display_name,
            followers=self.author.followers,
            verified=self.author.verified,
            text=self.text,
            lang_hint=self.lang,
            created_at=self.created_at,
            parent_id=self.parent_id,
            raw=raw,
        )


def parse_generic(body: bytes) -> GenericMentionPayload:
    """Validate a generic webhook body or raise `InvalidPayloadError`."""
    return _parse(GenericMentionPayload, body)


class XUser(_Edge):
    """The `user` object of a v1.1 tweet (only what CrowdCare uses)."""

    id_str: Annotated[str, Field(min_length=1, max_length=128)]
    screen_name: Annotated[str, Field(min_length=1, max_length=128)]
    name: str = ""
    followers_count: Annotated[int, Field(ge=0)] = 0
    verified: bool = False


class XExtendedTweet(_Edge):
    """`extended_tweet`: present when a tweet is longer than the legacy 140 characters."""

    full_text: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]


class XTweet(_Edge):
    """A tweet in the v1.1 shape the Account Activity API delivers."""

    id_str: Annotated[str, Field(min_length=1, max_length=_MAX_ID)]
    text: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
    truncated: bool = False
    extended_tweet: XExtendedTweet | None = None
    created_at: AwareDatetime
    in_reply_to_status_id_str: Annotated[str | None, Field(max_length=_MAX_ID)] = None
    lang: str | None = None
    user: XUser
    # Present on a retweet only: the retweeted tweet (not read further).
    retweeted_status: dict[str, Any] | None = None

    @field_validator("created_at", mode="before")
    @classmethod
    def _parse_x_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                # e.g. "Wed Oct 10 20:19:24 +0000 2018"; %z makes the result aware
                return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
            except ValueError:
                raise ValueError(
                    'created_at must look like "Wed Oct 10 20:19:24 +0000 2018"'
                ) from None
        return value

    @property
    def is_retweet(self) -> bool:
        """A retweet repeats someone else's words: the original is what may need an answer."""
        return self.retweeted_status is not None

    @property
    def full_text(self) -> str:
        """The whole text: `extended_tweet.full_text` when X sent it, else `text`."""
        return self.extended_tweet.full_text if self.extended_tweet else self.text

    def to_mention(self, raw: str) -> Mention:
        """The normalised mention; `raw` is the body as received, kept for audit (trimmed)."""
        return edge_mention(
            platform=Platform.X,
            post_id=self.id_str,
            url=f"https://x.com/{self.user.screen_name}/status/{self.id_str}",
            author_id=self.user.id_str,
            handle=self.user.screen_name,
            display_name=self.user.name,
            followers=self.user.followers_count,
            verified=self.user.verified,
            text=self.full_text,
            lang_hint=None if self.lang in (None, _X_UNDETERMINED_LANG) else self.lang,
            created_at=self.created_at,
            parent_id=self.in_reply_to_status_id_str,
            raw=raw,
        )


class XActivityPayload(_Edge):
    """An Account Activity API delivery for the brand's account `for_user_id`.

    Only `tweet_create_events` become mentions; other event lists (favorite_events,
    follow_events, direct_message_events, ...) are accepted and ignored. Among the tweets,
    retweets and the brand's own tweets (its replies and quote-retweets) are not mentions.
    """

    for_user_id: Annotated[str, Field(min_length=1, max_length=_MAX_ID)]
    tweet_create_events: Annotated[list[XTweet], Field(max_length=MAX_TWEETS)] = Field(
        default_factory=list
    )

    def mentions(self, raw: str) -> list[Mention]:
        """The delivery's tweets as mentions, leaving out retweets and the brand's own."""
        return [tweet.to_mention(raw) for tweet in self._mention_tweets()]

    @property
    def ignored(self) -> int:
        """Tweets of the delivery that are not mentions (retweets, the brand's own)."""
        return len(self.tweet_create_events) - len(self._mention_tweets())

    def _mention_tweets(self) -> list[XTweet]:
        return [
            tweet
            for tweet in self.tweet_create_events
            if tweet.user.id_str != self.for_user_id and not tweet.is_retweet
        ]


def parse_x_activity(body: bytes) -> XActivityPayload:
    """Validate an X Account Activity body or raise `InvalidPayloadError`."""
    return _parse(XActivityPayload, body)


class XEnvelope(_Edge):
    """An Account Activity delivery as a whole: strict about the account and the list bound,
    its tweets left raw to be validated one by one by `split_x_activity`."""

    for_user_id: Annotated[str, Field(min_length=1, max_length=_MAX_ID)]
    tweet_create_events: Annotated[list[Any], Field(max_length=MAX_TWEETS)] = Field(
        default_factory=list
    )


@dataclass(frozen=True)
class BadTweet(BadChange):
    """A tweet that could not become a mention; `entry_index` is its place in the delivery and
    `payload` a one-tweet delivery (with `for_user_id`) that can be replayed as it is."""

    def report(self) -> dict[str, Any]:
        """What the webhook answers about it: the tweet's index and why, never the input."""
        return {"tweet": self.entry_index, "reason": self.reason, "details": list(self.details)}


def split_x_activity(body: bytes) -> InboundBatch:
    """Split an X delivery into mentions, ignored tweets (retweets, the brand's own) and bad
    tweets to park; `InvalidPayloadError` only when the envelope itself is unusable."""
    envelope = _parse(XEnvelope, body)
    batch = InboundBatch(platform=Platform.X)
    for index, raw_tweet in enumerate(envelope.tweet_create_events):
        # Each mention keeps just its own tweet as raw (not the whole delivery once per tweet);
        # the same one-tweet delivery is what a bad tweet is parked with, to be replayed.
        raw = json.dumps(
            {"for_user_id": envelope.for_user_id, "tweet_create_events": [raw_tweet]},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        try:
            tweet = _validate_tweet(raw_tweet)
        except InvalidPayloadError as error:
            # Locations are within the tweet; the report's "tweet" says which one it was.
            batch.bad.append(
                BadTweet(index, None, INVALID_TWEET, error.details, Platform.X.value, raw)
            )
            continue
        if tweet.user.id_str == envelope.for_user_id or tweet.is_retweet:
            batch.ignored += 1
            continue
        try:
            batch.mentions.append(tweet.to_mention(raw))
        except InvalidPayloadError as error:  # what the domain refuses (see bounds)
            batch.bad.append(
                BadTweet(index, None, INVALID_TWEET, error.details, Platform.X.value, raw)
            )
    return batch


def _validate_tweet(raw_tweet: Any) -> XTweet:
    try:
        return XTweet.model_validate(raw_tweet)
    except ValidationError as exc:
        raise InvalidPayloadError(error_details(exc)) from None
