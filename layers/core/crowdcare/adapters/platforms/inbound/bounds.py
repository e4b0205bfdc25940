"""The bounds every inbound mention is held to, whichever path brought it (webhook or poller).

A signed delivery or a platform's answer is still untrusted input, and what it may carry has to
fit where it is stored: a DynamoDB item (400 KB, numbers of at most 38 digits) and the page
that renders it (a link must be http or https). `edge_mention` builds every inbound `Mention`
and applies them, so no path can forget one:

* `raw` (the payload kept for audit) is trimmed to `MAX_RAW_BYTES`, marked as trimmed; with
  the text (at most 40,000 characters) the item stays far below 400 KB;
* the author's display name is cut to `MAX_DISPLAY_NAME` characters (it is only shown);
* a follower count is capped at `MAX_FOLLOWERS` (more than there are people: the count only
  ranks influence, and a bigger number would not fit DynamoDB's numbers);
* a URL that is not http(s), or longer than `MAX_URL`, is dropped ("": the card shows no link);
* a language hint longer than a language tag is dropped; a time outside `EARLIEST`..`LATEST`
  is refused (the SLA arithmetic and the page cannot place it);
* the post id is the platform's canonical one (`canonical.canonical_post_id`), so the same
  post is one mention whichever path brought it.

Anything else the domain refuses (an empty text, an over-long id) raises `InvalidPayloadError`:
the webhook answers 400 or parks the entry, the poller skips the item with the reason.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from crowdcare.adapters.platforms.inbound.canonical import canonical_post_id
from crowdcare.adapters.platforms.inbound.errors import InvalidPayloadError, error_details
from crowdcare.domain.models import Mention, Platform

MAX_RAW_BYTES = 64 * 1024
MAX_DISPLAY_NAME = 200
MAX_FOLLOWERS = 10**12
MAX_URL = 2048
MAX_LANG = 16
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
SAFE_SCHEMES = frozenset({"http", "https"})
TRIMMED_MARK = "…[trimmed: {size} bytes as received]"


def safe_url(url: str | None) -> str:
    """`url` when it is an http(s) URL of sane length with a host; "" otherwise."""
    if not url or len(url) > MAX_URL:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else ""


def is_safe_url(url: str) -> bool:
    """Whether `url` is empty or an http(s) URL `safe_url` keeps."""
    return not url or safe_url(url) == url.strip()


def trimmed_raw(raw: str) -> str:
    """`raw` cut to `MAX_RAW_BYTES` of UTF-8 (on a character boundary), with a mark saying so."""
    encoded = raw.encode("utf-8", errors="replace")
    if len(encoded) <= MAX_RAW_BYTES:
        return raw
    head = encoded[:MAX_RAW_BYTES].decode("utf-8", errors="ignore")
    return head + TRIMMED_MARK.format(size=len(encoded))


def capped_count(value: Any) -> int:
    """A platform's count as a non-negative int no bigger than `MAX_FOLLOWERS`."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0
        value = int(value)
    count = int(value)
    return min(max(count, 0), MAX_FOLLOWERS)


def in_range(moment: datetime) -> datetime:
    """`moment` when it lies between `EARLIEST` and `LATEST`; raises `ValueError` if not."""
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"time must lie between {EARLIEST.year} and {LATEST.year}")
    return moment


def unix_time(seconds: float) -> datetime:
    """Unix seconds as an aware UTC datetime; `ValueError` when out of range (never an
    OverflowError or OSError, which a huge or non-finite number would raise)."""
    if not math.isfinite(seconds):
        raise ValueError("time must be a finite number")
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"time must lie between {EARLIEST.year} and {LATEST.year}") from None
    return in_range(moment)


def edge_mention(
    *,
    platform: Platform,
    post_id: str,
    url: str | None,
    author_id: str,
    handle: str,
    text: str,
    created_at: datetime,
    display_name: str | None = "",
    followers: Any = 0,
    verified: bool = False,
    lang_hint: str | None = None,
    parent_id: str | None = None,
    raw: str = "",
    uri: str = "",
) -> Mention:
    """An inbound mention within every bound above; `InvalidPayloadError` when it cannot be
    one (the details name the field, never echo its value). `uri` is the platform's own
    address of the post when it differs from `url` (a Mastodon status's ActivityPub id)."""
    try:
        in_range(created_at)
        # Validated as one document, so a problem is named where it is ("author.handle").
        return Mention.model_validate(
            {
                "platform": platform,
                "post_id": canonical_post_id(platform, post_id, url or "", uri),
                "url": safe_url(url),
                "author": {
                    "id": author_id,
                    "handle": handle,
                    "display_name": (display_name or "")[:MAX_DISPLAY_NAME],
                    "followers": capped_count(followers),
                    "verified": verified,
                },
                "text": text,
                "lang_hint": lang_hint if lang_hint and len(lang_hint) <= MAX_LANG else None,
                "created_at": created_at,
                "parent_id": parent_id,
                "raw": trimmed_raw(raw),
            }
        )
    except ValidationError as exc:
        raise InvalidPayloadError(error_details(exc)) from None
    except ValueError as exc:
        raise InvalidPayloadError([{"loc": "created_at", "msg": str(exc)}]) from None
