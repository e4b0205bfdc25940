"""The Poller: reads each configured source from its saved cursor and stores what it finds.

For each source: read the cursor, then fetch pages until the source says it is done or the
deadline (the Lambda's remaining time minus a safety margin) is near; store every mention with
`put_if_new` and only then save the page's cursor. A platform failure that survives the HTTP
client's retries (429/5xx, network) stops that source for this run with its cursor where it
was; the next scheduled run resumes there. One source failing never stops the others, and
one bad item never stops its page: the source lists it as skipped (id and reason), the run
counts it and the handler logs it, and the rest of the page is stored as usual.

The sources are built from settings and credentials by crowdcare.config.ingest_wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict

from crowdcare.adapters.platforms.inbound.sources import PollSource
from crowdcare.domain.errors import CursorConflictError, PlatformError
from crowdcare.ports import Clock, CursorStore, MentionInbox

DEFAULT_SAFETY_MARGIN_SECONDS = 10.0


class SkippedRecord(BaseModel):
    """One item a source could not turn into a mention."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    reason: str


class SourceRun(BaseModel):
    """What one source did in one run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    pages: int
    accepted: int
    duplicates: int
    outcome: str  # "caught up", "deadline", "platform error", "cursor conflict", "bad payload"
    detail: str = ""
    ignored: int = 0  # read fine but not mentions (a retweet, the brand's own post)
    skipped: list[SkippedRecord] = []  # unusable items, each with its id and why


class PollReport(BaseModel):
    """What a whole run did, source by source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: list[SourceRun]

    @property
    def accepted(self) -> int:
        """New mentions stored across every source."""
        return sum(run.accepted for run in self.sources)


class Poller:
    """Runs each source from its cursor; receives its repositories and clocks."""

    def __init__(
        self,
        mentions: MentionInbox,
        cursors: CursorStore,
        clock: Clock,
        timer: Callable[[], float],
        safety_margin_seconds: float = DEFAULT_SAFETY_MARGIN_SECONDS,
    ) -> None:
        self._mentions = mentions
        self._cursors = cursors
        self._clock = clock
        self._timer = timer
        self._margin = safety_margin_seconds

    def run(self, sources: Sequence[PollSource], remaining_ms: Callable[[], int]) -> PollReport:
        """Poll every source in turn until each is caught up or time runs short.

        `remaining_ms` is the Lambda context's `get_remaining_time_in_millis`. Before each page
        the time left (minus the safety margin) becomes a deadline on `timer`, the clock the
        HTTP clients compare deadlines with, so no retry sleeps past the Lambda timeout.
        """
        return PollReport(sources=[self._run_source(source, remaining_ms) for source in sources])

    def _seconds_left(self, remaining_ms: Callable[[], int]) -> float:
        return remaining_ms() / 1000 - self._margin

    def _run_source(self, source: PollSource, remaining_ms: Callable[[], int]) -> SourceRun:
        cursor = self._cursors.get(source.key)
        pages = accepted = duplicates = ignored = 0
        skipped: list[SkippedRecord] = []
        outcome, detail = "caught up", ""
        while True:
            left = self._seconds_left(remaining_ms)
            if left <= 0:
                outcome = "deadline"
                break
            try:
                page = source.fetch(cursor, deadline=self._timer() + left)
            except PlatformError as error:
                outcome, detail = "platform error", str(error)
                break
            except (KeyError, TypeError, ValueError) as error:
                # The platform answered something we cannot read (a changed API): stop this
                # source with its cursor kept, so nothing is skipped once the parser is fixed.
                outcome, detail = "bad payload", f"{type(error).__name__}: {error}"
                break
            pages += 1
            ignored += page.ignored
            skipped += [SkippedRecord(item_id=s.item_id, reason=s.reason) for s in page.skipped]
            received_at = self._clock()
            for mention in page.mentions:
                if self._mentions.put_if_new(mention, received_at):
                    accepted += 1
                else:
                    duplicates += 1
            if page.cursor is not None and page.cursor != cursor:
                try:
                    self._cursors.put(source.key, page.cursor, previous=cursor)
                except CursorConflictError as error:
                    outcome, detail = "cursor conflict", str(error)
                    break
                cursor = page.cursor
            if page.done:
                break
        return SourceRun(
            source=source.key,
            pages=pages,
            accepted=accepted,
            duplicates=duplicates,
            outcome=outcome,
            detail=detail,
            ignored=ignored,
            skipped=skipped,
        )


# The sources the poller knows, by the names POLL_SOURCES uses (built in config/ingest_wiring).
SOURCE_NAMES = (
    "reddit_search",
    "reddit_mentions",
    "mastodon_mentions",
    "mastodon_hashtag",
    "bluesky_search",
    "bluesky_mentions",
    "x_search",
)
