"""Test support for the polled platforms: the fake server on loopback and clients for it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer


@contextmanager
def fake_platforms() -> Iterator[FakePlatformServer]:
    """A FakePlatformServer with every feed route, on 127.0.0.1, stopped afterwards."""
    server = FakePlatformServer()
    feeds.register(server)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def client(
    server: FakePlatformServer, prefix: str, sleeps: list[float] | None = None
) -> JsonHttpClient:
    """A JsonHttpClient for one fake platform; sleeps are recorded instead of slept."""
    recorded = [] if sleeps is None else sleeps
    return JsonHttpClient(
        f"{server.url}{prefix}",
        timeout=5.0,
        sleep=recorded.append,
        rng=random.Random(7),  # noqa: S311 - backoff jitter, seeded for repeatable tests
    )
