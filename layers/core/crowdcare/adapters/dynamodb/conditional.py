"""DynamoDB's conditional-write outcomes, named once.

A conditional put, update or transaction that finds the item not in the expected state is an
answer the code acts on (a duplicate, a lost race, a full responder), not a failure; these
helpers tell it apart from a real error by the error code DynamoDB documents, never by message.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"


def error_code(exc: ClientError) -> str:
    """The error code of a botocore client error ('' when the answer carried none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_conditional_failure(exc: ClientError) -> bool:
    """True when a conditional put/update/delete found the item not in the expected state."""
    return error_code(exc) == CONDITIONAL_CHECK_FAILED


def cancellation_reasons(exc: ClientError) -> list[str] | None:
    """The per-item reasons of a cancelled transaction, or None when `exc` is something else."""
    if error_code(exc) != TRANSACTION_CANCELED:
        return None
    return [str(r.get("Code", "None")) for r in exc.response.get("CancellationReasons", [])]
