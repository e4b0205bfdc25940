"""Domain models shared by every part of CrowdCare.

Everything that crosses a boundary (webhook body, workflow payload, DynamoDB item, CLI line)
is one of these models; inside the library code passes models, never raw dicts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base for value objects: immutable, and unknown fields are an error, not a surprise."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Platform(StrEnum):
    """Where a mention was posted (and where the reply goes back to)."""

    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    REDDIT = "reddit"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    GENERIC = "generic"


class Author(Frozen):
    """The person who wrote a mention, as the platform describes them."""

    id: Annotated[str, Field(min_length=1, max_length=128)]
    handle: Annotated[str, Field(min_length=1, max_length=128)]
    display_name: str = ""
    followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False


class MentionStatus(StrEnum):
    """Where a mention is in its life: set by the workflow, read by the dashboard."""

    RECEIVED = "received"
    TRIAGED = "triaged"
    NO_ACTION = "no_action"
    ASSIGNED = "assigned"
    QUEUED = "queued"
    ASSIGNING = "assigning"  # taken from the queue: its assignment workflow is starting
    PARKED = "parked"
    REPLIED = "replied"
    OVERDUE = "overdue"  # the employee SLA passed too; the admins were alerted


# Statuses a workflow moves a mention out of within a known time: while a mention is in one,
# the Mentions table indexes it (sparse `by_open_status` index) so the sweeper finds it if it
# stays too long. `queued` is not one: it waits for a free slot, which the queue drain offers.
SWEPT_STATUSES = frozenset(
    {
        MentionStatus.RECEIVED,
        MentionStatus.TRIAGED,
        MentionStatus.ASSIGNING,
        MentionStatus.ASSIGNED,
    }
)


class Mention(Frozen):
    """A post that mentions the brand, normalised from any platform."""

    platform: Platform
    post_id: Annotated[str, Field(min_length=1, max_length=256)]
    url: str = ""
    author: Author
    text: Annotated[str, Field(min_length=1, max_length=40_000)]
    lang_hint: str | None = None
    created_at: AwareDatetime
    parent_id: str | None = None
    raw: str = Field(default="", description="the payload as received, kept for audit")

    @property
    def mention_id(self) -> str:
        """The key that makes a redelivery of the same post a no-op."""
        return mention_key(self.platform, self.post_id)


def mention_key(platform: Platform, post_id: str) -> str:
    """Build the Mentions table key for a platform post."""
    return f"{platform.value}#{post_id}"


class ResponderKind(StrEnum):
    """A volunteer community advocate or a brand employee."""

    ADVOCATE = "advocate"
    EMPLOYEE = "employee"


class QuietHours(Frozen):
    """Local hours (0-23) during which the responder must not be texted; may wrap midnight."""

    start_hour: Annotated[int, Field(ge=0, le=23)] = 22
    end_hour: Annotated[int, Field(ge=0, le=23)] = 7


class QuietHoursPolicy(StrEnum):
    """What happens to a responder's notification during their quiet hours."""

    EMAIL_ONLY = "email_only"  # still assigned, emailed, never texted
    SKIP = "skip"  # not assigned at all until their quiet hours end


# Profile lists are bounded where people edit them (the profile, the admin editor, the CSV
# import): a clear 400 instead of an item past DynamoDB's 400 KB (5,000 skills once were).
MAX_SKILLS = 50
MAX_LANGUAGES = 20
MAX_HANDLES = 20
SkillTag = Annotated[str, Field(min_length=1, max_length=40)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
HandleText = Annotated[str, Field(min_length=1, max_length=100)]
SkillList = Annotated[tuple[SkillTag, ...], Field(max_length=MAX_SKILLS)]
LanguageList = Annotated[tuple[LanguageCode, ...], Field(max_length=MAX_LANGUAGES)]
HandleList = Annotated[tuple[HandleText, ...], Field(max_length=MAX_HANDLES)]


class Responder(Frozen):
    """Someone who answers mentions: matched on languages, skills and current load."""

    responder_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    kind: ResponderKind
    name: Annotated[str, Field(min_length=1, max_length=120)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    phone: Annotated[str | None, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] = None
    sms_opt_in: bool = False
    languages: tuple[str, ...] = ("en",)
    skills: tuple[str, ...] = ()
    handles: tuple[str, ...] = Field(default=(), description="own social handles, never routed")
    timezone: str = "UTC"
    quiet_hours: QuietHours = QuietHours()
    quiet_hours_policy: QuietHoursPolicy = QuietHoursPolicy.EMAIL_ONLY
    email_suppressed: bool = Field(
        default=False, description="SES reported a bounce or complaint: do not email"
    )
    email_off: bool = Field(
        default=False, description="chose SMS only: no email when a text message goes out"
    )
    max_open: Annotated[int, Field(ge=1, le=100)] = 5
    open_count: Annotated[int, Field(ge=0)] = 0
    active: bool = True
    reputation: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5

    @property
    def has_capacity(self) -> bool:
        """Whether one more open assignment keeps the responder within max_open."""
        return self.active and self.open_count < self.max_open
