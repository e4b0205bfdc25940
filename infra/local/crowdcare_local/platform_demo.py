"""Demo material for the polled platforms and the Meta webhook (invented Brightwave posts).

* `seed_feeds(server, now)` puts 12 mentions into the fake Reddit, Mastodon, Bluesky and X
  search feeds (`crowdcare_local.fake_platforms.feeds`), dated in the hour before `now`;
* `meta_deliveries(app_secret)` gives signed Meta deliveries (headers, body) for
  ``POST /webhooks/meta``: one Facebook Page batch and one Instagram batch, the Page batch
  carrying one broken entry (no ``from``) that the webhook parks while storing the others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from crowdcare.adapters.platforms.inbound.signatures import META_SIGNATURE_HEADER, sign_meta

from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def seed_feeds(server: FakePlatformServer, now: datetime) -> int:
    """Seed the fake feeds with Brightwave mentions; returns how many were added."""
    at = [now - timedelta(minutes=60 - 5 * n) for n in range(12)]
    added = 0

    reddit = [
        feeds.reddit_post(
            "1jc0a1",
            "nightowl_networks",
            "Brightwave Mesh drops the 5 GHz band every evening",
            "Three nodes, firmware 4.2. Every night around 9pm the 5 GHz band disappears until I "
            "reboot. Anyone else?",
            created_utc=at[0].timestamp(),
            subreddit="HomeNetworking",
        ),
        feeds.reddit_post(
            "1jc0b7",
            "frugal_heating",
            "Brightwave Thermo paid for itself in one winter",
            "",
            created_utc=at[4].timestamp(),
            subreddit="homeautomation",
        ),
    ]
    for item in reddit:
        feeds.add(server, "reddit_search", item)
    feeds.add(
        server,
        "reddit_mentions",
        feeds.reddit_comment_mention(
            "mk31x",
            "sunny_side",
            "u/BrightwaveHelp my Thermo lost its whole weekly schedule "
            "after the app update. Is there a way to restore it?",
            created_utc=at[8].timestamp(),
            parent="t3_1jc0a1",
            subreddit="HomeNetworking",
        ),
    )
    added += 3

    ruth = feeds.mastodon_account("109348214792846591", "ruth@fosstodon.org", "Ruth", 812)
    jens = feeds.mastodon_account("109500000000000222", "jens@chaos.social", "Jens", 95)
    mention = feeds.mastodon_status(
        "114158347201938472",
        ruth,
        '<p><span class="h-card"><a href="https://mastodon.social/@brightwave" class="u-url '
        'mention">@<span>brightwave</span></a></span> the Thermo app says &quot;offline&quot; '
        "but the thermostat is fine &amp; heating. Is there a status page?</p>",
        _iso(at[1]),
    )
    feeds.add(server, "mastodon_notifications", feeds.mastodon_notification("34975861", mention))
    feeds.add(
        server,
        "mastodon_statuses",
        feeds.mastodon_status(
            "114158415830012734",
            jens,
            '<p>Seit dem Update verbindet sich mein <a href="https://chaos.social/tags/Brightwave" '
            'class="mention hashtag">#<span>Brightwave</span></a> Mesh nicht mehr mit dem '
            "Gastnetz. Jemand eine Idee?</p>",
            _iso(at[5]),
            language="de",
            tags=("brightwave",),
        ),
    )
    feeds.add(
        server,
        "mastodon_statuses",
        feeds.mastodon_status(
            "114158500000000001",
            ruth,
            '<p>Update: <a href="https://fosstodon.org/tags/brightwave" class="mention hashtag">'
            "#<span>brightwave</span></a> support fixed it in ten minutes. Impressed!</p>",
            _iso(at[9]),
            tags=("brightwave",),
        ),
    )
    added += 3

    for n, (did, handle, text, lang) in enumerate(
        [
            (
                "did:plc:4xq2b7rmzyw3d5k6n8p0c1ab",
                "maya.bsky.social",
                "Three days without heating schedules because the Brightwave app won't log in. "
                "Support chat just loops.",
                "en",
            ),
            (
                "did:plc:7ttp2mkdx3rj4gqv5dxb2n6y",
                "lucas.dev",
                "Le Brightwave Mesh a enfin réglé mes zones mortes à l'étage. Installation en dix "
                "minutes.",
                "fr",
            ),
            (
                "did:plc:2abcxyz7k3m4n5p6q7r8s9t0",
                "sam-builds.bsky.social",
                "does brightwave plus include the extended warranty or is that separate?",
                "en",
            ),
        ]
    ):
        post = feeds.bluesky_post(
            did, handle, f"3lkd{n}demo22z", text, _iso(at[2 + 4 * n // 2]), lang=lang
        )
        feeds.add(server, "bluesky_posts", post)
    added += 3

    priya = feeds.x_user("1467726470533754880", "priya_r_home", "Priya R", 342)
    dev = feeds.x_user("2244994945", "devpatel_tech", "Dev Patel", 48210, verified=True)
    lucia = feeds.x_user("1590001234567890123", "lucia_mx", "Lucía", 57)
    for tweet_id, user, text, lang, moment in [
        (
            "1900512874402828711",
            priya,
            "@BrightwaveHelp my Brightwave Thermo shows E42 and "
            "won't heat. Reset twice already. It's 12°C in here",
            "en",
            at[3],
        ),
        (
            "1900512874402828800",
            dev,
            "Honestly the Brightwave Mesh is the first router my "
            "parents set up on their own. Good job.",
            "en",
            at[7],
        ),
        (
            "1900512874402828900",
            lucia,
            "¿El Brightwave Thermo funciona con calderas de gas? ¿Y Brightwave Plus vale la pena?",
            "es",
            at[11],
        ),
    ]:
        feeds.add_x_tweet(
            server, feeds.x_tweet(tweet_id, user, text, _iso(moment), lang=lang), user
        )
    added += 3
    return added


PAGE_ID = "104729385012345"
INSTAGRAM_ID = "17841405822304914"


def _signed(app_secret: bytes, payload: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        META_SIGNATURE_HEADER: sign_meta(app_secret, body),
    }
    return headers, body


def meta_deliveries(app_secret: str | bytes) -> list[tuple[dict[str, str], bytes]]:
    """Signed Meta deliveries: a Page batch (2 good changes, 1 broken) and an Instagram batch."""
    key = app_secret.encode() if isinstance(app_secret, str) else app_secret
    page = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1741944420,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "7712938475610293", "name": "Grace Okafor"},
                            "item": "comment",
                            "verb": "add",
                            "post_id": f"{PAGE_ID}_998877665544332",
                            "comment_id": "998877665544332_1203948576",
                            "parent_id": f"{PAGE_ID}_998877665544332",
                            "created_time": 1741944413,
                            "message": (
                                "My Brightwave Thermo has been stuck on 'Calibrating' "
                                "since last night's update. Anyone else?"
                            ),
                        },
                    }
                ],
            },
            {
                "id": PAGE_ID,
                "time": 1741944900,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "5548120399871234", "name": "Tomás Herrera"},
                            "item": "status",
                            "verb": "add",
                            "published": 1,
                            "post_id": f"{PAGE_ID}_998877665599001",
                            "created_time": 1741944895,
                            "message": (
                                "@Brightwave the Mesh keeps dropping the 5 GHz band every "
                                "evening. Ticket 88123 has had no answer for a week."
                            ),
                        },
                    }
                ],
            },
            # Broken on purpose: no "from", so it cannot become a mention and is parked.
            {
                "id": PAGE_ID,
                "time": 1741945000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "post_id": f"{PAGE_ID}_998877665599001",
                            "comment_id": "998877665599001_1203950001",
                            "created_time": 1741944990,
                            "message": "Same here with Brightwave Plus, cancelled.",
                        },
                    }
                ],
            },
        ],
    }
    instagram = {
        "object": "instagram",
        "entry": [
            {
                "id": INSTAGRAM_ID,
                "time": 1741946100,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "17841400008460056", "username": "lena.builds"},
                            "media": {"id": "18023456789012345", "media_product_type": "FEED"},
                            "id": "17865799348089039",
                            "text": "Does the Brightwave Thermo work with heat pumps? 🔥",
                        },
                    }
                ],
            },
            {
                "id": INSTAGRAM_ID,
                "time": 1741946400,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "17841400008467777", "username": "marco_rossi_tech"},
                            "media": {"id": "18023456789012345", "media_product_type": "FEED"},
                            "id": "17865799348089123",
                            "parent_id": "17865799348089039",
                            "text": "Funziona benissimo con la mia pompa di calore!",
                        },
                    }
                ],
            },
        ],
    }
    return [_signed(key, page), _signed(key, instagram)]
