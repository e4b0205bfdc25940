"""A JsonHttpClient whose transport answers from recorded bodies: no network, no server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crowdcare.adapters.platforms.http import HttpResponse, JsonHttpClient
from crowdcare.domain.models import Mention


@dataclass
class RecordedTransport:
    """Answers each request by its path (query ignored); 404 when nothing was recorded."""

    answers: Mapping[str, Any]
    calls: list[str] = field(default_factory=list)

    def __call__(self, request: urllib.request.Request, timeout: float) -> HttpResponse:
        parts = urlsplit(request.full_url)
        self.calls.append(f"{parts.path}?{parts.query}" if parts.query else parts.path)
        for suffix, body in self.answers.items():
            if parts.path.endswith(suffix):
                return HttpResponse(200, json.loads(json.dumps(body)), {})
        error = {"error": {"message": "Unsupported get request", "code": 100}}
        return HttpResponse(400 if "graph" in parts.netloc else 404, error, {})


def recorded_client(base_url: str, answers: Mapping[str, Any]) -> JsonHttpClient:
    """A client for `base_url` answering from `answers` (path suffix -> JSON body)."""
    return JsonHttpClient(base_url, transport=RecordedTransport(answers), max_attempts=1)


def observed(mention: Mention) -> dict[str, Any]:
    """The fields a contract pins down, in the form the contract files write them."""
    return {
        "post_id": mention.post_id,
        "text": mention.text,
        "author_id": mention.author.id,
        "author_handle": mention.author.handle,
        "author_display_name": mention.author.display_name,
        "url": mention.url,
        "parent_id": mention.parent_id,
        "created_at": mention.created_at.isoformat(),
    }
