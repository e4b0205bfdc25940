"""Routes for admins: responders (one by one, or a CSV import), the routing and points rules."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.adapters.responders_csv import CsvFileError, parse_responders
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.http_edge import as_json, error_response, parse_body, raw_body
from crowdcare.domain.dashboard import LeaderboardQuery, ResponderEdit

MAX_CSV_BYTES = 1024 * 1024


def blueprint(context: ApiContext) -> Blueprint:
    """The admins' routes."""
    bp = Blueprint(__name__)

    def guard(view: Any) -> Any:
        return authenticated(context, bp, Role.ADMIN)(view)

    @bp.route("/api/admin/responders", methods=["GET"])
    @guard
    def responders(principal: Principal) -> Any:
        """Every responder."""
        return {"items": as_json(context.dashboard().admin.list_responders())}

    @bp.route("/api/admin/responders/{responder_id}", methods=["PUT"])
    @guard
    def edit_responder(principal: Principal, responder_id: str) -> Response:
        """Create or update one responder."""
        edit = parse_body(current_request(bp), ResponderEdit)
        responder, created = context.dashboard().admin.edit_responder(responder_id, edit)
        return Response(status_code=201 if created else 200, body=as_json(responder))

    @bp.route(
        "/api/admin/responders/import",
        methods=["POST"],
        content_types=["text/csv", "text/plain"],
    )
    @guard
    def import_responders(principal: Principal) -> Response:
        """Import responders from CSV: good rows are stored, bad rows come back with reasons."""
        raw = raw_body(current_request(bp))
        if len(raw) > MAX_CSV_BYTES:
            return error_response(413, f"the file is larger than {MAX_CSV_BYTES // 1024} KB")
        try:
            parsed = parse_responders(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return error_response(400, "the file is not UTF-8 text")
        except CsvFileError as error:
            return error_response(400, str(error))
        report = context.dashboard().admin.import_responders(parsed)
        return Response(status_code=200, body=as_json(report))

    @bp.route("/api/admin/rules", methods=["GET"])
    @guard
    def rules(principal: Principal) -> Any:
        """The stored routing rules and the rules in force."""
        return context.dashboard().admin.rules_document()

    @bp.route("/api/admin/rules", methods=["PUT"])
    @guard
    def save_rules(principal: Principal) -> Any:
        """Validate and store the routing rules the triage workflow reads."""
        raw = raw_body(current_request(bp)) or b"{}"
        return context.dashboard().admin.save_rules(raw.decode("utf-8", errors="replace"))

    @bp.route("/api/admin/points.csv", methods=["GET"])
    @guard
    def export_points(principal: Principal) -> Response:
        """A board as CSV for rewards programmes (?period=week|month|all, ?language= or
        ?topic=)."""
        params = dict(current_request(bp).query_params or {})
        query = LeaderboardQuery.model_validate({"period": "month"} | params)
        body = context.dashboard().leaderboard.export_csv(query.period, query.language, query.topic)
        return Response(
            status_code=200,
            body=body,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="points-{query.period.value}.csv"',
            },
        )

    @bp.route("/api/admin/points-rules", methods=["GET"])
    @guard
    def points_rules(principal: Principal) -> Any:
        """The stored points rules and the rules in force."""
        return context.dashboard().admin.points_rules_document()

    @bp.route("/api/admin/points-rules", methods=["PUT"])
    @guard
    def save_points_rules(principal: Principal) -> Any:
        """Validate and store the points rules (refused with the field at fault)."""
        raw = raw_body(current_request(bp)) or b"{}"
        return context.dashboard().admin.save_points_rules(raw.decode("utf-8", errors="replace"))

    return bp
