"""Candidate pools: who has a free slot, by kind and language, read by key instead of a Scan.

A responder item carries sparse pool keys while (and only while) the responder is active and
below `max_open`: `pool_0..pool_2` = `advocate#<language>` for their first three languages
(`employee` in `pool_0` for employees: employees are asked in any language), each the hash key
of a GSI of the same name sorted by `pool_rank` (reputation). Routing reads the top K of one
pool, so its cost does not grow with the number of responders.

The pool is kept fresh by whoever moves what it depends on: a profile write sets or removes the
keys at once (a paused responder leaves every pool in the same write), a successful assignment
removes them when it filled the last slot, a release puts them back. GSIs are eventually
consistent, so a pool may be a moment stale: harmless, because `try_assign` is the conditional
guard against over-assignment (a full or paused responder read from a stale pool is refused
there, and the pick moves on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.codec import from_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.domain.models import Responder, ResponderKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_dynamodb import DynamoDBClient

POOL_SLOTS = ("pool_0", "pool_1", "pool_2")
"""GSI names and their hash keys: a responder is found under their first three languages."""
POOL_RANK = "pool_rank"
EMAIL_KEY = "email_key"
"""Hash key of the sparse `by_email` GSI: the normalised address (SES feedback finds the
responder by key). Derived like the pool keys, so every profile write keeps it in step."""
POOL_ATTRIBUTES = (*POOL_SLOTS, POOL_RANK, EMAIL_KEY)
"""Every attribute derived from the profile for an index (never part of the Responder)."""
EMPLOYEE_POOL = "employee"
_REFRESH_ATTEMPTS = 3


def base_language(language: str) -> str:
    """`pt-BR` and `pt` are one pool (routing compares base languages too)."""
    return language.lower().split("-")[0]


def pool_key(kind: ResponderKind, language: str | None) -> str:
    """The pool of advocates speaking `language`, or the one pool of employees."""
    if kind is ResponderKind.EMPLOYEE or language is None:
        return EMPLOYEE_POOL
    return f"advocate#{base_language(language)}"


def normalised_email(address: str) -> str:
    """One spelling per mailbox for the index: SES reports addresses lower-cased."""
    return address.strip().lower()


def pool_values(responder: Responder) -> dict[str, Any]:
    """The index attributes the responder's item should carry now: the pool keys (none when
    full or paused) and the email key."""
    values: dict[str, Any] = {
        POOL_RANK: responder.reputation,
        EMAIL_KEY: normalised_email(responder.email),
    }
    if not responder.has_capacity:
        return values
    if responder.kind is ResponderKind.EMPLOYEE:
        return values | {POOL_SLOTS[0]: EMPLOYEE_POOL}
    languages = list(dict.fromkeys(base_language(lang) for lang in responder.languages))
    for slot, language in zip(POOL_SLOTS, languages, strict=False):
        values[slot] = pool_key(ResponderKind.ADVOCATE, language)
    return values


def responder_from_item(item: dict[str, Any]) -> Responder:
    """A Responder from its item, without the pool attributes (they are derived)."""
    values = from_item(item)
    for name in POOL_ATTRIBUTES:
        values.pop(name, None)
    return Responder.model_validate(values)


class ResponderPool:
    """Reads and keeps the candidate pools on the Responders table."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def available(self, kind: ResponderKind, language: str | None, limit: int) -> list[Responder]:
        """Up to `limit` responders of the pool, best reputation first (possibly stale).

        Reads at most `limit` items, whatever the size of the table: the primary-language
        slot first, the other slots only for what is still missing.
        """
        key = pool_key(kind, language)
        slots = POOL_SLOTS[:1] if key == EMPLOYEE_POOL else POOL_SLOTS
        found: list[Responder] = []
        for slot in slots:
            missing = limit - len(found)
            if missing <= 0:
                break
            response = self._client.query(
                TableName=self._table,
                IndexName=slot,
                KeyConditionExpression="#slot = :pool",
                ExpressionAttributeNames={"#slot": slot},
                ExpressionAttributeValues={":pool": {"S": key}},
                ScanIndexForward=False,
                Limit=missing,
            )
            found.extend(responder_from_item(item) for item in response.get("Items", []))
        return found

    def leave_if_full(self, responder_id: str) -> None:
        """After an assignment: leave every pool when that filled the last slot.

        A consistent read of the counter first, and the write only when full: most
        assignments leave a slot free, and a write that fails its condition is billed like
        one that lands (a read costs a fifth of a write). Racing assignments each read after
        their own transaction, so the one that filled the last slot sees it full.
        """
        item = self._client.get_item(
            TableName=self._table,
            Key={"responder_id": {"S": responder_id}},
            ConsistentRead=True,
            ProjectionExpression="open_count, max_open",
        ).get("Item")
        if item is None or int(item["open_count"]["N"]) < int(item["max_open"]["N"]):
            return
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"responder_id": {"S": responder_id}},
                UpdateExpression="REMOVE " + ", ".join(POOL_SLOTS),
                ConditionExpression="open_count >= max_open",
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise

    def refresh(self, responder_id: str) -> None:
        """Set the pool keys from the item as it is now (after a release or a profile edit).

        The write is conditional on what it was computed from; when another write got in
        between, it reads again (that writer refreshes too, so a few attempts converge).
        """
        for _ in range(_REFRESH_ATTEMPTS):
            item = self._client.get_item(
                TableName=self._table,
                Key={"responder_id": {"S": responder_id}},
                ConsistentRead=True,
            ).get("Item")
            if item is None:
                return
            if self._write(responder_id, item):
                return

    def _write(self, responder_id: str, item: dict[str, Any]) -> bool:
        wanted = pool_values(responder_from_item(item))
        names = {f"#p{i}": name for i, name in enumerate(POOL_ATTRIBUTES)}
        sets, removes = [], []
        values: dict[str, Any] = {
            ":count": item["open_count"],
            ":max": item["max_open"],
            ":active": item["active"],
        }
        for alias, name in names.items():
            if name in wanted:
                sets.append(f"{alias} = :v{alias[1:]}")
                value = wanted[name]
                values[f":v{alias[1:]}"] = (
                    {"N": str(value)} if name == POOL_RANK else {"S": str(value)}
                )
            else:
                removes.append(alias)
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"responder_id": {"S": responder_id}},
                UpdateExpression=expression,
                ConditionExpression="open_count = :count AND max_open = :max AND active = :active",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True


def by_ids(
    client: DynamoDBClient, table_name: str, responder_ids: Sequence[str]
) -> list[Responder]:
    """The responders with these ids (consistent, in the order asked; unknown ids left out)."""
    wanted = list(dict.fromkeys(responder_ids))
    found: dict[str, Responder] = {}
    for start in range(0, len(wanted), 100):
        keys: list[dict[str, Any]] = [
            {"responder_id": {"S": rid}} for rid in wanted[start : start + 100]
        ]
        request: dict[str, Any] = {table_name: {"Keys": keys, "ConsistentRead": True}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table_name, []):
                responder = responder_from_item(item)
                found[responder.responder_id] = responder
            request = dict(response.get("UnprocessedKeys") or {})
    return [found[rid] for rid in wanted if rid in found]
