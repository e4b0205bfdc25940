"""Routes every signed-in responder has: profile, feed, reply, decline, my replies, leaderboard,
my points."""

from __future__ import annotations

import time
from typing import Any

from chalice.app import Blueprint, Response

from crowdcare.adapters.cognito_auth import Principal
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.clock import utc_now
from crowdcare.config.http_edge import as_json, parse_body
from crowdcare.domain.dashboard import (
    DeclineRequest,
    LeaderboardQuery,
    ProfileUpdate,
    ReplyDraft,
)

# A long poll holds its Lambda at most this long (API Gateway cuts requests at 29 s).
MAX_LONG_POLL_SECONDS = 20


def blueprint(context: ApiContext) -> Blueprint:
    """The self-service routes."""
    bp = Blueprint(__name__)

    def guard(view: Any) -> Any:
        return authenticated(context, bp)(view)

    @bp.route("/api/me", methods=["GET"])
    @guard
    def me(principal: Principal) -> Any:
        """The caller's roles, profile and trust, and whether the queue is theirs to take from."""
        return context.dashboard().profile.profile(principal) | {
            "may_take_from_queue": context.dashboard().queue.may_take(principal)
        }

    @bp.route("/api/me", methods=["PUT"])
    @guard
    def update_me(principal: Principal) -> Any:
        """Change the caller's skills, languages, time zone, quiet hours, notices, pause."""
        update = parse_body(current_request(bp), ProfileUpdate)
        return context.dashboard().profile.update_profile(principal, update)

    @bp.route("/api/feed", methods=["GET"])
    @guard
    def feed(principal: Principal) -> Any:
        """The caller's open assignments, most urgent first."""
        items = context.dashboard().feed.feed(principal)
        return {"items": as_json(items), "now": utc_now().isoformat()}

    @bp.route("/api/feed/changes", methods=["GET"])
    @guard
    def feed_changes(principal: Principal) -> Any:
        """Long poll: returns as soon as the feed's version differs from `since`, or after
        `wait` seconds (at most 20, inside API Gateway's 29 s) with the same version."""
        query = current_request(bp).query_params
        since = str(query.get("since") or "") if query else ""
        try:
            wait = min(MAX_LONG_POLL_SECONDS, max(0, int(query.get("wait") or 0) if query else 0))
        except ValueError:
            wait = 0
        feed = context.dashboard().feed
        version = feed.version(principal)
        waited = 0
        while version == since and waited < wait:
            time.sleep(1)
            waited += 1
            version = feed.version(principal)
        return {"version": version, "changed": version != since}

    @bp.route("/api/mentions/{mention_id}/reply", methods=["POST"])
    @guard
    def reply(principal: Principal, mention_id: str) -> Response:
        """Reply to an assigned mention: 202, queued for posting or waiting for approval."""
        draft = parse_body(current_request(bp), ReplyDraft)
        result = context.dashboard().replies.submit_reply(principal, mention_id, draft)
        return Response(status_code=202, body=as_json(result))

    @bp.route("/api/mentions/{mention_id}/decline", methods=["POST"])
    @guard
    def decline(principal: Principal, mention_id: str) -> Any:
        """Hand an assigned mention back for re-routing."""
        request = parse_body(current_request(bp), DeclineRequest)
        context.dashboard().replies.decline(principal, mention_id, request)
        return {"declined": mention_id}

    @bp.route("/api/mentions/{mention_id}/heartbeat", methods=["POST"])
    @guard
    def still_on_it(principal: Principal, mention_id: str) -> Any:
        """The "still on it" button: tell the assignment workflow the caller is on the mention."""
        context.dashboard().replies.still_on_it(principal, mention_id)
        return {"heartbeat": mention_id}

    @bp.route("/api/assignments/{mention_id}/link", methods=["GET"])
    @guard
    def open_link(principal: Principal, mention_id: str) -> Any:
        """Whether a notification's link (its token in `t`) opens this mention for the caller."""
        query = current_request(bp).query_params
        token = str(query.get("t") or "") if query else ""
        return context.dashboard().links.open(principal, mention_id, token)

    @bp.route("/api/replies", methods=["GET"])
    @guard
    def my_replies(principal: Principal) -> Any:
        """The caller's replies and what became of them."""
        return {"items": as_json(context.dashboard().replies.my_replies(principal))}

    @bp.route("/api/leaderboard", methods=["GET"])
    @guard
    def leaderboard(principal: Principal) -> Any:
        """Points this week and all time; with ?period=week|month|all (and language or topic,
        page_size, cursor: the previous page's `next`) one page of that board."""
        params = dict(current_request(bp).query_params or {})
        if not params:
            return context.dashboard().leaderboard.leaderboard()
        query = LeaderboardQuery.model_validate(params)  # ValidationError -> 400 at the edge
        return context.dashboard().leaderboard.board(
            query.period, query.language, query.cursor, query.page_size, query.topic
        )

    @bp.route("/api/me/points", methods=["GET"])
    @guard
    def my_points(principal: Principal) -> Any:
        """The caller's points page: history, replies with reach, badges, rank, feedback."""
        return context.dashboard().points.page(principal.responder_id)

    return bp
