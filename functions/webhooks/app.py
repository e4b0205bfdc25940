"""Webhooks: platforms push mentions here; each is verified, validated and stored once.

Routes (API Gateway REST, payload format 1.0, handler ``app.app``):

* ``GET  /health``         -> 200 ``{"status": "ok"}``
* ``POST /webhooks/generic`` -> 202 ``{"accepted": n, "duplicates": m}``
* ``GET  /webhooks/x?crc_token=...`` -> 200 ``{"response_token": "sha256=..."}``
* ``POST /webhooks/x``     -> 200 ``{"accepted": n, "duplicates": m}``
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

Dependencies are built lazily, once per cold start, by the cached accessors below
(`settings`, `clients`, `mention_repository`, `ingest_service`, `secrets_provider`) from the
environment: ``MENTIONS_TABLE`` and ``WEBHOOK_SECRETS_NAME`` (required),
``MAX_WEBHOOK_BODY_BYTES`` and ``SIGNATURE_TOLERANCE_SECONDS`` (optional),
``INGEST_PARKING_QUEUE_URL`` (required by the Meta POST route only), ``AWS_REGION`` and
``AWS_ENDPOINT_URL`` (where AWS is). Nothing is read at import time, so tests set the environment
(and start moto), then call `reset_dependencies()` to have the next request rebuild everything.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from functools import cache

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from chalice.app import Chalice, Request, Response
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.inbound.meta import parse_meta
from crowdcare.adapters.platforms.inbound.payloads import (
    InvalidPayloadError,
    parse_generic,
    parse_x_activity,
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
from crowdcare.adapters.secrets import WebhookSecrets, load_webhook_secrets
from crowdcare.adapters.sqs import IngestParking
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import (
    AwsSettings,
    ConfigurationError,
    IngestSettings,
    ParkingSettings,
    load_settings,
)
from crowdcare.domain.models import Mention
from crowdcare.services.ingest import IngestResult, IngestService

app = Chalice(app_name="crowdcare-webhooks")
logger = Logger(service="webhooks")

_MAX_CRC_TOKEN_CHARS = 1024
_MAX_CHALLENGE_CHARS = 1024



@cache
def settings() -> IngestSettings:
    """Ingest settings from the environment (raises ConfigurationError when incomplete)."""
    return load_settings(IngestSettings, os.environ)


@cache
def clients() -> AwsClients:
    """boto3 clients for this function, pointed at AWS_ENDPOINT_URL when it is set."""
    return AwsClients(load_settings(AwsSettings, os.environ))


@cache
def mention_repository() -> MentionRepository:
    """The Mentions table."""
    return MentionRepository(clients().dynamodb, settings().mentions_table)


@cache
def ingest_service() -> IngestService:
    """The service every route hands its mentions to."""
    return IngestService(mention_repository(), clock=utc_now)


@cache
def secrets_provider() -> SecretsProvider:
    """Secrets Manager through powertools: values cached across warm invocations."""
    return SecretsProvider(boto3_client=clients().secretsmanager)


@cache
def ingest_parking() -> IngestParking:
    """The queue where batched webhooks park the entries they could not store."""
    queue_url = load_settings(ParkingSettings, os.environ).ingest_parking_queue_url
    return IngestParking(clients().client("sqs"), queue_url, clock=utc_now)


def webhook_secrets() -> WebhookSecrets:
    """The signing secrets (re-read from Secrets Manager at most every five minutes)."""
    return load_webhook_secrets(secrets_provider(), settings().webhook_secrets_name)


def reset_dependencies() -> None:
    """Forget every built dependency, so the next request rebuilds them from the environment."""
    settings.cache_clear()
    clients.cache_clear()
    mention_repository.cache_clear()
    ingest_service.cache_clear()
    secrets_provider.cache_clear()
    ingest_parking.cache_clear()


@app.middleware("http")
def correlate(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Tag every log line of a request with API Gateway's request id."""
    logger.set_correlation_id(event.context.get("requestId"))
    return get_response(event)


def _request() -> Request:
    request = app.current_request
    if request is None:  # only outside a request, i.e. a programming error
        raise RuntimeError("no current request")
    return request


def _raw_body() -> bytes:
    body = _request().raw_body
    return body if isinstance(body, bytes) else body.encode()


def _too_large(body: bytes, platform: str) -> Response | None:
    limit = settings().max_webhook_body_bytes
    if len(body) <= limit:
        return None
    logger.warning("webhook rejected", extra={"platform": platform, "reason": "too large"})
    return Response(status_code=413, body={"error": "payload too large", "limit_bytes": limit})


def _bad_signature(error: SignatureError, platform: str) -> Response:
    logger.warning("webhook rejected", extra={"platform": platform, "reason": error.reason})
    return Response(status_code=401, body={"error": "invalid signature", "reason": error.reason})


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
    return Response(status_code=503, body={"error": "webhook not configured"})


