"""Routes for employees and admins: response analytics, spike alerts and FAQ candidates.

`GET /api/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD&grain=day|hour` with at most one filter
(`platform`, `language`, `route`, `topic` or `band`) answers from the aggregate items in one
Query (`crowdcare.services.analytics.AnalyticsQuery`); without dates it is the last 14 days.
A period or filter the aggregates cannot answer (reversed dates, two filters, hourly figures
under a filter) is a 400 naming the problem. `GET /api/alerts` lists the last day's spike
alerts (the banner the spike function sets); `GET /api/faq?format=json|csv` (admins) exports
the last daily FAQ run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalice.app import Blueprint, Response
from pydantic import Field

from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.adapters.dynamodb.faq import FaqRunStore
from crowdcare.adapters.dynamodb.spikes import SpikeBanner
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.http_edge import as_json, error_response
from crowdcare.domain.models import Frozen
from crowdcare.rules.analytics import DimensionKind, Grain, dimension_for
from crowdcare.services.analytics import AnalyticsQuery
from crowdcare.services.faq_job import FaqRun, to_csv, to_json

DEFAULT_DAYS = 14
BANNER_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class InsightContext:
    """What the analytics routes read, built lazily like the dashboard."""

    analytics: Callable[[], AnalyticsQuery]
    alerts: Callable[[], SpikeBanner]
    faq: Callable[[], FaqRunStore]
    clock: Callable[[], datetime]


class AnalyticsRequest(Frozen):
    """The query string of `GET /api/analytics` (dates are UTC days, both inclusive)."""

    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")
    grain: Grain = Grain.DAY
    platform: str | None = None
    language: str | None = None
    route: str | None = None
    topic: str | None = None
    band: str | None = None

    def period(self, today: date) -> tuple[date, date]:
        """The days asked for: `to` defaults to today, `from` to 13 days before `to`."""
        end = self.end or today
        return self.start or end - timedelta(days=DEFAULT_DAYS - 1), end

    def dimension(self) -> str:
        """The one dimension the filters select (ValueError for more than one)."""
        return dimension_for({kind.value: getattr(self, kind.value) for kind in DimensionKind})


def blueprint(context: ApiContext, insight: InsightContext) -> Blueprint:
    """The analytics routes (employees and admins; advocates get 403)."""
    bp = Blueprint(__name__)

    def guard(view: Any) -> Any:
        return authenticated(context, bp, Role.EMPLOYEE, Role.ADMIN)(view)

    @bp.route("/api/analytics", methods=["GET"])
    @guard
    def analytics(principal: Principal) -> Any:
        """The period's figures and their series, for one filter at most."""
        params: dict[str, str] = dict(current_request(bp).query_params or {})
        request = AnalyticsRequest.model_validate(params)
        start, end = request.period(insight.clock().date())
        try:
            report = insight.analytics().figures(start, end, request.dimension(), request.grain)
        except ValueError as error:
            return error_response(400, str(error))
        return Response(status_code=200, body=as_json(report))

    @bp.route("/api/alerts", methods=["GET"])
    @guard
    def alerts(principal: Principal) -> Any:
        """The spike alerts of the last day, newest first (the dashboard's banner)."""
        return {"items": insight.alerts().since(insight.clock() - BANNER_WINDOW)}

    @bp.route("/api/faq", methods=["GET"])
    @authenticated(context, bp, Role.ADMIN)
    def faq(principal: Principal) -> Any:
        """The last FAQ run's candidates, as JSON (default) or CSV for a knowledge base."""
        params: dict[str, str] = dict(current_request(bp).query_params or {})
        export = params.get("format", "json")
        if export not in ("json", "csv"):
            return error_response(400, "format is json or csv")
        run = insight.faq().latest()
        if run is None:
            now = insight.clock()
            run = FaqRun(run_at=now, since=now, candidates=(), unclustered=0)
        if export == "csv":
            return Response(
                status_code=200,
                body=to_csv(run),
                headers={
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": 'attachment; filename="faq-candidates.csv"',
                },
            )
        return Response(
            status_code=200,
            body=to_json(run),
            headers={"Content-Type": "application/json"},
        )

    return bp
