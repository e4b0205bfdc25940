"""The RoutingRulesParameter (SSM): one JSON document the triage functions read."""

from __future__ import annotations

from typing import Any


class SsmRulesStore:
    """The RoutingRulesParameter: one JSON document the triage functions read."""

    # Standard parameters hold 4 KB; larger documents need the advanced tier.
    _STANDARD_LIMIT = 4_096

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self._name = name

    def read(self) -> str:
        """The stored document."""
        return str(self._client.get_parameter(Name=self._name)["Parameter"]["Value"])

    def write(self, document: str) -> None:
        """Replace the document (in the tier its size needs)."""
        tier = "Standard" if len(document.encode()) <= self._STANDARD_LIMIT else "Advanced"
        self._client.put_parameter(
            Name=self._name, Value=document, Type="String", Overwrite=True, Tier=tier
        )