def _ingest(mentions: list[Mention], platform: str, status_code: int) -> Response:
    result: IngestResult = ingest_service().ingest(mentions)
    logger.info(
        "webhook ingested",
        extra={"platform": platform, "accepted": result.accepted, "duplicates": result.duplicates},
    )
    return Response(
        status_code=status_code,
        body={"accepted": result.accepted, "duplicates": result.duplicates},
    )


@app.route("/health", methods=["GET"])
def health() -> dict[str, str]:
    """Liveness: answers without touching any dependency."""
    return {"status": "ok"}


@app.route("/webhooks/generic", methods=["POST"])
def generic_webhook() -> Response:
    """A signed generic delivery of one mention: 202 once stored (or already stored)."""
    body = _raw_body()
    if (rejection := _too_large(body, "generic")) is not None:
        return rejection
    headers = _request().headers
    try:
        verify_generic(
            webhook_secrets().generic_key,
            headers.get(GENERIC_TIMESTAMP_HEADER),
            headers.get(GENERIC_SIGNATURE_HEADER),
            body,
            utc_now(),
            settings().signature_tolerance_seconds,
        )
        payload = parse_generic(body)
    except SignatureError as error:
        return _bad_signature(error, "generic")
    except InvalidPayloadError as error:
        return _bad_payload(error, "generic")
    raw = body.decode("utf-8", errors="replace")
    return _ingest([payload.to_mention(raw)], payload.platform.value, status_code=202)


@app.route("/webhooks/x", methods=["GET"])
def x_crc() -> Response:
    """X's challenge-response check, proving we hold the app's consumer secret."""
    query = _request().query_params
    crc_token = (query.get("crc_token") if query else None) or ""
    if not crc_token or len(crc_token) > _MAX_CRC_TOKEN_CHARS:
        logger.warning("crc rejected", extra={"platform": "x", "reason": "missing crc_token"})
        return Response(status_code=400, body={"error": "missing crc_token"})
    try:
        key = webhook_secrets().x_key
    except ConfigurationError:
        return _not_configured("x")
    return Response(status_code=200, body={"response_token": x_crc_response(key, crc_token)})


@app.route("/webhooks/x", methods=["POST"])
def x_activity() -> Response:
    """An X Account Activity delivery: every tweet_create_event not by the brand is stored."""
    body = _raw_body()
    if (rejection := _too_large(body, "x")) is not None:
        return rejection
    try:
        key = webhook_secrets().x_key
    except ConfigurationError:
        return _not_configured("x")
    try:
        verify_x(key, _request().headers.get(X_SIGNATURE_HEADER), body)
        payload = parse_x_activity(body)
    except SignatureError as error:
        return _bad_signature(error, "x")
    except InvalidPayloadError as error:
        return _bad_payload(error, "x")
    raw = body.decode("utf-8", errors="replace")
    return _ingest(payload.mentions(raw), "x", status_code=200)


@app.route("/webhooks/meta", methods=["GET"])
def meta_verification() -> Response:
    """Meta's subscription handshake: echo `hub.challenge` when mode and token are right."""
    query = _request().query_params
    mode = (query.get("hub.mode") if query else None) or ""
    token = (query.get("hub.verify_token") if query else None) or ""
    challenge = (query.get("hub.challenge") if query else None) or ""
    if not challenge or len(challenge) > _MAX_CHALLENGE_CHARS:
        logger.warning("meta verification rejected", extra={"reason": "missing challenge"})
        return Response(status_code=400, body={"error": "missing hub.challenge"})
    try:
        expected = webhook_secrets().meta_token
    except ConfigurationError:
        return _not_configured("meta")
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
        logger.warning("meta verification rejected", extra={"reason": "mode or token"})
        return Response(status_code=403, body={"error": "verification failed"})
    return Response(status_code=200, body=challenge, headers={"Content-Type": "text/plain"})


@app.route("/webhooks/meta", methods=["POST"])
def meta_delivery() -> Response:
    """A Facebook Page or Instagram delivery: good changes stored, bad ones parked, 200."""
    body = _raw_body()
    if (rejection := _too_large(body, "meta")) is not None:
        return rejection
    try:
        key = webhook_secrets().meta_key
    except ConfigurationError:
        return _not_configured("meta")
    try:
        verify_meta(key, _request().headers.get(META_SIGNATURE_HEADER), body)
        batch = parse_meta(body)
    except SignatureError as error:
        return _bad_signature(error, "meta")
    except InvalidPayloadError as error:
        return _bad_payload(error, "meta")
    # Store first: a failure to park then answers 500, Meta redelivers, and the stored
    # mentions come back as duplicates while the bad ones get another chance to be parked.
    result = ingest_service().ingest(batch.mentions)
    for bad in batch.bad:
        ingest_parking().park(bad)
    logger.info(
        "webhook ingested",
        extra={
            "platform": batch.platform.value,
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "ignored": batch.ignored,
            "parked": len(batch.bad),
        },
    )
    return Response(
        status_code=200,
        body={
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "ignored": batch.ignored,
            "parked": len(batch.bad),
            "problems": [bad.report() for bad in batch.bad],
        },
    )
