"""What one mention costs on AWS: the pricing arithmetic behind `make bench`, kept pure.

Prices are public us-east-1 list prices (see `PRICES_SOURCE`); how much work a mention causes
(state transitions, Lambda invocations, SNS publishes, SQS requests) is measured on the local
stack and passed in as a `MentionProfile`. Two designs are priced from the same profile:

* CrowdCare: the triage state machine is EXPRESS, billed per request plus duration x memory;
* baseline: the same states as one STANDARD execution per mention, billed per state transition.

Everything else (Lambda, SNS, SQS) is the same in both, so it is priced once and added to both.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

PER_MILLION = 1_000_000
EXPRESS_MEMORY_CHUNK_MB = 64  # Express memory is billed in 64 MB chunks
EXPRESS_DURATION_STEP_MS = 100  # Express duration is rounded up to the next 100 ms
LAMBDA_DURATION_STEP_MS = 1  # Lambda duration is rounded up to the next millisecond
MB_PER_GB = 1024

PRICES_AS_OF = "2026-11"
PRICES_SOURCE = (
    "AWS public list prices, us-east-1, after free tiers: aws.amazon.com/step-functions/pricing, "
    "/lambda/pricing (arm64), /sns/pricing, /sqs/pricing (standard queues)"
)


@dataclass(frozen=True)
class Prices:
    """Unit prices in USD."""

    express_per_request: float = 1.00 / PER_MILLION
    # First 1,000 GB-hours a month; CrowdCare at 1M mentions uses about 5 GB-hours.
    express_per_gb_second: float = 0.00001667
    standard_per_transition: float = 0.025 / 1_000
    lambda_per_request: float = 0.20 / PER_MILLION
    lambda_arm64_per_gb_second: float = 0.0000133334
    sns_per_publish: float = 0.50 / PER_MILLION
    sqs_per_request: float = 0.40 / PER_MILLION


@dataclass(frozen=True)
class Assumptions:
    """What the bench cannot measure locally: memory sizes and billed durations."""

    express_memory_mb: int = 64
    express_duration_ms: float = 300.0
    lambda_memory_mb: int = 256  # template.yaml Globals.Function.MemorySize
    lambda_duration_ms: float = 50.0


@dataclass(frozen=True)
class MentionProfile:
    """Average work caused by one mention, as measured on the local stack."""

    state_transitions: float
    lambda_invocations: float
    sns_publishes: float
    sqs_requests: float


@dataclass(frozen=True)
class CostBreakdown:
    """USD per mention, split by what is billed."""

    workflow: float
    lambda_: float
    messaging: float

    @property
    def total(self) -> float:
        """Everything together, per mention."""
        return self.workflow + self.lambda_ + self.messaging

    def per_million(self) -> dict[str, float]:
        """The same figures per 1,000,000 mentions (as JSON-ready floats)."""
        figures = {key.rstrip("_"): value * PER_MILLION for key, value in asdict(self).items()}
        return figures | {"total": self.total * PER_MILLION}


def express_billed_gb_seconds(memory_mb: float, duration_ms: float) -> float:
    """GB-seconds Express bills for one execution: memory and duration both rounded up."""
    memory = math.ceil(memory_mb / EXPRESS_MEMORY_CHUNK_MB) * EXPRESS_MEMORY_CHUNK_MB
    duration = math.ceil(duration_ms / EXPRESS_DURATION_STEP_MS) * EXPRESS_DURATION_STEP_MS
    return (memory / MB_PER_GB) * (duration / 1000)


def express_execution_cost(prices: Prices, assumptions: Assumptions) -> float:
    """USD for one Express execution: the request plus its billed duration x memory."""
    gb_seconds = express_billed_gb_seconds(
        assumptions.express_memory_mb, assumptions.express_duration_ms
    )
    return prices.express_per_request + gb_seconds * prices.express_per_gb_second


def lambda_invocation_cost(prices: Prices, assumptions: Assumptions) -> float:
    """USD for one arm64 Lambda invocation at the assumed memory and duration."""
    duration = (
        math.ceil(assumptions.lambda_duration_ms / LAMBDA_DURATION_STEP_MS)
        * LAMBDA_DURATION_STEP_MS
    )
    gb_seconds = (assumptions.lambda_memory_mb / MB_PER_GB) * (duration / 1000)
    return prices.lambda_per_request + gb_seconds * prices.lambda_arm64_per_gb_second


def _shared_costs(
    profile: MentionProfile, prices: Prices, assumptions: Assumptions
) -> tuple[float, float]:
    lambda_cost = profile.lambda_invocations * lambda_invocation_cost(prices, assumptions)
    messaging = (
        profile.sns_publishes * prices.sns_per_publish
        + profile.sqs_requests * prices.sqs_per_request
    )
    return lambda_cost, messaging


def express_design_cost(
    profile: MentionProfile, prices: Prices, assumptions: Assumptions
) -> CostBreakdown:
    """CrowdCare as built: one Express execution per mention plus the shared services."""
    lambda_cost, messaging = _shared_costs(profile, prices, assumptions)
    return CostBreakdown(express_execution_cost(prices, assumptions), lambda_cost, messaging)


def standard_baseline_cost(
    profile: MentionProfile, prices: Prices, assumptions: Assumptions
) -> CostBreakdown:
    """The same states as one Standard execution per mention: every transition billed."""
    lambda_cost, messaging = _shared_costs(profile, prices, assumptions)
    workflow = profile.state_transitions * prices.standard_per_transition
    return CostBreakdown(workflow, lambda_cost, messaging)


def pricing_table(prices: Prices, assumptions: Assumptions) -> dict[str, Any]:
    """Prices and assumptions as one JSON-ready document, with their source and date."""
    return {
        "as_of": PRICES_AS_OF,
        "source": PRICES_SOURCE,
        "prices_usd": asdict(prices),
        "assumptions": asdict(assumptions),
    }


# ------------------------------------------------------------ triage classifier providers
CLASSIFIER_PRICES_SOURCE = (
    "aws.amazon.com/bedrock/pricing (on-demand, us-east-1) and /comprehend/pricing"
    " (DetectSentiment: $0.0001 per 100-character unit, 3 units minimum per request)"
)


@dataclass(frozen=True)
class ClassifierOption:
    """One way to classify a mention and its public unit prices (USD)."""

    name: str
    per_request: float = 0.0
    per_million_input_tokens: float = 0.0
    per_million_output_tokens: float = 0.0


CLASSIFIER_OPTIONS = (
    ClassifierOption("embedded models (in the Lambda, no call)"),
    ClassifierOption("Amazon Comprehend DetectSentiment", per_request=3 * 0.0001),
    ClassifierOption(
        "Bedrock Amazon Nova Micro",
        per_million_input_tokens=0.035,
        per_million_output_tokens=0.14,
    ),
    ClassifierOption(
        "Bedrock Anthropic Claude 3 Haiku",
        per_million_input_tokens=0.25,
        per_million_output_tokens=1.25,
    ),
)


def classifier_cost_per_million(
    option: ClassifierOption, input_tokens: float, output_tokens: float
) -> float:
    """USD per 1M mentions for one classifier option at the given tokens per mention."""
    per_mention = (
        option.per_request
        + input_tokens * option.per_million_input_tokens / PER_MILLION
        + output_tokens * option.per_million_output_tokens / PER_MILLION
    )
    return per_mention * PER_MILLION


# ------------------------------------------------------------ the whole bill per mention
PLATFORM_PRICES_SOURCE = (
    "aws.amazon.com/api-gateway/pricing (REST, first 333M), /dynamodb/pricing/on-demand "
    "(after the Nov 2024 cut), /cloudwatch/pricing (Logs, standard ingestion), us-east-1"
)


@dataclass(frozen=True)
class PlatformPrices:
    """What the triage figures above leave out, in USD."""

    api_gateway_rest_per_request: float = 3.50 / PER_MILLION
    dynamodb_per_write_unit: float = 0.625 / PER_MILLION
    dynamodb_per_read_unit: float = 0.125 / PER_MILLION
    logs_per_gb_ingested: float = 0.50


@dataclass(frozen=True)
class PlatformAssumptions:
    """What the bench cannot measure locally; each is printed beside the figure it drives."""

    deliveries_per_mention: float = 1.0  # one webhook delivery (REST API request) per mention
    write_units_per_item: float = 1.5  # most items <= 1 KB; the Mentions item ~2 KB once triaged
    transaction_factor: float = 2.0  # a transactional write costs twice the units
    read_units_per_item: float = 1.0  # strongly consistent, items <= 4 KB (eventual: half)
    log_kb_per_invocation: float = 2.0  # START/END/REPORT lines plus a few powertools lines
    assignment_transitions: int = 5  # Standard, "replied in time" (the cheapest path)
    assignment_invocations: float = 4.0  # offer, notify, record, release
    assignment_items_written: float = 8.0  # reply, ledger and boards, audit, release, status


@dataclass(frozen=True)
class MeasuredMention:
    """Per mention, as measured on the local stack (triage up to the assignment's offer)."""

    triage: CostBreakdown
    items_written: float
    transactional_items_written: float
    items_read: float
    lambda_invocations: float
    assigned_share: float  # mentions that go to a person (advocate or employee)


@dataclass(frozen=True)
class CostRow:
    """One line of the bill: USD per 1M mentions, and what it assumed."""

    what: str
    usd_per_million: float
    assumption: str


def bill_per_million(
    measured: MeasuredMention,
    prices: Prices,
    assumptions: Assumptions,
    platform: PlatformPrices,
    more: PlatformAssumptions,
) -> list[CostRow]:
    """Every billed service per 1M mentions, each with the assumption behind it."""
    million = PER_MILLION
    share = measured.assigned_share
    plain_items = measured.items_written - measured.transactional_items_written
    write_units = more.write_units_per_item * (
        plain_items + more.transaction_factor * measured.transactional_items_written
    )
    assignment_units = more.write_units_per_item * more.assignment_items_written * share
    invocations = measured.lambda_invocations + more.assignment_invocations * share
    log_gb = invocations * more.log_kb_per_invocation / (1024 * 1024)
    return [
        CostRow(
            "API Gateway (webhook deliveries)",
            more.deliveries_per_mention * platform.api_gateway_rest_per_request * million,
            f"{more.deliveries_per_mention:g} REST request per mention at "
            f"${platform.api_gateway_rest_per_request * million:.2f}/1M",
        ),
        CostRow(
            "Step Functions, triage (Express)",
            measured.triage.workflow * million,
            f"{assumptions.express_memory_mb} MB x {assumptions.express_duration_ms:.0f} ms",
        ),
        CostRow(
            "Lambda, triage",
            measured.triage.lambda_ * million,
            f"{measured.lambda_invocations:.2f} invocations x {assumptions.lambda_memory_mb} MB x "
            f"{assumptions.lambda_duration_ms:.0f} ms (measured count, assumed duration)",
        ),
        CostRow(
            "DynamoDB writes, triage to offer",
            write_units * platform.dynamodb_per_write_unit * million,
            f"{measured.items_written:.1f} items measured "
            f"({measured.transactional_items_written:.1f} in transactions, "
            f"x{more.transaction_factor:g}), {more.write_units_per_item:g} WRU"
            f" per item, ${platform.dynamodb_per_write_unit * million:.3f}/1M WRU",
        ),
        CostRow(
            "DynamoDB reads, triage to offer",
            measured.items_read
            * more.read_units_per_item
            * platform.dynamodb_per_read_unit
            * million,
            f"{measured.items_read:.1f} items measured, {more.read_units_per_item:g} RRU each, "
            f"${platform.dynamodb_per_read_unit * million:.3f}/1M RRU",
        ),
        CostRow(
            "Assignment workflow (Standard)",
            share * more.assignment_transitions * prices.standard_per_transition * million,
            f"{share:.1%} of mentions assigned x {more.assignment_transitions} transitions",
        ),
        CostRow(
            "Lambda + DynamoDB, assignment",
            share
            * more.assignment_invocations
            * lambda_invocation_cost(prices, assumptions)
            * million
            + assignment_units * platform.dynamodb_per_write_unit * million,
            f"{share:.1%} assigned x ({more.assignment_invocations:g} invocations + "
            f"{more.assignment_items_written:g} items written), assumed",
        ),
        CostRow(
            "SNS/SQS",
            measured.triage.messaging * million,
            "measured messages (parked triage only)",
        ),
        CostRow(
            "CloudWatch Logs",
            log_gb * platform.logs_per_gb_ingested * million,
            f"{invocations:.2f} invocations x {more.log_kb_per_invocation:g} KB at "
            f"${platform.logs_per_gb_ingested:.2f}/GB ingested (Step Functions log ERROR only)",
        ),
    ]
