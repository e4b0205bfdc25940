"""The sample replayed over HTTP: timestamps rebased to 'just now', each delivery signed
as its platform signs it (or broken, as the sample says), and what the webhooks answered."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crowdcare.adapters.platforms.inbound.signatures import sign_generic, sign_x

from crowdcare_local.demo.samples import Delivery

OVERSIZE_PADDING_BYTES = 300 * 1024
REPLAY_WINDOW = timedelta(minutes=30)


@dataclass
class DeliveryOutcome:
    status: int
    body: dict[str, Any]
    tamper: str | None


@dataclass
class ReplayReport:
    outcomes: list[DeliveryOutcome] = field(default_factory=list)
    seconds: float = 0.0  # how long sending every delivery took


class Replayer:
    """Rebases the sample's timestamps to 'just now' and posts each delivery, signed."""

    def __init__(self, base_url: str, secrets: dict[str, str], now: datetime) -> None:
        self._base_url = base_url
        self._generic_key = secrets["generic_webhook_secret"].encode()
        self._x_key = secrets["x_consumer_secret"].encode()
        self._now = now
        self._latest: datetime | None = None

    def rebase(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Squeeze the sample's day into the last half hour, keeping order and duplicates equal."""
        stamps = [t for d in deliveries for t in _created_times(d.payload)]
        if not stamps:
            return deliveries
        first, last = min(stamps), max(stamps)
        span = max((last - first).total_seconds(), 1.0)

        def shift(moment: datetime) -> datetime:
            behind = (last - moment).total_seconds() / span * REPLAY_WINDOW.total_seconds()
            return self._now - timedelta(seconds=behind + 5)

        return [
            Delivery(d.kind, _rewrite_times(d.payload, shift), d.tamper, d.note) for d in deliveries
        ]

    def send(self, delivery: Delivery) -> DeliveryOutcome:
        """Post one delivery as its platform would (or broken, as its `tamper` says)."""
        body = json.dumps(delivery.payload).encode()
        if delivery.tamper == "malformed_json":
            body = body[: max(len(body) // 2, 1)]
        if delivery.tamper == "oversized":
            body = json.dumps(
                {**delivery.payload, "padding": "x" * OVERSIZE_PADDING_BYTES}
            ).encode()
        timestamp = int(self._now.timestamp())
        if delivery.tamper == "stale_timestamp":
            timestamp += 3600 if "future" in delivery.note.lower() else -900
        headers = {"Content-Type": "application/json"}
        if delivery.kind == "x":
            path = "/webhooks/x"
            key = b"not-the-consumer-secret" if delivery.tamper == "bad_signature" else self._x_key
            headers["x-twitter-webhooks-signature"] = sign_x(key, body)
        else:
            path = "/webhooks/generic"
            key = (
                b"not-the-webhook-secret"
                if delivery.tamper == "bad_signature"
                else self._generic_key
            )
            headers["X-CrowdCare-Timestamp"] = str(timestamp)
            headers["X-CrowdCare-Signature"] = sign_generic(key, timestamp, body)
        if delivery.tamper == "missing_signature":
            headers = {k: v for k, v in headers.items() if "signature" not in k.lower()}
        return self._post(path, body, headers, delivery.tamper)

    def post_meta(self, headers: dict[str, str], body: bytes) -> DeliveryOutcome:
        """Post one Meta delivery (already signed with the app secret)."""
        return self._post("/webhooks/meta", body, headers, None)

    def _post(
        self, path: str, body: bytes, headers: dict[str, str], tamper: str | None
    ) -> DeliveryOutcome:
        # Only ever the local API server's http://127.0.0.1 URL, built by this class.
        request = urllib.request.Request(  # noqa: S310
            self._base_url + path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return DeliveryOutcome(
                    response.status, json.loads(response.read() or b"{}"), tamper
                )
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                parsed = {"error": raw.decode(errors="replace")[:200]}
            return DeliveryOutcome(error.code, parsed, tamper)


def _created_times(payload: Any) -> list[datetime]:
    found: list[datetime] = []
    if not isinstance(payload, dict):
        return found
    if isinstance(payload.get("created_at"), str):
        parsed = _parse_time(payload["created_at"])
        if parsed is not None:
            found.append(parsed)
    for tweet in payload.get("tweet_create_events", []) or []:
        found.extend(_created_times(tweet))
    return found


X_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def _parse_time(value: str) -> datetime | None:
    """An ISO-8601 or X-style (v1.1) timestamp; None when it is neither or has no zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.strptime(value, X_TIME_FORMAT)  # noqa: DTZ007 - %z carries the zone
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else None


def _rewrite_times(payload: Any, shift: Any) -> Any:
    if not isinstance(payload, dict):
        return payload
    result = dict(payload)
    value = result.get("created_at")
    if isinstance(value, str):
        moment = _parse_time(value)
        if moment is not None:
            shifted = shift(moment).astimezone(UTC)
            is_x = "+0000" in value and "T" not in value
            result["created_at"] = shifted.strftime(X_TIME_FORMAT) if is_x else shifted.isoformat()
    if "tweet_create_events" in result:
        result["tweet_create_events"] = [
            _rewrite_times(t, shift) for t in result["tweet_create_events"]
        ]
    return result


def rejection_reason(body: dict[str, Any]) -> str:
    return str(body.get("reason") or body.get("error") or body.get("message", ""))
