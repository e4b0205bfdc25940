"""The clock every service is given."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    pass


class Clock(Protocol):
    """Tells the time; injected so no logic reads the real clock itself."""

    def __call__(self) -> datetime: ...
