"""Webhooks: platforms push mentions here; each is verified, validated and stored once.

Routes (API Gateway REST, payload format 1.0, handler ``app.app``):

* ``GET  /health``         -> 200 ``{"status": "ok"}``
* ``POST /webhooks/generic`` -> 202 ``{"accepted": n, "duplicates": m}``
* ``GET  /webhooks/x?crc_token=...`` -> 200 ``{"response_token": "sha256=..."}``
* ``POST /webhooks/x``     -> 200 ``{"accepted": n, "duplicates": m, "ignored": i, "parked": p,
  "problems": [{"tweet", "reason", "details"}]}``: the envelope (``for_user_id``, at most 200
  ``tweet_create_events``) must be sound, then each tweet is judged on its own; retweets and the
  brand's own tweets are ignored, each good tweet is stored, each bad one (an unparseable
  ``created_at``, a field over its bound) is sent to the ingest parking queue with its reason,
  and the answer is 200 so X does not redeliver the good ones
* ``GET  /webhooks/meta?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`` -> 200 with
  the challenge as ``text/plain``; 403 ``{"error": "verification failed"}`` for a wrong mode or
  token
* ``POST /webhooks/meta``  -> 200 ``{"accepted": n, "duplicates": m, "ignored": i, "parked": p,
  "problems": [{"entry", "change", "reason", "details"}]}``: Facebook Page and Instagram
  deliveries batch many entries; each good change is stored, each bad one is sent to the ingest
  parking queue with its reason, and the answer is 200 so Meta does not redeliver the good ones

Rejections store nothing: 413 ``{"error": "payload too large", "limit_bytes": N}`` (checked
first), 401 ``{"error": "invalid signature", "reason": ...}``, 400 ``{"error": "invalid payload",
"details": [{"loc": ..., "msg": ...}]}``; the X routes answer 503 ``{"error": "webhook not
configured"}`` while the secret has no ``x_consumer_secret``, the Meta routes while it has no
``meta_app_secret`` (POST) or ``meta_verify_token`` (GET). The handler only writes to DynamoDB
and answers; the table's stream starts everything downstream.

Dependencies come from `crowdcare.config.ingest_wiring.WebhookWiring`, built once per cold
start from the environment by `wiring()`: ``MENTIONS_TABLE`` and ``WEBHOOK_SECRETS_NAME``
(required), ``MAX_WEBHOOK_BODY_BYTES`` and ``SIGNATURE_TOLERANCE_SECONDS`` (optional),
``INGEST_PARKING_QUEUE_URL`` (required by the X and Meta POST routes), ``PLATFORM_CREDENTIALS_NAME``
and ``*_GRAPH_BASE_URL`` (the Meta route's Graph API lookups), ``AWS_REGION`` and
``AWS_ENDPOINT_URL`` (where AWS is). Nothing is read at import time, so tests set the environment
(and start moto), then call `reset_dependencies()` to have the next request rebuild everything.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from functools import cache

from aws_lambda_powertools import Logger
from chalice.app import Chalice, Request, Response
from crowdcare.adapters.platforms.inbound.meta import InboundBatch, parse_meta
from crowdcare.adapters.platforms.inbound.payloads import (
    InvalidPayloadError,
    parse_generic,
    split_x_activity,
)
from crowdcare.adapters.platforms.inbound.signatures import (
    GENERIC_SIGNATURE_HEADER,
    GENERIC_TIMESTAMP_HEADER,
    META_SIGNATURE_HEADER,
    X_SIGNATURE_HEADER,
    SignatureError,
    verify_generic,
    verify_meta,
    verify_x,
    x_crc_response,
)
from crowdcare.adapters.secrets import WebhookSecrets
from crowdcare.config.clock import utc_now
from crowdcare.config.http_edge import correlate_requests, error_response, raw_body
from crowdcare.config.ingest_wiring import WebhookWiring
from crowdcare.config.settings import ConfigurationError
from crowdcare.domain.models import Mention
from crowdcare.services.ingest import DeliveryService

app = Chalice(app_name="crowdcare-webhooks")
logger = Logger(service="webhooks")

_MAX_CRC_TOKEN_CHARS = 1024
_MAX_CHALLENGE_CHARS = 1024


@cache
def wiring() -> WebhookWiring:
    """This function's dependencies, built lazily from the environment."""
    return WebhookWiring(os.environ)


def reset_dependencies() -> None:
    """Forget every built dependency, so the next request rebuilds them from the environment."""
    wiring.cache_clear()


correlate_requests(app, logger)


def _request() -> Request:
    request = app.current_request
    if request is None:  # only outside a request, i.e. a programming error
        raise RuntimeError("no current request")
    return request


def _too_large(body: bytes, platform: str) -> Response | None:
    limit = wiring().settings.max_webhook_body_bytes
    if len(body) <= limit:
        return None
    logger.warning("webhook rejected", extra={"platform": platform, "reason": "too large"})
    return error_response(413, "payload too large", limit_bytes=limit)


def _bad_signature(error: SignatureError, platform: str) -> Response:
    logger.warning("webhook rejected", extra={"platform": platform, "reason": error.reason})
    return error_response(401, "invalid signature", reason=error.reason)


def _bad_payload(error: InvalidPayloadError, platform: str) -> Response:
    logger.warning(
        "webhook rejected",
        extra={"platform": platform, "reason": "invalid payload", "problems": len(error.details)},
    )
    return Response(
        status_code=400, body={"error": "invalid payload", "details": list(error.details)}
    )


