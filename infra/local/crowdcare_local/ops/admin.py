"""Responders from a CSV file, poll cursors, and the stack's state at a glance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from crowdcare.adapters.dynamodb.assignment_gauge import OpenAssignmentsGauge
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.adapters.responders_csv import CsvImport
from crowdcare.domain.models import Responder
from crowdcare.services.dashboard.admin import ImportReport
from crowdcare.services.polling import SOURCE_NAMES

from crowdcare_local.ops import parked
from crowdcare_local.ops.target import Target

# Work queues whose depth `status` shows (the parking queues are counted separately).
WORK_QUEUES = {"replies": "ReplyQueue", "notifications": "NotificationsQueue"}


# ------------------------------------------------------------------------------ responders
@dataclass
class ResponderImport:
    """The dashboard's row report, plus what happened to each sign-in invitation."""

    report: ImportReport
    invited: list[str] = field(default_factory=list)
    already_invited: list[str] = field(default_factory=list)
    invite_errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.report.model_dump(mode="json"),
            "invited": self.invited,
            "already_invited": self.already_invited,
            "invite_errors": self.invite_errors,
        }


def import_responders(
    target: Target,
    parsed: CsvImport,
    *,
    invite: bool,
    on_row: Callable[[], None] | None = None,
) -> ResponderImport:
    """Store every good row (created or updated, as the dashboard does); bad rows are only
    reported. With `invite`, each responder gets a Cognito sign-in (an invitation email with a
    temporary password) in the group of their kind; an existing sign-in is left as it is."""
    store = ResponderStore(target.clients.dynamodb, target.physical("RespondersTable"))
    created: list[str] = []
    updated: list[str] = []
    result = ResponderImport(ImportReport(created=(), updated=(), errors=parsed.errors))
    pool_id = target.physical("ResponderUserPool") if invite else ""
    for responder in parsed.responders:
        (created if store.upsert(responder) else updated).append(responder.responder_id)
        if invite:
            _invite(target, pool_id, responder, result)
        if on_row is not None:
            on_row()
    result.report = ImportReport(
        created=tuple(created), updated=tuple(updated), errors=parsed.errors
    )
    return result


def _invite(target: Target, pool_id: str, responder: Responder, into: ResponderImport) -> None:
    cognito = target.clients.client("cognito-idp")
    try:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=responder.responder_id,
            UserAttributes=[
                {"Name": "email", "Value": responder.email},
                {"Name": "email_verified", "Value": "true"},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "UsernameExistsException":
            into.already_invited.append(responder.responder_id)
            return
        into.invite_errors[responder.responder_id] = str(error)
        return
    cognito.admin_add_user_to_group(
        UserPoolId=pool_id, Username=responder.responder_id, GroupName=responder.kind.value
    )
    into.invited.append(responder.responder_id)


# ------------------------------------------------------------------------------ cursors
def list_cursors(target: Target) -> list[dict[str, Any]]:
    """Every source the poller knows, with its saved cursor (None before its first run)."""
    dynamodb = target.clients.dynamodb
    saved: dict[str, dict[str, Any]] = {}
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=target.physical("CursorsTable"), ConsistentRead=True
    ):
        for item in page["Items"]:
            saved[item["source"]["S"]] = {
                "cursor": item.get("cursor", {}).get("S"),
                "updated_at": item.get("updated_at", {}).get("S"),
            }
    names = list(SOURCE_NAMES) + sorted(set(saved) - set(SOURCE_NAMES))
    empty = {"cursor": None, "updated_at": None}
    return [{"source": name, **saved.get(name, empty)} for name in names]


class UnknownSourceError(ValueError):
    """The source is not one the poller knows."""


def reset_cursor(target: Target, source: str) -> bool:
    """Forget a source's cursor: its next run reads the newest page again (no backfill).
    Returns whether there was a cursor to forget."""
    if source not in SOURCE_NAMES:
        raise UnknownSourceError(f"unknown source {source!r} (known: {', '.join(SOURCE_NAMES)})")
    deleted = target.clients.dynamodb.delete_item(
        TableName=target.physical("CursorsTable"),
        Key={"source": {"S": source}},
        ReturnValues="ALL_OLD",
    )
    return "Attributes" in deleted


# ------------------------------------------------------------------------------ status
def open_assignments(target: Target) -> int:
    """Assignments waiting for their responder: the gauge the assignment writes keep exact."""
    gauge = OpenAssignmentsGauge(target.clients.dynamodb, target.physical("AssignmentsTable"))
    return gauge.open_count()


def queue_depth(target: Target, logical_id: str) -> int:
    attributes = target.clients.client("sqs").get_queue_attributes(
        QueueUrl=target.physical(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))


def alarms_in_alarm(target: Target) -> list[dict[str, str]]:
    """The stack's alarms now in ALARM, with CloudWatch's reason."""
    cloudwatch = target.clients.client("cloudwatch")
    names = target.alarm_names()
    firing: list[dict[str, str]] = []
    for start in range(0, len(names), 100):
        response = cloudwatch.describe_alarms(
            AlarmNames=names[start : start + 100], StateValue="ALARM", MaxRecords=100
        )
        firing += [
            {
                "name": alarm["AlarmName"],
                "reason": alarm.get("StateReason", ""),
                "since": alarm["StateUpdatedTimestamp"].isoformat(),
            }
            for alarm in response["MetricAlarms"]
            # Filtered again: moto ignores StateValue when AlarmNames is given.
            if alarm["StateValue"] == "ALARM"
        ]
    return firing


def status(target: Target) -> dict[str, Any]:
    """Open assignments, queue depths, parked counts, last poll per source, firing alarms."""
    return {
        "stack": target.name,
        "open_assignments": open_assignments(target),
        "queues": {kind: queue_depth(target, lid) for kind, lid in WORK_QUEUES.items()},
        "parked": {kind: parked.depth(target, lot) for kind, lot in parked.PARKING_QUEUES.items()},
        "last_poll": {c["source"]: c["updated_at"] for c in list_cursors(target)},
        "alarms_in_alarm": alarms_in_alarm(target),
    }


def needs_attention(report: dict[str, Any]) -> bool:
    """Something is parked or an alarm is firing."""
    return any(report["parked"].values()) or bool(report["alarms_in_alarm"])
