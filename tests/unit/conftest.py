"""Fixtures shared by the unit tests that talk to the fake platforms' outbound routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakePlatformServer]:
    """One fake platform server on loopback per test module."""
    fake = FakePlatformServer().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def server(running_server: FakePlatformServer) -> FakePlatformServer:
    """The running fake with only the outbound routes, and no calls, state or faults yet."""
    running_server.routes.clear()
    running_server.calls.clear()
    running_server.state.clear()
    running_server.clear_faults()
    return outbound.register(running_server)