def _not_configured(platform: str) -> Response:
    # Operator action needed (e.g. the X consumer secret not yet added): 503 tells the platform
    # to retry later rather than give up, and the error log tells the operator.
    logger.error("webhook not configured", extra={"platform": platform})
    return error_response(503, "webhook not configured")


def _signed_delivery[PayloadT](
    platform: str,
    verify: Callable[[WebhookSecrets, bytes], None],
    parse: Callable[[bytes], PayloadT],
) -> Response | PayloadT:
    """The parsed payload (`parse` gets the body; what it raises as `InvalidPayloadError`,
    building mentions included, is a 400); or the rejection to answer: 413 too large (checked
    first), 503 not configured, 401 signature, 400 payload."""
    body = raw_body(_request())
    if (rejection := _too_large(body, platform)) is not None:
        return rejection
    try:
        verify(wiring().webhook_secrets(), body)
        payload = parse(body)
    except ConfigurationError:
        return _not_configured(platform)
    except SignatureError as error:
        return _bad_signature(error, platform)
    except InvalidPayloadError as error:
        return _bad_payload(error, platform)
    return payload


def _text(body: bytes) -> str:
    """The body as text, kept as the mention's raw (trimmed at the edge if large)."""
    return body.decode("utf-8", errors="replace")


def _ingest(mentions: list[Mention], platform: str, status_code: int) -> Response:
    result = wiring().ingest.ingest(mentions)
    counts = {"accepted": result.accepted, "duplicates": result.duplicates}
    logger.info("webhook ingested", extra={"platform": platform, **counts})
    return Response(status_code=status_code, body=counts)


def _deliver(service: DeliveryService, batch: InboundBatch) -> Response:
    """A split delivery handed to its service: good entries stored, bad ones parked, 200."""
    result = service.handle(batch)
    logger.info(
        "webhook ingested",
        extra={"platform": batch.platform.value, **result.model_dump(exclude={"problems"})},
    )
    return Response(status_code=200, body=result.model_dump())


@app.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    """Liveness: answers without touching any dependency."""
    return {"status": "ok"}


@app.route("/webhooks/generic", methods=["POST"])
def generic_webhook() -> Response:
    """A signed generic delivery of one mention: 202 once stored (or already stored)."""
    headers = _request().headers

    def verify(secrets: WebhookSecrets, body: bytes) -> None:
        verify_generic(
            secrets.generic_key,
            headers.get(GENERIC_TIMESTAMP_HEADER),
            headers.get(GENERIC_SIGNATURE_HEADER),
            body,
            utc_now(),
            wiring().settings.signature_tolerance_seconds,
        )

    delivery = _signed_delivery(
        "generic", verify, lambda body: parse_generic(body).to_mention(_text(body))
    )
    if isinstance(delivery, Response):
        return delivery
    return _ingest([delivery], delivery.platform.value, status_code=202)


@app.route("/webhooks/x", methods=["GET"])
def x_crc() -> Response:
    """X's challenge-response check, proving we hold the app's consumer secret."""
    query = _request().query_params
    crc_token = (query.get("crc_token") if query else None) or ""
    if not crc_token or len(crc_token) > _MAX_CRC_TOKEN_CHARS:
        logger.warning("crc rejected", extra={"platform": "x", "reason": "missing crc_token"})
        return error_response(400, "missing crc_token")
    try:
        key = wiring().webhook_secrets().x_key
    except ConfigurationError:
        return _not_configured("x")
    return Response(status_code=200, body={"response_token": x_crc_response(key, crc_token)})


@app.route("/webhooks/x", methods=["POST"])
def x_activity() -> Response:
    """An X Account Activity delivery: each tweet that is neither a retweet nor the brand's own
    is stored, a bad one parked, 200."""
    header = _request().headers.get(X_SIGNATURE_HEADER)
    delivery = _signed_delivery(
        "x", lambda secrets, body: verify_x(secrets.x_key, header, body), split_x_activity
    )
    if isinstance(delivery, Response):
        return delivery
    return _deliver(wiring().x_delivery, delivery)


@app.route("/webhooks/meta", methods=["GET"])
def meta_verification() -> Response:
    """Meta's subscription handshake: echo `hub.challenge` when mode and token are right."""
    query = _request().query_params
    mode = (query.get("hub.mode") if query else None) or ""
    token = (query.get("hub.verify_token") if query else None) or ""
    challenge = (query.get("hub.challenge") if query else None) or ""
    if not challenge or len(challenge) > _MAX_CHALLENGE_CHARS:
        logger.warning("meta verification rejected", extra={"reason": "missing challenge"})
        return error_response(400, "missing hub.challenge")
    try:
        expected = wiring().webhook_secrets().meta_token
    except ConfigurationError:
        return _not_configured("meta")
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        logger.warning("meta verification rejected", extra={"reason": "mode or token"})
        return error_response(403, "verification failed")
    return Response(status_code=200, body=challenge, headers={"Content-Type": "text/plain"})


@app.route("/webhooks/meta", methods=["POST"])
def meta_delivery() -> Response:
    """A Facebook Page or Instagram delivery: good changes stored, bad ones parked, 200."""
    header = _request().headers.get(META_SIGNATURE_HEADER)
    delivery = _signed_delivery(
        "meta", lambda secrets, body: verify_meta(secrets.meta_key, header, body), parse_meta
    )
    if isinstance(delivery, Response):
        return delivery
    return _deliver(wiring().meta_delivery, delivery)
