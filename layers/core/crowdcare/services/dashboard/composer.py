"""The composer's counter, measured by the rules the server enforces (one length rule).

The page sends the draft (debounced) and shows what comes back, so "fits" in the browser is
exactly what `fitted_text` accepts on submission: the same trimming, the same measure per
platform (X weighted, Bluesky graphemes and bytes, Mastodon URLs as 23).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crowdcare.adapters.platforms.outbound.base import LengthLimit
from crowdcare.domain.models import Platform
from crowdcare.services.replies.submission import GENERIC_REPLY_LIMIT


@dataclass
class LengthMeter:
    """Measures a draft for one platform."""

    limits: Mapping[Platform, LengthLimit]

    def measure(self, platform: Platform, text: str) -> dict[str, Any]:
        """{"length", "limit", "unit", "fits"} (plus "bytes"/"max_bytes" where bytes count)."""
        clean = text.strip()
        limit = self.limits.get(platform)
        if limit is None:
            return {
                "length": len(clean),
                "limit": GENERIC_REPLY_LIMIT,
                "unit": "characters",
                "fits": 0 < len(clean) <= GENERIC_REPLY_LIMIT,
            }
        length = limit.measure(clean)
        fits = 0 < length <= limit.max_length
        result: dict[str, Any] = {
            "length": length,
            "limit": limit.max_length,
            "unit": limit.unit,
            "fits": fits,
        }
        if limit.max_bytes is not None:
            size = len(clean.encode())
            result.update(
                bytes=size, max_bytes=limit.max_bytes, fits=fits and size <= limit.max_bytes
            )
        return result
