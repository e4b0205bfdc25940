"""How each stored mention arrived: the replay's generic and X webhooks, signed Meta
deliveries, and one poller run over the seeded fake feeds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.domain.models import Platform, mention_key
from crowdcare.services.polling import SOURCE_NAMES

from crowdcare_local.demo import platform_samples
from crowdcare_local.demo.replay import DeliveryOutcome, Replayer, ReplayReport
from crowdcare_local.demo.samples import Delivery
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.stack import LocalStack

VIA_GENERIC, VIA_X, VIA_META, VIA_POLLER = "generic webhook", "x webhook", "meta webhook", "poller"


@dataclass
class PlatformReport:
    """How the mentions arrived, beyond the sample's generic and X webhooks."""

    arrived_via: dict[str, str] = field(default_factory=dict)  # mention id -> how
    meta: list[DeliveryOutcome] = field(default_factory=list)
    poll: dict[str, Any] = field(default_factory=dict)  # PollerFunction's answer


def stored_ids(stack: LocalStack) -> set[str]:
    """The ids of every stored mention."""
    mentions = MentionRepository(stack.client("dynamodb"), stack.ref("MentionsTable"))
    return {stored.mention.mention_id for stored in mentions.scan()}


def attribute_replay(
    deliveries: list[Delivery], report: ReplayReport, new_ids: set[str], into: PlatformReport
) -> None:
    """Generic deliveries name their mention; the rest of the replay's mentions came from X."""
    generic = {
        mention_key(Platform(d.payload["platform"]), str(d.payload["post_id"]))
        for d, o in zip(deliveries, report.outcomes, strict=True)
        if d.kind == "generic" and o.status < 400 and isinstance(d.payload, dict)
    }
    for mention_id in new_ids:
        into.arrived_via[mention_id] = VIA_GENERIC if mention_id in generic else VIA_X


def ingest_from_platforms(
    stack: LocalStack,
    *,
    replayer: Replayer,
    platforms: FakePlatformServer,
    now: datetime,
    arrivals: PlatformReport,
    stderr: TextIO,
) -> None:
    """Signed Meta deliveries, then one poller run over the seeded fake feeds."""
    before = stored_ids(stack)
    secret = stack.secret_values()["meta_app_secret"]
    arrivals.meta = [
        replayer.post_meta(headers, body)
        for headers, body in platform_samples.meta_deliveries(secret)
    ]
    after = stored_ids(stack)
    arrivals.arrived_via.update(dict.fromkeys(after - before, VIA_META))
    stderr.write(
        f"Meta webhook: {len(arrivals.meta)} signed deliveries, "
        f"{len(after - before)} new mentions\n"
    )
    platform_samples.seed_feeds(platforms, now)
    arrivals.poll = stack.run_scheduled("PollerFunction") or {}
    polled = stored_ids(stack)
    arrivals.arrived_via.update(dict.fromkeys(polled - after, VIA_POLLER))
    stderr.write(
        f"Poller: one run over {len(SOURCE_NAMES)} sources, {len(polled - after)} new mentions\n"
    )
