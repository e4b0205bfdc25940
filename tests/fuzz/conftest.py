"""The property/fuzz suite: every webhook and API route, in process against moto.

Hypothesis drives the requests; each test records what it sent in `TALLY`, and the run ends
with one line per route family (requests, accepted, refused, server errors, forged accepted),
the figures the closing note quotes. FUZZ_EXAMPLES sets the examples per test (default 30:
the whole suite stays well under a minute on two busy cores).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, settings

from tests.fuzz.tally import TALLY

# The moto-backed fixtures the integration tests use, shared here rather than copied.
from tests.integration.conftest import core_aws, meta_webhook_env, webhook_env  # noqa: F401
from tests.integration.test_api import api  # noqa: F401

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))

# The fixtures are built once per test, not per example: each example checks its own effect
# (the table before and after), so sharing them is what we want.
settings.register_profile(
    "fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ = settings.get_profile("fuzz")


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """One line per route family, and the totals."""
    if not TALLY:
        return
    write = terminalreporter.write_line
    write(f"fuzz ({EXAMPLES} examples per test):")
    total: Counter[str] = Counter()
    for family, tally in sorted(TALLY.items()):
        total.update(tally)
        write(f"  {family}: {_line(tally)}")
    write(f"  total: {_line(total)}")


def _line(tally: Counter[str]) -> str:
    return (
        f"{tally['requests']} requests, {tally['accepted']} accepted, {tally['refused']} refused, "
        f"{tally['unavailable']} not configured (503), "
        f"{tally['server_errors']} server errors; {tally['forged']} forged, "
        f"{tally['forged_accepted']} forged accepted"
    )
