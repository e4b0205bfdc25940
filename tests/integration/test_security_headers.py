"""The dashboard's security headers (issue 10): a strict CSP and the usual companions on every
response of the API app, and static files that need nothing the policy refuses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The moto-backed app fixture of the API tests, shared rather than copied.
from tests.integration.test_api import api  # noqa: F401

if TYPE_CHECKING:
    from tests.integration.test_api import Api

STATIC = Path(__file__).resolve().parents[2] / "functions" / "api" / "static"
COMPANIONS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def _policy(header: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/", "/assignments/x%23123", "/static/app.js", "/api/me"])
def test_every_dashboard_response_carries_the_security_headers(
    api: Api,  # noqa: F811
    path: str,
) -> None:
    """GIVEN the API app, WHEN the page, a deep link, a script or an API route (even refused)
    is requested, THEN each answer carries nosniff, no-referrer, DENY framing, HSTS and a CSP
    that forbids framing."""
    response = api.call("GET", path)
    headers = {k.lower(): v for k, v in response.headers.items()}
    for name, value in COMPANIONS.items():
        assert headers[name.lower()] == value, name
    assert _policy(headers["content-security-policy"])["frame-ancestors"] == ["'none'"]


def test_the_page_policy_allows_only_its_own_scripts_styles_and_sign_in(
    api: Api,  # noqa: F811
) -> None:
    """GIVEN the dashboard page, WHEN served, THEN its CSP allows scripts and styles from its
    own origin only (no 'unsafe-inline', no 'unsafe-eval'), fetches from itself and the sign-in
    endpoint only, and no plugins."""
    response = api.call("GET", "/")
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'", "https://cognito-idp.us-east-1.amazonaws.com"]
    assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_the_page_files_need_nothing_the_policy_refuses() -> None:
    """GIVEN the dashboard's HTML and scripts, WHEN read, THEN there is no inline script, no
    inline event handler, no style attribute and no eval: the strict policy cannot break them."""
    page = (STATIC / "index.html").read_text("utf-8")
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.findall(r"\son[a-z]+\s*=", page) == []
    assert re.findall(r"\sstyle\s*=", page) == []
    for script in STATIC.glob("*.js"):
        code = script.read_text("utf-8")
        assert not re.search(r"\beval\(|new Function\(|setAttribute\(\s*[\"']style", code), script
        assert not re.search(r"innerHTML\s*=|insertAdjacentHTML|document\.write", code), script
