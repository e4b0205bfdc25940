"""Webhook bodies as pydantic models: the edge where untrusted JSON becomes `Mention`s.

Platforms add fields over time, so unknown fields are ignored; the fields CrowdCare relies on
are required and validated. `parse_generic` and `parse_x_activity` take the raw body and raise
`InvalidPayloadError`, whose `details` say where and what is wrong without echoing any input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypedDict

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from crowdcare.domain.models import Author, Mention, Platform

_X_UNDETERMINED_LANG = "und"
_MAX_TEXT = 40_000


class ErrorDetail(TypedDict):
    """One validation problem: a dotted location ("author.handle") and a message."""

    loc: str
    msg: str


class InvalidPayloadError(ValueError):
    """A webhook body is not JSON, or not the shape the platform documents."""

    def __init__(self, details: list[ErrorDetail]) -> None:
        super().__init__("; ".join(f"{d['loc']}: {d['msg']}" for d in details))
        self.details = details


def error_details(exc: ValidationError) -> list[ErrorDetail]:
    """Pydantic errors as `ErrorDetail`s: location and message only, never the input value."""
    return [
        ErrorDetail(loc=".".join(str(part) for part in err["loc"]) or "body", msg=err["msg"])
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _parse[EdgeT: _Edge](model: type[EdgeT], body: bytes) -> EdgeT:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # `from None`: the chained ValidationError would repeat the input values in a traceback.
        raise InvalidPayloadError(error_details(exc)) from None


class GenericAuthor(_Edge):
    """The author block of a generic webhook body."""

    id: Annotated[str, Field(min_length=1, max_length=128)]
    handle: Annotated[str, Field(min_length=1, max_length=128)]
    display_name: str = ""
    followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False


class GenericMentionPayload(_Edge):
    """The body of `POST /webhooks/generic`: one mention, described by the sender."""

    platform: Platform = Platform.GENERIC
    post_id: Annotated[str, Field(min_length=1, max_length=256)]
    url: str = ""
    author: GenericAuthor
    text: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
    lang: str | None = None
    created_at: AwareDatetime
    parent_id: str | None = None

    def to_mention(self, raw: str) -> Mention:
        """The normalised mention; `raw` is the body as received, kept for audit."""
        return Mention(
            platform=self.platform,
            post_id=self.post_id,
            url=self.url,
            author=Author(**self.author.model_dump()),
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

    id_str: Annotated[str, Field(min_length=1, max_length=256)]
    text: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
    truncated: bool = False
    extended_tweet: XExtendedTweet | None = None
    created_at: datetime
    in_reply_to_status_id_str: str | None = None
    lang: str | None = None
    user: XUser

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

    @field_validator("created_at")
    @classmethod
    def _must_be_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("created_at must carry a time zone")
        return value

    @property
    def full_text(self) -> str:
        """The whole text: `extended_tweet.full_text` when X sent it, else `text`."""
        return self.extended_tweet.full_text if self.extended_tweet else self.text

    def to_mention(self, raw: str) -> Mention:
        """The normalised mention; `raw` is the body as received, kept for audit."""
        return Mention(
            platform=Platform.X,
            post_id=self.id_str,
            url=f"https://x.com/{self.user.screen_name}/status/{self.id_str}",
            author=Author(
                id=self.user.id_str,
                handle=self.user.screen_name,
                display_name=self.user.name,
                followers=self.user.followers_count,
                verified=self.user.verified,
            ),
            text=self.full_text,
            lang_hint=None if self.lang in (None, _X_UNDETERMINED_LANG) else self.lang,
            created_at=self.created_at,
            parent_id=self.in_reply_to_status_id_str,
            raw=raw,
        )


class XActivityPayload(_Edge):
    """An Account Activity API delivery for the brand's account `for_user_id`.

    Only `tweet_create_events` become mentions; other event lists (favorite_events,
    follow_events, direct_message_events, ...) are accepted and ignored.
    """

    for_user_id: Annotated[str, Field(min_length=1)]
    tweet_create_events: list[XTweet] = Field(default_factory=list)

    def mentions(self, raw: str) -> list[Mention]:
        """The delivery's tweets as mentions, leaving out the brand's own tweets."""
        return [
            tweet.to_mention(raw)
            for tweet in self.tweet_create_events
            if tweet.user.id_str != self.for_user_id
        ]


def parse_x_activity(body: bytes) -> XActivityPayload:
    """Validate an X Account Activity body or raise `InvalidPayloadError`."""
    return _parse(XActivityPayload, body)
