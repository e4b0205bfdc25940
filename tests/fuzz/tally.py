"""What the fuzz tests sent and how it was answered, per route family (one module, so the
conftest's summary and the tests share one tally however pytest imports them)."""

from __future__ import annotations

from collections import Counter, defaultdict

TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)


def record(family: str, status: int, *, forged: bool) -> None:
    """Count one request: its family, whether it was accepted, refused, answered 503 (not
    configured) or a server error."""
    tally = TALLY[family]
    tally["requests"] += 1
    if status == 503:
        # "Not configured, retry later": the answer a broken secret must get, not a crash.
        tally["unavailable"] += 1
    elif status >= 500:
        tally["server_errors"] += 1
    elif status < 400:
        tally["accepted"] += 1
        if forged:
            tally["forged_accepted"] += 1
    else:
        tally["refused"] += 1
    if forged:
        tally["forged"] += 1
