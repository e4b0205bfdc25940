"""The fake platform server: a registry of routes, a record of calls, and fault injection.

Each platform module registers its routes (`register(server)`); handlers receive a `FakeRequest`
and return `(status, json_body)` or `(status, json_body, headers)`. Tests and the demo inject
faults per route prefix: `server.inject_faults("/x/", [429, 503])` makes the next two calls under
that prefix answer those statuses (429 carries rate-limit headers) before normal service resumes.
`server.lose_answers("/x/2/tweets", 2)` is the unlucky network: the next two POSTs under that
prefix are served (the reply is published) but the connection closes without an answer, as
when a timeout or a reset loses it on the way back.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]
RouteHandler = Callable[[FakeRequest], Reply]


@dataclass
class RecordedCall:
    method: str
    path: str
    status: int
    body: Any
    lost: bool = False  # served, but the answer never reached the caller


@dataclass
class FakePlatformServer:
    """Serves registered fake platform routes on 127.0.0.1."""

    routes: list[tuple[str, re.Pattern[str], RouteHandler]] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    _faults: dict[str, list[int]] = field(default_factory=dict)
    _lost: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    def route(self, method: str, pattern: str, handler: RouteHandler) -> None:
        """Register `handler` for `method` and a path regex (anchored at both ends)."""
        self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def inject_faults(self, prefix: str, statuses: list[int]) -> None:
        """Answer the next calls under `prefix` with these statuses, in order."""
        with self._lock:
            self._faults.setdefault(prefix, []).extend(statuses)

    def lose_answers(self, prefix: str, count: int = 1, method: str = "POST") -> None:
        """Serve the next `count` `method` calls under `prefix`, then drop their answers."""
        with self._lock:
            key = (method.upper(), prefix)
            self._lost[key] = self._lost.get(key, 0) + count

    def clear_faults(self) -> None:
        """Forget every injected fault and lost answer still pending."""
        with self._lock:
            self._faults.clear()
            self._lost.clear()

    def _loses_answer(self, method: str, path: str) -> bool:
        with self._lock:
            for (lost_method, prefix), left in self._lost.items():
                if left and lost_method == method and path.startswith(prefix):
                    self._lost[(lost_method, prefix)] = left - 1
                    return True
        return False

    def _next_fault(self, path: str) -> int | None:
        with self._lock:
            for prefix, statuses in self._faults.items():
                if path.startswith(prefix) and statuses:
                    return statuses.pop(0)
        return None

    def dispatch(self, request: FakeRequest) -> tuple[int, Any, dict[str, str]]:
        """Answer one request: an injected fault, a registered route, or 404."""
        fault = self._next_fault(request.path)
        if fault is not None:
            headers = {}
            if fault == 429:
                headers = {
                    "Retry-After": "1",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(int(time.time()) + 1),
                }
            return fault, {"error": f"injected {fault}"}, headers
        for method, pattern, handler in self.routes:
            if method == request.method and pattern.match(request.path):
                reply = handler(request)
                status, body = reply[0], reply[1]
                headers = reply[2] if len(reply) == 3 else {}
                return status, body, headers
        return 404, {"error": f"no fake route for {request.method} {request.path}"}, {}

    # ------------------------------------------------------------------ HTTP
    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0) -> FakePlatformServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = FakeRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                status, body, headers = server.dispatch(request)
                lost = server._loses_answer(self.command, parts.path)
                with server._lock:
                    server.calls.append(
                        RecordedCall(self.command, parts.path, status, body, lost=lost)
                    )
                if lost:
                    self.close_connection = True  # closed with no status line: "no answer"
                    return
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(
            target=self._httpd.serve_forever, name="fake-platforms", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
