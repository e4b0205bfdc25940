"""The dashboard page and its assets: public, holding no data (the page signs in itself)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Response

from crowdcare.config.http_edge import error_response

STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def render_page(static_dir: Path, sign_in: dict[str, Any], base: str = "./") -> str:
    """index.html with the sign-in settings it needs, escaped for an HTML attribute.

    `base` is where the page's relative URLs start: "./" at the root; "../" for a deep link one
    level down, so the assets and the API keep the deployed stage prefix (/v1/) either way.
    """
    page = (static_dir / "index.html").read_text("utf-8")
    page = page.replace("{{BASE}}", html.escape(base, quote=True))
    return page.replace("{{CONFIG}}", html.escape(json.dumps(sign_in), quote=True))


def _html(body: str) -> Response:
    return Response(
        body=body,
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


def static_file(static_dir: Path, name: str) -> tuple[str, str] | None:
    """(content, type) of one of the page's files; None for anything else."""
    path = static_dir / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        return None
    return path.read_text("utf-8"), kind


def blueprint(static_dir: Path, sign_in: Callable[[], dict[str, Any]]) -> Blueprint:
    """GET /, GET /assignments/{mention_id} and GET /static/{name}."""
    bp = Blueprint(__name__)

    @bp.route("/", methods=["GET"])
    def index() -> Response:
        """The dashboard page, with the sign-in settings it needs."""
        return _html(render_page(static_dir, sign_in()))

    @bp.route("/assignments/{mention_id}", methods=["GET"])
    def assignment(mention_id: str) -> Response:
        """A notification's link: the same page, which signs in and then checks the link
        (`GET /api/assignments/{mention_id}/link`) before opening the mention."""
        return _html(render_page(static_dir, sign_in(), base="../"))

    @bp.route("/static/{name}", methods=["GET"])
    def static(name: str) -> Response:
        """The page's script, styles and icons (a fixed set of files, nothing else)."""
        found = static_file(static_dir, name)
        if found is None:
            return error_response(404, "no such file")
        body, kind = found
        return Response(
            body=body,
            status_code=200,
            headers={"Content-Type": f"{kind}; charset=utf-8", "Cache-Control": "max-age=300"},
        )

    return bp
