"""The responder dashboard's services, one per audience and reason to change.

* feed (FeedService): a responder's open assignments;
* queue (QueueDesk): the queue in pages, and taking a mention from it;
* replies (ReplyDesk): reply, decline, "My replies";
* approvals (ApprovalDesk): employees approve (perhaps edited) or reject advocates' replies;
* profile (ProfileService) and trust (TrustPolicy): who the caller is, how far they are trusted;
* leaderboard (LeaderboardService), admin (AdminService): standings; responders and rules;
* links (LinkDesk): whether a notification's signed link opens its mention for the caller;
* composer (LengthMeter): a draft measured the way its platform (and the server) counts;
* saved_replies (SavedReplies): answers to insert, per brand and language, admin-edited;
* sessions (SessionDesk): sign out everywhere.

The API routes (functions/api) verify the caller, parse the body into a model of
crowdcare.domain.dashboard and call one of these; ownership is enforced here (a responder acts
only on mentions assigned to them, `ForbiddenError` otherwise). They depend on the ports of
crowdcare.ports; crowdcare.config.dashboard_wiring builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from crowdcare.services.dashboard.admin import AdminService
from crowdcare.services.dashboard.approvals import ApprovalDesk
from crowdcare.services.dashboard.composer import LengthMeter
from crowdcare.services.dashboard.feed import FeedService
from crowdcare.services.dashboard.leaderboard import LeaderboardService
from crowdcare.services.dashboard.links import LinkDesk
from crowdcare.services.dashboard.profile import ProfileService
from crowdcare.services.dashboard.queue import QueueDesk
from crowdcare.services.dashboard.replies import ReplyDesk
from crowdcare.services.dashboard.saved_replies import SavedReplies
from crowdcare.services.dashboard.sessions import SessionDesk
from crowdcare.services.rewards.page import PointsPage


@dataclass(frozen=True)
class Dashboard:
    """Every dashboard service, built together (one set per cold start)."""

    feed: FeedService
    replies: ReplyDesk
    approvals: ApprovalDesk
    profile: ProfileService
    leaderboard: LeaderboardService
    admin: AdminService
    points: PointsPage
    links: LinkDesk
    composer: LengthMeter
    queue: QueueDesk
    saved_replies: SavedReplies
    sessions: SessionDesk


__all__ = [
    "AdminService",
    "ApprovalDesk",
    "Dashboard",
    "FeedService",
    "LeaderboardService",
    "LengthMeter",
    "LinkDesk",
    "ProfileService",
    "QueueDesk",
    "ReplyDesk",
    "SavedReplies",
    "SessionDesk",
]
