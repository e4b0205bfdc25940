"""What every reply adapter shares: the protocol, its results and the length rules.

A reply that is too long for its platform is refused with `ReplyTooLongError` before any call,
naming the limit: it is never silently truncated, because a cut-off answer from a brand reads
worse than none. Each platform counts differently (X weighs URLs and CJK, Bluesky counts
grapheme clusters, Mastodon counts URLs as 23), so each limit carries its own measure.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from crowdcare.domain.models import Mention, Platform
from crowdcare.domain.replies import MAX_REACTIONS, Reaction, ReactionKind

# The published reply and its reach are domain models (crowdcare.domain.replies), re-exported
# for the adapters that import them from here.
from crowdcare.domain.replies import PostedReply as PostedReply  # noqa: PLC0414
from crowdcare.domain.replies import Reach as Reach  # noqa: PLC0414


class ReplyTooLongError(ValueError):
    """The reply does not fit the platform; nothing was sent."""

    def __init__(self, platform: Platform, length: int, limit: int, unit: str) -> None:
        super().__init__(
            f"reply is {length} {unit} long; {platform.value} allows at most {limit} {unit}"
        )
        self.platform = platform
        self.length = length
        self.limit = limit
        self.unit = unit


class ReplyTargetError(ValueError):
    """The mention cannot be replied to on its platform as stored (e.g. a malformed id)."""


# ---------------------------------------------------------------------------- measuring text

_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
_ZWJ = "\u200d"


def _extends_cluster(char: str) -> bool:
    """Whether `char` continues the previous grapheme cluster (combining marks, emoji parts)."""
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
        or 0x1160 <= code <= 0x11FF  # Hangul medial vowels and final consonants (conjoining)
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """Split `text` into user-perceived characters, approximately (UAX #29 simplified).

    Handles combining marks, ZWJ emoji sequences, skin tones, variation selectors, flags and
    conjoining Hangul jamo, which covers what people type in replies. Rarer rules (Indic
    conjuncts, prepend characters) are not modelled; they can only over-count, never let an
    over-long reply through.
    """
    clusters: list[str] = []
    joined = False
    for char in unicodedata.normalize("NFC", text):
        if clusters and (joined or _extends_cluster(char)):
            clusters[-1] += char
        elif (
            clusters
            and _is_regional_indicator(char)
            and len(clusters[-1]) == 1
            and _is_regional_indicator(clusters[-1])
        ):
            clusters[-1] += char  # the second half of a flag
        else:
            clusters.append(char)
        joined = char == _ZWJ
    return clusters


def count_graphemes(text: str) -> int:
    """The number of grapheme clusters (what Bluesky limits to 300)."""
    return len(graphemes(text))


def count_code_points(text: str) -> int:
    """Characters as Python (and the Graph and Reddit APIs) count them."""
    return len(text)


def count_with_urls_as(url_length: int) -> Callable[[str], int]:
    """Code points, with every http(s) URL counting `url_length` (Mastodon: 23)."""

    def measure(text: str) -> int:
        return len(_URL.sub("", text)) + url_length * len(_URL.findall(text))

    return measure


# X counts code points in these ranges (Latin, punctuation, general symbols) as 1 and every
# other character as 2, an emoji sequence as 2, and any URL as 23 (twitter-text 3.x).
_X_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def count_x_weighted(text: str) -> int:
    """X's weighted length: light characters 1, others (CJK, emoji) 2, URLs 23."""
    urls = _URL.findall(text)
    total = 23 * len(urls)
    for cluster in graphemes(_URL.sub("", text)):
        code = ord(cluster[0])
        if any(low <= code <= high for low, high in _X_LIGHT_RANGES):
            total += len(cluster)  # a letter and its combining marks: each code point is 1
        else:
            total += 2  # a CJK character, or an emoji sequence however many code points
    return total


@dataclass(frozen=True)
class LengthLimit:
    """A platform's limit on reply length, with the way that platform counts."""

    max_length: int
    unit: str
    measure: Callable[[str], int]
    max_bytes: int | None = None

    def check(self, platform: Platform, text: str) -> None:
        """Raise `ReplyTooLongError` (naming the limit) when `text` does not fit."""
        length = self.measure(text)
        if length > self.max_length:
            raise ReplyTooLongError(platform, length, self.max_length, self.unit)
        if self.max_bytes is not None and len(text.encode()) > self.max_bytes:
            raise ReplyTooLongError(platform, len(text.encode()), self.max_bytes, "bytes (UTF-8)")


X_LIMIT = LengthLimit(280, "weighted characters (URLs count 23, CJK and emoji 2)", count_x_weighted)
FACEBOOK_LIMIT = LengthLimit(8000, "characters", count_code_points)
INSTAGRAM_LIMIT = LengthLimit(2200, "characters", count_code_points)
REDDIT_LIMIT = LengthLimit(10_000, "characters", count_code_points)
BLUESKY_LIMIT = LengthLimit(300, "graphemes", count_graphemes, max_bytes=3000)
MASTODON_DEFAULT_MAX = 500


def mastodon_limit(max_chars: int = MASTODON_DEFAULT_MAX) -> LengthLimit:
    """Mastodon's limit: 500 by default, but each instance may configure its own."""
    return LengthLimit(max_chars, "characters (URLs count 23)", count_with_urls_as(23))


def default_limits(mastodon_max_chars: int = MASTODON_DEFAULT_MAX) -> dict[Platform, LengthLimit]:
    """The limit of every platform CrowdCare replies on."""
    return {
        Platform.X: X_LIMIT,
        Platform.FACEBOOK: FACEBOOK_LIMIT,
        Platform.INSTAGRAM: INSTAGRAM_LIMIT,
        Platform.REDDIT: REDDIT_LIMIT,
        Platform.MASTODON: mastodon_limit(mastodon_max_chars),
        Platform.BLUESKY: BLUESKY_LIMIT,
    }


# ---------------------------------------------------------------------------- the protocol


class ReplyAdapter(Protocol):
    """Posts a public reply to a mention on one platform, and reads how far it went."""

    @property
    def platform(self) -> Platform: ...

    @property
    def limit(self) -> LengthLimit: ...

    @property
    def max_length(self) -> int: ...

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Publish `text` as a reply to `mention`; `ReplyTooLongError` before any call if it
        does not fit, `PlatformError` when the platform refuses or fails.

        Platforms that support it (Mastodon) use `idempotency_key` so that a retry after a
        lost answer does not post twice; the others ignore it. A lost answer raises a
        `PlatformError` with `outcome_unknown=True`: call `find_posted` before posting again.
        """
        ...

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        """The brand's reply to `mention` with this text if the platform has it, else None;
        `PlatformError` when the platform cannot tell now (never guess "not posted")."""
        ...

    def reach(self, posted: PostedReply) -> Reach:
        """Likes, reposts and replies of a reply posted earlier."""
        ...


class AdapterBase:
    """Shared plumbing: the length check and the clock."""

    def __init__(
        self, platform: Platform, limit: LengthLimit, clock: Callable[[], datetime]
    ) -> None:
        self._platform = platform
        self._limit = limit
        self._clock = clock

    @property
    def platform(self) -> Platform:
        return self._platform

    @property
    def limit(self) -> LengthLimit:
        return self._limit

    @property
    def max_length(self) -> int:
        return self._limit.max_length

    def check_length(self, text: str) -> None:
        """Refuse an empty or over-long reply before anything is sent."""
        if not text.strip():
            raise ValueError("a reply needs some text")
        self._limit.check(self._platform, text)

    def _posted(self, post_id: str, url: str) -> PostedReply:
        return PostedReply(
            platform=self._platform, post_id=post_id, url=url, posted_at=self._clock()
        )


_TAG = re.compile(r"<br\s*/?>|</p>\s*<p>|<[^>]+>", re.IGNORECASE)


def _tag_gap(tag: re.Match[str]) -> str:
    """A line or paragraph break becomes a space, any other tag nothing."""
    return " " if tag.group(0).lower().startswith(("<br", "</p")) else ""


def comparable_text(text: str, *, markup: bool = False) -> str:
    """Text as two platforms' copies of one reply agree on it: entities decoded (X sends
    `&amp;`), every URL one token (X shortens them to t.co), whitespace collapsed; with
    `markup`, HTML tags dropped first (Mastodon answers the status as HTML)."""
    if markup:
        text = _TAG.sub(_tag_gap, text)
    return " ".join(_URL.sub("\x00url", html.unescape(text)).split())


def texts_match(theirs: object, ours: str, *, markup: bool = False) -> bool:
    """Whether a platform's copy of a post is the reply we sent (see `comparable_text`)."""
    return isinstance(theirs, str) and comparable_text(theirs, markup=markup) == comparable_text(
        ours
    )


def as_int(value: object) -> int:
    """A non-negative count from a platform body (missing or malformed counts as 0)."""
    return value if isinstance(value, int) and value >= 0 else 0


def likes_by(accounts: object, id_key: str, handle_key: str) -> list[Reaction]:
    """LIKE reactions of the accounts a platform listed (at most MAX_REACTIONS; entries that
    are not objects are skipped), each platform naming the id and handle fields its way."""
    listed = accounts if isinstance(accounts, list) else []
    return [
        Reaction(
            kind=ReactionKind.LIKE,
            author_id=str(account.get(id_key, "")),
            handle=str(account.get(handle_key, "")),
        )
        for account in listed[:MAX_REACTIONS]
        if isinstance(account, dict)
    ]
