"""What the dashboard's callers send and see: request bodies and views (pydantic at the edge).

The Chalice blueprints parse bodies into the request models here (a ValidationError becomes a
400 naming the field); the dashboard services return the views.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from crowdcare.domain.models import (
    Frozen,
    HandleList,
    LanguageList,
    Platform,
    QuietHours,
    ResponderKind,
    SkillList,
)
from crowdcare.domain.points import Period
from crowdcare.domain.replies import Reply

ReplyText = Annotated[str, Field(min_length=1, max_length=10_000)]


class ReplyDraft(Frozen):
    """A reply as the composer sends it."""

    text: ReplyText


class LengthRequest(Frozen):
    """A draft the composer asks the server to measure, the way its platform counts."""

    platform: Platform
    text: Annotated[str, Field(max_length=20_000)]


# What the composer fills in when a saved reply is inserted: the author's handle, the
# responder's name. Anything else in braces would reach the customer as typed.
SAVED_REPLY_PLACEHOLDERS = ("{author}", "{name}")
_BRACES = re.compile(r"\{[^{}]*\}?|\}")


class SavedReplyDraft(Frozen):
    """A saved reply as an admin writes it: `language` "" fits every language, `brand` ""
    every brand; the text may use the placeholders {author} and {name}, nothing else."""

    title: Annotated[str, Field(min_length=1, max_length=80)]
    text: Annotated[str, Field(min_length=1, max_length=2_000)]
    language: Annotated[str, Field(pattern=r"^([a-z]{2,3}(-[A-Za-z0-9]{2,8})?)?$")] = ""
    brand: Annotated[str, Field(max_length=40)] = ""

    @field_validator("title", "brand")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        for found in _BRACES.findall(value):
            if found not in SAVED_REPLY_PLACEHOLDERS:
                known = " or ".join(SAVED_REPLY_PLACEHOLDERS)
                raise ValueError(f"{found} is not a placeholder; use {known}")
        return value


class DeclineRequest(Frozen):
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class DecisionRequest(Frozen):
    action: Literal["approve", "reject"]
    text: ReplyText | None = Field(default=None, description="the edited reply, when edited")
    note: Annotated[str, Field(max_length=1_000)] = ""


Notify = Literal["email", "sms", "both"]


class ProfileUpdate(Frozen):
    """What a responder edits about themself."""

    skills: SkillList | None = None
    languages: LanguageList | None = None
    timezone: str | None = None
    quiet_hours: QuietHours | None = None
    notify: Notify | None = None
    phone: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None
    active: bool | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ResponderEdit(Frozen):
    """What an admin edits about a responder (open_count is the workflow's, never edited)."""

    kind: ResponderKind
    name: Annotated[str, Field(min_length=1, max_length=120)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    phone: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None
    sms_opt_in: bool = False
    languages: LanguageList = ("en",)
    skills: SkillList = ()
    handles: HandleList = ()
    timezone: str = "UTC"
    quiet_hours: QuietHours = QuietHours()
    max_open: Annotated[int, Field(ge=1, le=100)] = 5
    active: bool = True


class AuthorPost(Frozen):
    """One earlier post of a mention's author, as the author index holds it."""

    mention_id: str
    text: str
    posted_at: datetime
    url: str = ""


class EarlierMention(Frozen):
    """An author's earlier mention on a card, with what was answered (if anything)."""

    mention_id: str
    text: str
    posted_at: datetime
    url: str = ""
    reply_text: str | None = Field(default=None, description="the reply posted, if any")
    reply_status: str = Field(default="", description="the latest reply's status; '' for none")


class AuthorView(Frozen):
    """A mention's author as the feed shows them."""

    handle: str
    display_name: str
    followers: int
    verified: bool


class FeedItem(Frozen):
    """One open assignment as the responder sees it."""

    mention_id: str
    platform: Platform
    url: str
    text: str
    author: AuthorView
    posted_at: datetime
    thread: tuple[dict[str, str], ...]
    priority: int
    band: str
    reasons: tuple[str, ...]
    topics: tuple[str, ...]
    language: str
    sentiment: str
    assigned_at: datetime
    due_at: datetime
    seconds_left: int
    reply_limit: int
    latest_reply: Reply | None = None
    earlier: tuple[EarlierMention, ...] = ()


class LeaderboardQuery(Frozen):
    """Which leaderboard page to show (query parameters arrive as strings)."""

    period: Period = Period.WEEK
    language: Annotated[str | None, Field(min_length=2, max_length=12)] = None
    topic: Annotated[str | None, Field(min_length=1, max_length=40)] = None
    cursor: Annotated[str | None, Field(min_length=1, max_length=600)] = None
    page_size: Annotated[int, Field(ge=1, le=100)] = 20

    @model_validator(mode="after")
    def _one_dimension(self) -> LeaderboardQuery:
        # Boards are kept per language or per topic, never per both.
        if self.language is not None and self.topic is not None:
            raise ValueError("ask for a language's board or a topic's, not both")
        return self
