"""Read-side platform clients: each turns a platform's search or mentions API into `Mention`s.

Every source implements `PollSource`: `fetch(cursor, deadline)` reads one page after the saved
cursor and answers a `Page` with the mentions, the cursor to save once they are stored, and
whether there is more to read. Sources never store anything themselves; the `Poller`
(crowdcare.services.polling) stores the mentions and only then saves the cursor, so a crash
between the two re-reads a page (harmless: storing is idempotent) and never skips one.

Two cursor shapes occur:

* forward walks (Reddit ``before=``, Mastodon ``min_id=``): the platform returns the page
  right after the cursor, so the cursor is simply the newest id read so far;
* backward walks (Bluesky searchPosts, Bluesky notifications, X recent search): the platform
  pages from the newest result down to a watermark, so the cursor is a small JSON document:
  the watermark of the last finished walk plus, while a walk is under way, where it is and
  the newest result it has seen (which becomes the next watermark when the walk finishes).

A source's first run reads only the newest page and starts from there: no backfill.

One bad item never costs its page: each item is converted on its own (`convert_each`), an item
that cannot become a mention is listed in `Page.skipped` with its id and why (the poller counts
and logs it), and the others are stored and the cursor moves on. Items that are read fine but
are not mentions (a retweet, the brand's own post) are only counted in `Page.ignored`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from crowdcare.adapters.platforms.inbound.bounds import unix_time
from crowdcare.domain.models import Mention


@dataclass(frozen=True)
class SkippedItem:
    """An item of a page that could not become a mention: its platform id and why."""

    item_id: str
    reason: str


@dataclass(frozen=True)
class Page:
    """One page read from a source: its mentions, the cursor to save after storing them,
    whether the source has nothing more to read in this run, the items skipped as unusable
    and how many were read but are not mentions."""

    mentions: list[Mention]
    cursor: str | None
    done: bool
    skipped: list[SkippedItem] = field(default_factory=list)
    ignored: int = 0


class UnusableItemError(ValueError):
    """An item the platform sent that cannot become a mention (the reason says why)."""


def _reason(error: Exception) -> str:
    """Why an item was skipped, without echoing its content (post text is personal data)."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False, include_context=False)
        )
    if isinstance(error, KeyError):
        return f"missing field {error}"
    if isinstance(error, UnusableItemError):
        return str(error)
    return f"{type(error).__name__}: unexpected shape"


def convert_each[ItemT](
    items: Iterable[ItemT],
    convert: Callable[[ItemT], Mention | None],
    item_id: Callable[[ItemT], object],
) -> tuple[list[Mention], list[SkippedItem], int]:
    """Convert each item on its own: (mentions, skipped items with their reasons, ignored).

    `convert` answers None for an item that is fine but not a mention, and raises (KeyError,
    TypeError, ValueError) for one it cannot read.
    """
    mentions: list[Mention] = []
    skipped: list[SkippedItem] = []
    ignored = 0
    for item in items:
        try:
            mention = convert(item)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            try:
                identifier = str(item_id(item) or "?")
            except (KeyError, TypeError, ValueError, AttributeError):
                identifier = "?"
            skipped.append(SkippedItem(identifier, _reason(error)))
            continue
        if mention is None:
            ignored += 1
        else:
            mentions.append(mention)
    return mentions, skipped, ignored


class PollSource(Protocol):
    """A platform feed the poller reads incrementally."""

    @property
    def key(self) -> str:
        """The cursor's key in the Cursors table, e.g. "reddit:search"."""
        ...

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        """Read the page after `cursor`; raise `PlatformError` when the platform fails."""
        ...


def from_unix(seconds: float) -> datetime:
    """An aware UTC datetime from unix seconds (`ValueError` when no calendar holds it)."""
    return unix_time(seconds)


def from_iso(value: str) -> datetime:
    """An aware datetime from ISO 8601 ("Z" accepted); a naive one is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class WalkState(BaseModel):
    """The cursor of a backward walk (newest to older pages, down to a watermark).

    `mark` is the watermark of the last finished walk (an ISO time for Bluesky, a post id for
    X) and `seen` the ids exactly at it already read; while a walk is under way, `page` is the
    platform's cursor for the next older page, and `top`/`top_seen` the newest read so far,
    which become `mark`/`seen` when the walk ends.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    mark: str | None = None
    seen: list[str] = []
    page: str | None = None
    top: str | None = None
    top_seen: list[str] = []

    @classmethod
    def load(cls, cursor: str | None) -> WalkState:
        """The state saved as `cursor` (a fresh state when there is none)."""
        return cls() if cursor is None else cls.model_validate_json(cursor)

    def dump(self) -> str:
        """The state as the cursor string to save."""
        return self.model_dump_json(exclude_defaults=True)
