"""Reach: likes, reposts and replies of every reply posted within the window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crowdcare.domain.errors import PlatformError
from crowdcare.ports import Clock, ReplyAdapterSource, ReplyStore
from crowdcare.services.replies.posting import error_text


@dataclass(frozen=True)
class ReachRun:
    """One reach-tracking run: how many replies were read, and which could not be."""

    read: int
    failed: tuple[str, ...]
    unconfigured: int


@dataclass
class ReachTracker:
    """Reads the reach of recent replies; one platform failing does not stop the rest."""

    replies: ReplyStore
    adapters: ReplyAdapterSource
    clock: Clock
    window: timedelta

    def run(self) -> ReachRun:
        """Refresh the reach of replies posted within the window."""
        now = self.clock()
        read, failed, unconfigured = 0, [], 0
        for reply in self.replies.posted_since(now - self.window):
            adapter = self.adapters(reply.platform)
            if adapter is None or reply.posted is None:
                unconfigured += 1
                continue
            try:
                reach = adapter.reach(reply.posted)
            except PlatformError as exc:
                failed.append(f"{reply.reply_id}: {error_text(exc)}")
                continue
            self.replies.record_reach(reply.reply_id, reach, now)
            read += 1
        return ReachRun(read=read, failed=tuple(failed), unconfigured=unconfigured)
