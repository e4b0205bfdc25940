"""The local stand-in for API Gateway: serves the template's Api events on 127.0.0.1.

Each request is matched against the Api events declared in template.yaml, turned into an API
Gateway (payload 1.0) event by Chalice's own local gateway, and handled by that function's
Chalice app, exactly as the deployed function would handle it.
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from chalice.config import Config
from chalice.local import LocalGateway

from crowdcare_local.least_privilege import running
from crowdcare_local.runtime import FunctionOutput

if TYPE_CHECKING:
    from crowdcare_local.stack import LocalStack

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
HOST = "127.0.0.1"


class PortInUseError(Exception):
    """The local API's port is taken (often by another `crowdcare demo`)."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} on {HOST} is already in use")
        self.port = port


def check_port_free(port: int) -> None:
    """Raise PortInUseError when `port` cannot be bound on loopback (0 always can).

    Checked before the slow boot, so a busy port is reported at once; the server's own bind
    reports it too, should the port be taken in between.
    """
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the HTTP server binds: a port left in TIME_WAIT by an earlier run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(port) from None
            raise


@dataclass(frozen=True)
class ApiRoute:
    method: str
    pattern: re.Pattern[str]
    function: str


def api_routes(stack: LocalStack) -> list[ApiRoute]:
    """Every (method, path) → function the template declares as an Api event."""
    routes = []
    for logical_id, spec in stack.functions.items():
        for event in spec.events.values():
            if event["Type"] != "Api":
                continue
            path = event["Properties"]["Path"]
            regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "/?$"
            routes.append(
                ApiRoute(event["Properties"]["Method"].upper(), re.compile(regex), logical_id)
            )
    return routes


def _requests_per_thread(app: Any) -> None:
    """Give a Chalice app one `current_request` per thread.

    Chalice keeps the request being handled on the app object: right in Lambda, which hands a
    container one request at a time, wrong in this threaded server, where a long poll of the
    feed and a page's other requests run at once and could read each other's query strings.
    """
    cls = type(app)
    if isinstance(cls.__dict__.get("current_request"), property):
        return
    local = threading.local()
    cls.current_request = property(
        lambda _self: getattr(local, "request", None),
        lambda _self, request: setattr(local, "request", request),
    )


class LocalApiServer:
    """A threaded HTTP server on loopback that forwards to the functions' Chalice apps."""

    def __init__(self, stack: LocalStack, port: int = 0) -> None:
        assert stack.runtime is not None
        runtime = stack.runtime
        self._routes = api_routes(stack)
        self._gateways: dict[str, LocalGateway] = {}
        for route in self._routes:
            if route.function not in self._gateways:
                app: Any = runtime.handler(route.function)  # a Chalice app (Handler: app.app)
                _requests_per_thread(app)
                config = Config.create(
                    chalice_stage="local", function_name=route.function, lambda_timeout=15
                )
                self._gateways[route.function] = LocalGateway(app, config)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                server.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug(format, *args)

        try:
            self._httpd = ThreadingHTTPServer((HOST, port), Handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(port) from None
            raise
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalApiServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="local-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        """Route one HTTP request to its function and write the function's response."""
        path = request.path.split("?", 1)[0]
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._reply(
                request,
                413,
                {"Content-Type": "application/json"},
                b'{"message":"Request Too Long"}',
            )
            return
        body = request.rfile.read(length) if length else None
        route = next(
            (r for r in self._routes if r.method == request.command and r.pattern.match(path)), None
        )
        if route is None:
            self._reply(
                request, 404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}'
            )
            return
        headers = {k.lower(): v for k, v in request.headers.items()}
        # The function runs on this server thread: its prints are its log, not our stdout.
        with FunctionOutput.running(), running(route.function):
            response = self._gateways[route.function].handle_request(
                method=request.command, path=request.path, headers=headers, body=body
            )
        payload = response.get("body") or b""
        if isinstance(payload, str):
            payload = payload.encode()
        self._reply(request, int(response["statusCode"]), response.get("headers", {}), payload)

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        request.send_response(status)
        for key, value in headers.items():
            if key.lower() != "content-length":
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
