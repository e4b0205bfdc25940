"""The demo's reply helpers on the local stack: replies go through the real ReplyQueue and
ReplyPosterFunction to the fake platforms, a failing platform's replies are parked, and the
scheduled reach tracker reads the rest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.reply_demo import configure_reply_adapters, post_sample_replies

from tests.workflow.conftest import Deployed


@pytest.fixture
def fake() -> Iterator[FakePlatformServer]:
    server = FakePlatformServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_sample_replies_are_posted_parked_and_tracked(
    stack: Deployed, fake: FakePlatformServer
) -> None:
    """X and Mastodon (503s first) replies are posted, Facebook's are parked with the 500."""
    # GIVEN the stack pointed at the fake platforms and three stored mentions
    configure_reply_adapters(stack.stack, fake)
    now = datetime.now(UTC)
    for platform, post_id in (
        (Platform.X, "1995000000000000001"),
        (Platform.MASTODON, "113000000000000001"),
        (Platform.FACEBOOK, "555_666"),
    ):
        stack.mentions.put_if_new(
            Mention(
                platform=platform,
                post_id=post_id,
                author=Author(id="u9", handle="robin"),
                text="Is the Brightwave Thermo compatible with heat pumps?",
                created_at=now,
            ),
            now,
        )
    stack.settle()
    # WHEN the demo answers one mention per platform
    summary = post_sample_replies(stack.stack, fake, per_platform=1, timeout=60)
    # THEN X and Mastodon were posted (Mastodon after a retried delivery), Facebook parked
    assert summary.posted == {"x": 1, "mastodon": 1}
    assert summary.retried == 1
    assert [platform for platform, _ in summary.parked] == ["facebook"]
    assert "HTTP 500" in summary.parked[0][1]
    assert {p["platform"] for p in outbound.posted(fake)} == {"x", "mastodon"}
    assert summary.reach["likes"] > 0
    assert summary.lines()[0].startswith("Replies     3 submitted")
