"""Recorded-style platform payloads, one file per platform and documented shape.

Each file is ``{"documented_shape", "source", "payload", "expect", ...}``: the shape it follows
and where that shape is documented, the payload as the platform sends it, and the mentions
(field by field), ignored and skipped/parked counts CrowdCare must make of it. Files with
Graph API lookups carry the recorded answers under ``graph_api`` (``"<product> /<node>"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACTS = Path(__file__).parent


def load_contract(name: str) -> dict[str, Any]:
    """The contract `name` (without ".json"), as a fresh dict."""
    contract: dict[str, Any] = json.loads((CONTRACTS / f"{name}.json").read_text("utf-8"))
    return contract


def contract_names(prefix: str) -> list[str]:
    """The names of the contracts whose file name starts with `prefix`, sorted."""
    return sorted(p.stem for p in CONTRACTS.glob(f"{prefix}*.json"))
