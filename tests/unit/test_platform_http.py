"""The shared platform HTTP client: polite retries, honest failures, deadlines kept."""

from __future__ import annotations

import http.client
import random
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.adapters.platforms.http import HttpResponse, JsonHttpClient, retry_after_seconds
from crowdcare.domain.errors import PlatformError

NOW = 1_750_000_000.0


@dataclass
class ScriptedTransport:
    """Answers each request with the next scripted response (or raises it)."""

    script: list[HttpResponse | Exception]
    requests: list[urllib.request.Request] = field(default_factory=list)

    def __call__(self, request: urllib.request.Request, timeout: float) -> HttpResponse:
        self.requests.append(request)
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class FakeTime:
    now: float = NOW
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def ok(body: Any = None) -> HttpResponse:
    return HttpResponse(200, body if body is not None else {"ok": True}, {})


def status(code: int, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(code, {"error": code}, headers or {})


def client(
    transport: Callable[[urllib.request.Request, float], HttpResponse],
    time: FakeTime,
    **kw: Any,
) -> JsonHttpClient:
    return JsonHttpClient(
        base_url="https://api.example/v1/",
        headers={"Authorization": "Bearer t"},
        transport=transport,
        sleep=time.sleep,
        clock=time.clock,
        rng=random.Random(7),  # noqa: S311 - jitter, not cryptography
        **kw,
    )


def test_429_is_retried_after_the_retry_after_header() -> None:
    """A 429 with Retry-After: 7 waits at least 7 seconds, then the retry succeeds."""
    # GIVEN a platform that rate-limits once
    time = FakeTime()
    transport = ScriptedTransport([status(429, {"Retry-After": "7"}), ok({"id": "1"})])
    # WHEN a post is sent
    response = client(transport, time).post("/things", {"a": 1})
    # THEN it succeeded on the second attempt after waiting as asked
    assert response.body == {"id": "1"}
    assert len(transport.requests) == 2
    assert time.slept and time.slept[0] >= 7


def test_503_is_retried_with_backoff() -> None:
    """Two 503s are retried, with jittered backoff bounded by the exponential ceiling."""
    time = FakeTime()
    transport = ScriptedTransport([status(503), status(503), ok()])
    response = client(transport, time, base_delay=0.5).get("/things", {"q": "x"})
    assert response.status == 200
    assert len(time.slept) == 2
    assert 0 <= time.slept[0] <= 0.5
    assert 0 <= time.slept[1] <= 1.0
    assert transport.requests[0].full_url == "https://api.example/v1/things?q=x"


def test_gives_up_after_max_attempts_with_a_retryable_error() -> None:
    """A platform that keeps failing raises a retryable PlatformError after max_attempts."""
    time = FakeTime()
    transport = ScriptedTransport([status(500), status(502), status(504)])
    with pytest.raises(PlatformError) as caught:
        client(transport, time, max_attempts=3).get("/things")
    assert caught.value.retryable
    assert caught.value.status == 504
    assert len(transport.requests) == 3
    assert len(time.slept) == 2  # no pointless sleep after the last attempt


def test_400_raises_at_once_and_is_not_retryable() -> None:
    """A client error is the caller's mistake: no retry, not retryable."""
    time = FakeTime()
    transport = ScriptedTransport([status(400), ok()])
    with pytest.raises(PlatformError) as caught:
        client(transport, time).post("/things", {"bad": True})
    assert not caught.value.retryable
    assert caught.value.status == 400
    assert len(transport.requests) == 1
    assert time.slept == []


def test_network_errors_and_timeouts_are_retried() -> None:
    """A refused connection and a timeout are transient: retried, then success."""
    time = FakeTime()
    transport = ScriptedTransport(
        [urllib.error.URLError("connection refused"), TimeoutError("read timed out"), ok()]
    )
    assert client(transport, time).get("/things").status == 200
    assert len(transport.requests) == 3


def test_deadline_is_respected() -> None:
    """A wait that would pass the caller's deadline is not taken: the error is raised now."""
    time = FakeTime()
    transport = ScriptedTransport([status(429, {"Retry-After": "30"}), ok()])
    with pytest.raises(PlatformError) as caught:
        client(transport, time).request("GET", "/things", deadline=NOW + 10)
    assert caught.value.retryable
    assert caught.value.retry_after == 30
    assert time.slept == []
    assert len(transport.requests) == 1


def test_form_posts_are_url_encoded() -> None:
    """A form post (Reddit) sends an urlencoded body with the matching content type."""
    time = FakeTime()
    transport = ScriptedTransport([ok()])
    client(transport, time).post("/api/comment", {"thing_id": "t3_x", "text": "a b"}, form=True)
    sent = transport.requests[0]
    assert sent.data == b"thing_id=t3_x&text=a+b"
    assert sent.get_header("Content-type") == "application/x-www-form-urlencoded"
    assert sent.get_header("Authorization") == "Bearer t"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "5"}, 5.0),
        ({"x-rate-limit-reset": str(int(NOW) + 12)}, 12.0),  # X: an epoch timestamp
        ({"X-Ratelimit-Reset": "42"}, 42.0),  # Reddit: seconds
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_rate_limit_headers_are_read(headers: dict[str, str], expected: float | None) -> None:
    """Each platform's rate-limit header gives how long to wait."""
    assert retry_after_seconds(headers, NOW) == expected


