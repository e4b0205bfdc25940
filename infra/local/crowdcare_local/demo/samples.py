"""The bundled samples (data in `crowdcare_local/samples/`), read into the demo's types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from crowdcare.domain.models import Responder


@dataclass(frozen=True)
class Delivery:
    """One line of samples/mentions.jsonl."""

    kind: str
    payload: Any
    tamper: str | None
    note: str


def load_deliveries(path: Path | None = None) -> list[Delivery]:
    """The bundled sample (or another file in the same JSON-lines format)."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files("crowdcare_local")
        .joinpath("samples/mentions.jsonl")
        .read_text(encoding="utf-8")
    )
    deliveries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            deliveries.append(
                Delivery(
                    item["delivery"], item["payload"], item.get("tamper"), item.get("note", "")
                )
            )
        except (json.JSONDecodeError, KeyError) as exc:
            raise ValueError(f"sample line {number} is not a delivery: {exc}") from exc
    return deliveries


def load_responders(path: Path | None = None) -> list[Responder]:
    """The bundled responders (or another JSON list of Responder objects)."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files("crowdcare_local")
        .joinpath("samples/responders.json")
        .read_text(encoding="utf-8")
    )
    return [Responder.model_validate(item) for item in json.loads(text)]
