"""What the demo plays out: SLAs of seconds, who answers, which platform misbehaves."""

from __future__ import annotations

from crowdcare.domain.models import Platform

# SLAs of seconds so the demo shows the whole lifecycle (timeouts, reassignment, escalation,
# admin alerts) in about a minute; a deployment keeps minutes to hours (TriageRules defaults).
DEMO_RULES = {
    "assignment": {
        "sla_seconds": {"P1": 4, "P2": 5, "P3": 6, "P4": 8},
        "employee_sla_seconds": 6,
        "max_attempts": 2,
        "hold_limit_factor": 2,
    }
}
ANSWER_EVERY = 3  # every third notified responder replies; the others stay silent
# How often the demo's responders look for new assignments (SLAs are 4-8 s; scanning more
# often only takes CPU from the emulator's workflows).
RESPONDER_SCAN_SECONDS = 0.25

REPLY_TEXT = (
    "Thanks for reaching out! We're looking into this now and will follow up here. "
    "- Brightwave Care"
)
# The reply that is refused (HTTP 500) until it is parked, and the platform that answers 503
# for one delivery's worth of attempts (then the redelivery posts).
FAILING_PLATFORM = Platform.FACEBOOK
FLAKY_PLATFORM = Platform.MASTODON
