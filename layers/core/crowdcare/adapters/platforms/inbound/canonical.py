"""One post id per platform, whatever path a post came in by (webhook, poller, Graph lookup).

A redelivery is a no-op because the Mentions key is the platform and its post id; that only
holds if every path names the same post the same way. Most platforms have one global id per
post (a tweet id, a Reddit fullname, an ``at://`` URI, a Graph id). Mastodon does not: a
status's ``id`` is local to the instance that answers, so the poller (reading the brand's
instance) and a generic webhook sender (quoting the author's own instance, or a URL) would name
one status differently and store it twice.

A Mastodon status is therefore keyed by where it was published: ``<origin host>:<status id>``,
read from its ActivityPub ``uri`` (``https://host/users/name/statuses/ID``) or its web ``url``
(``https://host/@name/ID``), e.g. ``mastodon.social:114160000000000001``. Only when a path
offers no such address is the id kept as given.

Replying needs the status's id on the brand's own instance: for a status published there it is
the id after the colon; for another instance's status the reply adapter resolves the ``url``
(``GET /api/v2/search?q=<url>&resolve=true&type=statuses``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crowdcare.domain.models import Platform

# Paths that name a status on the instance that published it (Mastodon's URI and web URL, and
# the shapes other fediverse servers use). `/@name@other/ID` is a local view of another
# instance's status, with a local id: deliberately not matched.
_STATUS_PATHS = (
    re.compile(r"^/users/[^/]+/statuses/(?P<id>[A-Za-z0-9_-]+)/?$"),
    re.compile(r"^/@[^/@]+/(?P<id>[A-Za-z0-9_-]+)/?$"),
    re.compile(r"^/(?:notice|objects|notes)/(?P<id>[A-Za-z0-9_-]+)/?$"),
)
_MASTODON_KEY = re.compile(r"^[a-z0-9.-]+(?::[0-9]+)?:[A-Za-z0-9_-]+$")


def mastodon_status_key(address: str) -> str | None:
    """``host:id`` for an http(s) address of a status at its origin; None for anything else."""
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    for pattern in _STATUS_PATHS:
        found = pattern.match(parts.path)
        if found:
            return f"{parts.hostname.lower()}:{found['id']}"
    return None


def canonical_post_id(platform: Platform, post_id: str, url: str = "", uri: str = "") -> str:
    """The id the Mentions key uses for this post, the same on every path (see above)."""
    if platform is not Platform.MASTODON:
        return post_id
    if _MASTODON_KEY.match(post_id):
        return post_id  # already canonical (a replayed or re-sent mention)
    for address in (uri, post_id, url):
        key = mastodon_status_key(address) if address else None
        if key is not None:
            return key
    return post_id
