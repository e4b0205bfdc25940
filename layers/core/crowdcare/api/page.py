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


def render_page(static_dir: Path, sign_in: dict[str, Any]) -> str:
    """index.html with the sign-in settings it needs, escaped for an HTML attribute."""
    page = (static_dir / "index.html").read_text("utf-8")
    return page.replace("{{CONFIG}}", html.escape(json.dumps(sign_in), quote=True))


def static_file(static_dir: Path, name: str) -> tuple[str, str] | None:
    """(content, type) of one of the page's files; None for anything else."""
    path = static_dir / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        return None
    return path.read_text("utf-8"), kind


def blueprint(static_dir: Path, sign_in: Callable[[], dict[str, Any]]) -> Blueprint:
    """GET / and GET /static/{name}."""
    bp = Blueprint(__name__)

    @bp.route("/", methods=["GET"])
    def index() -> Response:
        """The dashboard page, with the sign-in settings it needs."""
        return Response(
            body=render_page(static_dir, sign_in()),
            status_code=200,
            headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
        )

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
