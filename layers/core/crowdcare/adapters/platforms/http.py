"""The one HTTP client every platform adapter uses: JSON in and out, polite retries.

429 and 5xx answers are retried with exponential backoff and full jitter, waiting at least as
long as the platform's own rate-limit headers ask (`Retry-After`, `x-rate-limit-reset`,
`x-ratelimit-reset`, `ratelimit-reset`). A caller with a deadline (a Lambda about to time out)
passes it, and the client gives up rather than sleep past it. Even without one, it never sleeps
more than `max_wait` in all for one request: a 429 that asks for 15 minutes is raised at once
(retryable, with `retry_after`) for the queue or the next scheduled run to wait out. Sleep,
clock and randomness are injected so tests run instantly and deterministically.

A request that is not idempotent (a POST that publishes something, unless it carries an
`Idempotency-Key`) is never re-sent blindly: once it may have reached the platform, a lost
answer (timeout, reset connection, a 5xx the platform may have answered after acting) raises a
retryable `PlatformError` with `outcome_unknown=True` at once, for the caller to look the result
up before trying again. Only what surely did not act is retried here: a refused connection or
an unknown host (nothing was sent) and a 429 (the platform refused before acting). An
idempotent request is retried as before; if it still fails that way, its error says
`outcome_unknown` too (an idempotency key does not last forever: Mastodon keeps it an hour).
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from crowdcare.domain.errors import PlatformError

RETRYABLE = frozenset({429, 500, 502, 503, 504})
# Answers that say the platform did not act on the request: safe to send it again.
REFUSED_BEFORE_ACTING = frozenset({429})
# Network failures raised by the transport: the request may or may not have been acted on.
NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: Any
    headers: Mapping[str, str]


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """How long the platform asks us to wait, from whichever rate-limit header it sends."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after" in lowered:
        try:
            return max(float(lowered["retry-after"]), 0.0)
        except ValueError:
            return None
    for name in ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        if name in lowered:
            raw = lowered[name]
            try:
                value = float(raw)
            except ValueError:
                # Mastodon sends an ISO 8601 time.
                try:
                    return max(
                        datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() - now, 0.0
                    )
                except ValueError:
                    continue
            # An epoch timestamp (X) or a number of seconds (Reddit).
            return max(value - now, 0.0) if value > 1_000_000_000 else max(value, 0.0)
    return None


Transport = Callable[[urllib.request.Request, float], HttpResponse]


def urllib_transport(request: urllib.request.Request, timeout: float) -> HttpResponse:
    """Send with the standard library; an HTTP error status is returned, not raised."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - base URL is configuration
            raw = response.read()
            return HttpResponse(response.status, _decode(raw), dict(response.headers))
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, _decode(error.read()), dict(error.headers))


def surely_not_sent(error: BaseException) -> bool:
    """Whether a network error happened before the request left (so re-sending is safe):
    a refused connection or a host that does not resolve. urllib wraps errors raised while
    connecting and sending in URLError; one raised while waiting for the answer (a timeout, a
    reset, a closed connection) arrives bare, after the platform may have acted."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else None
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def _lost(method: str, path: str, error: BaseException) -> PlatformError:
    """The error for a network failure: outcome unknown unless the request never left."""
    unknown = not surely_not_sent(error)
    return PlatformError(
        f"{method} {path}: {error or type(error).__name__}"
        + (" (the answer was lost: the platform may have acted on it)" if unknown else ""),
        status=None,
        retryable=True,
        outcome_unknown=unknown,
    )


def _encode(payload: Any, form: bool, headers: dict[str, str]) -> bytes | None:
    """The request body (JSON, or form-encoded), setting its Content-Type."""
    if payload is None:
        return None
    if form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urlencode(payload, doseq=True).encode()
    headers["Content-Type"] = "application/json"
    return json.dumps(payload).encode()


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw.decode(errors="replace")


@dataclass
class JsonHttpClient:
    """JSON over HTTP against one platform's base URL (configurable: tests use a fake)."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_wait: float = 30.0  # all sleeping within one request, whatever the platform asks
    transport: Transport = urllib_transport
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> HttpResponse:
        """GET `path` with query `params`."""
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return self.request("GET", path + query, **kw)

    def post(
        self, path: str, payload: Any = None, *, form: bool = False, **kw: Any
    ) -> HttpResponse:
        """POST a JSON (or form-encoded) body to `path`."""
        return self.request("POST", path, payload=payload, form=form, **kw)

    def request(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        form: bool = False,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        idempotent: bool | None = None,
    ) -> HttpResponse:
        """Send, retrying 429/5xx and network errors with backoff; raise PlatformError.

        `idempotent` defaults to True for every method but POST, and for a POST carrying an
        `Idempotency-Key`; a caller whose POST is harmless to repeat (a login) says so. A
        request that is not is only retried when it surely did not act (see the module).
        """
        all_headers = {"Accept": "application/json", **self.headers, **(headers or {})}
        if idempotent is None:
            keyed = any(name.lower() == "idempotency-key" for name in all_headers)
            idempotent = method.upper() != "POST" or keyed
        body = _encode(payload, form, all_headers)
        url = self.base_url.rstrip("/") + path
        last_error: PlatformError | None = None
        waited = 0.0
        for attempt in range(self.max_attempts):
            request = urllib.request.Request(url, data=body, headers=all_headers, method=method)  # noqa: S310
            try:
                response = self.transport(request, self.timeout)
            except NETWORK_ERRORS as exc:
                last_error = _lost(method, path, exc)
                if last_error.outcome_unknown and not idempotent:
                    raise last_error from exc
                wait = self._backoff(attempt, None)
            else:
                if response.status < 400:
                    return response
                last_error = self._refused(method, path, response)
                if not last_error.retryable or (last_error.outcome_unknown and not idempotent):
                    raise last_error
                wait = self._backoff(attempt, last_error.retry_after)
            if attempt + 1 == self.max_attempts:
                break
            if deadline is not None and self.clock() + wait >= deadline:
                break
            if waited + wait > self.max_wait:
                break  # the caller's queue or schedule waits the rest, not this Lambda
            self.sleep(wait)
            waited += wait
        assert last_error is not None
        raise last_error

    def _refused(self, method: str, path: str, response: HttpResponse) -> PlatformError:
        """The error for an HTTP error status; a 5xx may have been answered after the
        platform acted, so its outcome is unknown."""
        retryable = response.status in RETRYABLE
        return PlatformError(
            f"{method} {path}: HTTP {response.status}",
            status=response.status,
            retryable=retryable,
            retry_after=retry_after_seconds(response.headers, self.clock()),
            outcome_unknown=retryable and response.status not in REFUSED_BEFORE_ACTING,
        )

    def _backoff(self, attempt: int, hint: float | None) -> float:
        jittered = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
        return max(jittered, hint or 0.0)


ClientFactory = Callable[[str, dict[str, str]], JsonHttpClient]
"""Makes a client for a base URL and its headers (the one seam tests and the local run use)."""


def client_factory(
    timeout: float = 10.0, max_attempts: int = 4, max_delay: float = 20.0
) -> ClientFactory:
    """JsonHttpClients with one budget: per-call timeout, attempts and longest backoff."""

    def make(base_url: str, headers: dict[str, str]) -> JsonHttpClient:
        return JsonHttpClient(
            base_url=base_url,
            headers=headers,
            timeout=timeout,
            max_attempts=max_attempts,
            max_delay=max_delay,
        )

    return make
