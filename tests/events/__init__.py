"""Sample webhook bodies and events, shaped after the platforms' published documentation.

`load_event("x_tweet_create_events")` returns the parsed JSON of `x_tweet_create_events.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_EVENTS = Path(__file__).parent


def load_event(name: str) -> dict[str, Any]:
    """The sample event `name` (with or without ".json") from tests/events, as a fresh dict."""
    filename = name if name.endswith(".json") else f"{name}.json"
    event: dict[str, Any] = json.loads((_EVENTS / filename).read_text(encoding="utf-8"))
    return event
