"""The demo material for polled platforms and Meta works through the real code paths."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chalice.test import Client
from crowdcare.adapters.platforms.inbound.sources import PlatformCredentials
from crowdcare.config.settings import PollerSettings
from crowdcare.services.polling import SOURCE_NAMES, build_sources
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.platform_demo import meta_deliveries, seed_feeds

from tests.fake_feeds import fake_platforms
from tests.integration.conftest import MetaWebhookEnv

NOW = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)


def test_seeded_feeds_are_read_by_every_source() -> None:
    """All twelve seeded mentions are found by the seven sources' first runs."""
    with fake_platforms() as server:
        # GIVEN the seeded fake feeds and every source pointed at them
        assert seed_feeds(server, NOW) == 12
        urls = {k.lower(): v for k, v in feeds.base_urls(server).items()}
        settings = PollerSettings.model_validate(
            {
                "mentions_table": "m",
                "cursors_table": "c",
                "platform_credentials_name": "p",
                "poll_sources": ",".join(SOURCE_NAMES),
                **urls,
            }
        )
        credentials = PlatformCredentials.model_validate(
            {name: f"local-{name}" for name in PlatformCredentials.model_fields}
        )
        sources, skipped = build_sources(settings, credentials)
        # WHEN each source reads its first page
        found = {m.mention_id for s in sources for m in s.fetch(None, deadline=None).mentions}
    # THEN every seeded mention is there, and no source was skipped
    assert skipped == {}
    assert len(found) == 12


def test_meta_deliveries_store_four_and_park_one(meta_webhook_env: MetaWebhookEnv) -> None:
    """The signed demo deliveries store four mentions and park the one broken entry."""
    # GIVEN the demo deliveries signed with the app secret
    deliveries = meta_deliveries(meta_webhook_env.app_secret)
    # WHEN they are posted
    with Client(meta_webhook_env.base.app_module.app) as client:
        answers = [
            json.loads(client.http.post("/webhooks/meta", headers=h, body=b).body)
            for h, b in deliveries
        ]
    # THEN four are stored, one parked
    assert sum(a["accepted"] for a in answers) == 4
    assert sum(a["parked"] for a in answers) == 1
    assert len(meta_webhook_env.base.stored_ids()) == 4