def test_mastodon_iso_reset_header_is_honoured() -> None:
    """Mastodon's ISO 8601 X-RateLimit-Reset is read as seconds from now."""
    # GIVEN a reset time 30 s after "now"
    headers = {"X-RateLimit-Reset": "2026-11-24T12:00:30.000Z"}
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC).timestamp()
    # WHEN the wait is computed THEN it is those 30 s
    assert retry_after_seconds(headers, now) == 30.0


def test_a_long_rate_limit_reset_is_handed_back_not_slept() -> None:
    """GIVEN a 429 whose reset is 15 minutes away and no deadline, WHEN requested, THEN the
    client raises at once (retryable, retry_after=900) instead of sleeping 900 s in a Lambda."""
    time = FakeTime()
    reset = str(int(NOW) + 900)
    transport = ScriptedTransport([status(429, {"x-rate-limit-reset": reset}), ok()])
    with pytest.raises(PlatformError) as caught:
        client(transport, time).get("/things")
    assert caught.value.retryable
    assert caught.value.retry_after == 900
    assert time.slept == []
    assert len(transport.requests) == 1


def test_all_waits_of_one_request_stay_within_max_wait() -> None:
    """GIVEN a platform answering 429 with Retry-After: 12 again and again, WHEN requested with
    max_wait=30, THEN the client sleeps at most 30 s in all before raising."""
    time = FakeTime()
    transport = ScriptedTransport([status(429, {"Retry-After": "12"})] * 4)
    with pytest.raises(PlatformError):
        client(transport, time, max_wait=30.0).get("/things")
    assert sum(time.slept) <= 30
    assert len(time.slept) == 2


# ---------------------------------------------------------------------------- lost answers


@pytest.mark.parametrize(
    "lost",
    [
        TimeoutError("The read operation timed out"),
        ConnectionResetError(104, "Connection reset by peer"),
        http.client.RemoteDisconnected("Remote end closed connection without response"),
    ],
)
def test_a_lost_answer_to_a_post_is_not_sent_again(lost: Exception) -> None:
    """GIVEN a POST whose answer is lost after sending, THEN it is not re-sent: the error says
    the outcome is unknown (retryable, for the caller to look the result up first)."""
    time = FakeTime()
    transport = ScriptedTransport([lost, ok({"id": "2"})])
    with pytest.raises(PlatformError) as caught:
        client(transport, time).post("/2/tweets", {"text": "hi"})
    assert caught.value.outcome_unknown
    assert caught.value.retryable
    assert len(transport.requests) == 1
    assert time.slept == []


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_a_5xx_to_a_post_is_an_unknown_outcome_not_a_retry(code: int) -> None:
    """GIVEN a POST answered with a 5xx (the platform may have acted before failing), THEN it
    is raised at once with an unknown outcome, not sent a second time."""
    time = FakeTime()
    transport = ScriptedTransport([status(code), ok()])
    with pytest.raises(PlatformError) as caught:
        client(transport, time).post("/things", {"a": 1})
    assert (caught.value.status, caught.value.outcome_unknown) == (code, True)
    assert len(transport.requests) == 1


def test_a_post_that_never_left_is_retried() -> None:
    """GIVEN a refused connection or an unknown host (nothing was sent), THEN the POST is
    retried as before, and succeeds."""
    time = FakeTime()
    refused = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    unknown_host = urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))
    transport = ScriptedTransport([refused, unknown_host, ok({"id": "1"})])
    assert client(transport, time).post("/things", {"a": 1}).body == {"id": "1"}
    assert len(transport.requests) == 3


def test_a_keyed_or_declared_idempotent_post_is_retried_after_a_lost_answer() -> None:
    """GIVEN a POST with an Idempotency-Key (Mastodon) or declared harmless to repeat (a
    login), THEN a lost answer is retried in the client as any GET would be."""
    time = FakeTime()
    keyed = ScriptedTransport([TimeoutError("timed out"), ok({"id": "1"})])
    response = client(keyed, time).post("/statuses", {"s": 1}, headers={"Idempotency-Key": "r-1"})
    assert response.body == {"id": "1"}
    login = ScriptedTransport([ConnectionResetError(104, "reset"), ok({"jwt": "t"})])
    assert client(login, time).post("/session", {"u": 1}, idempotent=True).body == {"jwt": "t"}
    assert (len(keyed.requests), len(login.requests)) == (2, 2)


def test_a_lost_answer_to_a_get_is_retried() -> None:
    """GIVEN a GET (a lookup) whose answer is lost, THEN it is simply asked again."""
    time = FakeTime()
    transport = ScriptedTransport([http.client.RemoteDisconnected("closed"), ok({"data": []})])
    assert client(transport, time).get("/2/users/1/tweets").body == {"data": []}
    assert len(transport.requests) == 2
