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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, StringConstraints

from crowdcare.domain.models import Mention


@dataclass(frozen=True)
class Page:
    """One page read from a source: its mentions, the cursor to save after storing them, and
    whether the source has nothing more to read in this run."""

    mentions: list[Mention]
    cursor: str | None
    done: bool


class PollSource(Protocol):
    """A platform feed the poller reads incrementally."""

    @property
    def key(self) -> str:
        """The cursor's key in the Cursors table, e.g. "reddit:search"."""
        ...

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        """Read the page after `cursor`; raise `PlatformError` when the platform fails."""
        ...


_Credential = Annotated[str, StringConstraints(min_length=1)]


class PlatformCredentials(BaseModel):
    """The PlatformCredentials secret (JSON). Empty placeholders count as not set."""

    model_config = ConfigDict(frozen=True, extra="allow")

    reddit_client_id: _Credential | None = None
    reddit_client_secret: _Credential | None = None
    reddit_username: _Credential | None = None
    reddit_password: _Credential | None = None
    mastodon_access_token: _Credential | None = None
    bluesky_handle: _Credential | None = None
    bluesky_app_password: _Credential | None = None
    x_bearer_token: _Credential | None = None

    def __repr_args__(self) -> Any:
        # Only the names of the keys that are set: never a credential in a log line.
        return [("set", sorted(k for k, v in self.model_dump().items() if v))]


def from_unix(seconds: float) -> datetime:
    """An aware UTC datetime from unix seconds."""
    return datetime.fromtimestamp(seconds, UTC)


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
