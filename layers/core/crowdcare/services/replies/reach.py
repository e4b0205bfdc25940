"""Reach: likes, reposts and replies of every reply posted within the window.

Each reading goes to `on_measured` (the reach bonus); a reply the platform answers 404/410 for
was deleted by its author or the platform, and goes to `on_removed` (its points reversed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from crowdcare.domain.errors import PlatformError
from crowdcare.domain.replies import Reach, Reply
from crowdcare.ports import Clock, ReplyAdapterSource, ReplyStore
from crowdcare.services.replies.posting import error_text


@dataclass(frozen=True)
class ReachRun:
    """One reach-tracking run: how many replies were read, and which could not be."""

    read: int
    failed: tuple[str, ...]
    unconfigured: int
    removed: tuple[str, ...] = ()


GONE = frozenset({404, 410})


def _ignore_measured(reply: Reply, reach: Reach) -> None:
    """The default `on_measured`: nobody listens."""


def _ignore_removed(reply: Reply) -> None:
    """The default `on_removed`: nobody listens."""


@dataclass
class ReachTracker:
    """Reads the reach of recent replies; one platform failing does not stop the rest."""

    replies: ReplyStore
    adapters: ReplyAdapterSource
    clock: Clock
    window: timedelta
    on_measured: Callable[[Reply, Reach], object] = field(default=_ignore_measured)
    on_removed: Callable[[Reply], object] = field(default=_ignore_removed)

    def run(self) -> ReachRun:
        """Refresh the reach of replies posted within the window."""
        now = self.clock()
        read, failed, unconfigured, removed = 0, [], 0, []
        for reply in self.replies.posted_since(now - self.window):
            adapter = self.adapters(reply.platform)
            if adapter is None or reply.posted is None:
                unconfigured += 1
                continue
            try:
                reach = adapter.reach(reply.posted)
            except PlatformError as exc:
                if exc.status in GONE:
                    self.on_removed(reply)
                    removed.append(reply.reply_id)
                else:
                    failed.append(f"{reply.reply_id}: {error_text(exc)}")
                continue
            self.replies.record_reach(reply.reply_id, reach, now)
            self.on_measured(reply, reach)
            read += 1
        return ReachRun(
            read=read, failed=tuple(failed), unconfigured=unconfigured, removed=tuple(removed)
        )
