"""Fixes to moto 5.2 that the local stack needs to behave like AWS (each says why).

`apply()` installs them all; each is idempotent, so several stacks in one process (the tests)
patch moto once.
"""

from __future__ import annotations

import threading
from typing import Any


def apply() -> None:
    """Install every fix below."""
    _let_executions_overlap()
    _fix_callback_gaps()
    _snapshot_only_what_a_transaction_touches()
    _make_dynamodb_writes_atomic()  # last: it wraps the transaction above in the write lock


def _let_executions_overlap() -> None:
    """Work around moto deep-copying a state machine, running executions included.

    moto 5.2 clones the state machine on every StartExecution; a running execution holds a
    lock, so a second start while one runs fails with a 500. Executions are shared, not
    cloned: the clone only needs the definition.
    """
    from moto.stepfunctions.parser.backend.execution import Execution  # noqa: PLC0415

    def share(self: Execution, memo: dict[int, Any]) -> Execution:
        return self

    Execution.__deepcopy__ = share  # type: ignore[attr-defined]


def _fix_callback_gaps() -> None:
    """Work around three gaps of moto 5.2's Step Functions interpreter (cloud behaviour kept):

    * `arn:aws:states:::states:startExecution` passes `StateMachineArn`/`Input`/`Name` to boto3
      unconverted (KeyError): they are lower-camel-cased as the service integration does.
    * An answer (SendTaskSuccess/Failure) that arrives before a task with HeartbeatSeconds
      has set up its heartbeat watch is lost and the task times out: the watch now starts
      already notified when an answer is waiting.
    * SendTaskFailure drops its `cause`: it is passed on, so a decline keeps its reason.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: PLC0415
        state_task_service_sfn as sfn_service,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (  # noqa: PLC0415
        CallbackEndpoint,
    )
    from moto.stepfunctions.responses import StepFunctionResponse  # noqa: PLC0415

    service = sfn_service.StateTaskServiceSfn
    if getattr(service, "_crowdcare_patched", False):
        return
    original_normalise = service._normalise_parameters

    def normalise(self: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_normalise(self, parameters, *args, **kwargs)
        if self._get_boto_service_action() == "start_execution":
            for key in ("StateMachineArn", "Input", "Name"):
                if key in parameters:
                    parameters[key[0].lower() + key[1:]] = parameters.pop(key)

    service._normalise_parameters = normalise  # type: ignore[method-assign]
    service._crowdcare_patched = True  # type: ignore[attr-defined]

    original_setup = CallbackEndpoint.setup_heartbeat_endpoint

    def setup(self: CallbackEndpoint, heartbeat_seconds: int) -> Any:
        endpoint = original_setup(self, heartbeat_seconds=heartbeat_seconds)
        if self.get_outcome() is not None:
            endpoint.notify()  # type: ignore[no-untyped-call]
        return endpoint

    CallbackEndpoint.setup_heartbeat_endpoint = setup  # type: ignore[method-assign]

    def send_task_failure(self: Any) -> Any:
        from moto.core.responses import EmptyResult  # noqa: PLC0415

        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]


def _make_dynamodb_writes_atomic() -> None:
    """Make moto's DynamoDB writes atomic with respect to each other, as DynamoDB's are.

    moto 5.2 snapshots the tables a transaction touches and, when the transaction is cancelled,
    restores the snapshot, wiping writes other threads made meanwhile. The local stack runs many
    workflows at once, so every write takes one lock.
    """
    import functools  # noqa: PLC0415

    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    if getattr(DynamoDBBackend, "_crowdcare_atomic", False):
        return
    lock = threading.RLock()
    writes = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
    for name in writes:
        original = getattr(DynamoDBBackend, name)

        @functools.wraps(original)
        def atomic(*args: Any, _write: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _write(*args, **kwargs)

        setattr(DynamoDBBackend, name, atomic)
    DynamoDBBackend._crowdcare_atomic = True  # type: ignore[attr-defined]


def _snapshot_only_what_a_transaction_touches() -> None:
    """Make moto's transaction rollback snapshot cost what the transaction touches.

    moto 5.2 deep-copies every table a transaction names before running it (every item, and
    the table's whole stream history), to put it back if the transaction is cancelled. That
    is O(everything stored) per transaction: the local run slowed down quadratically as the
    tables and streams grew (the demo spent most of its time copying). The snapshot is now a
    shallow copy of the table whose item index is copied (pointers only), whose items the
    transaction touches are deep-copied (only they can change: writes hold one lock, see
    below), and whose stream record list is copied (pointers only). A rollback swaps it in
    exactly as before.
    """
    import copy as real_copy  # noqa: PLC0415
    from collections import defaultdict  # noqa: PLC0415

    from moto.dynamodb import models  # noqa: PLC0415
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    if getattr(DynamoDBBackend, "_crowdcare_snapshots", False):
        return
    snapshots: dict[int, Any] = {}

    class _Copy:
        """`copy` as moto's module sees it: the prepared snapshot of a table, if there is one."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real_copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
            # moto copies a table once per item of the transaction: the same snapshot each time.
            prepared = snapshots.get(id(value))
            return prepared if prepared is not None else real_copy.deepcopy(value, memo)

    def snapshot(backend: Any, table: Any, keys: list[dict[str, Any]]) -> Any:
        copied = real_copy.copy(table)
        if table.has_range_key:
            copied.items = defaultdict(dict, {h: dict(r) for h, r in table.items.items()})
        else:
            copied.items = defaultdict(dict, table.items)
        for key in keys:
            item = backend.get_item(table.name, key)
            if item is None:
                continue
            if table.has_range_key:
                copied.items[item.hash_key][item.range_key] = real_copy.deepcopy(item)
            else:
                copied.items[item.hash_key] = real_copy.deepcopy(item)
        if table.stream_shard is not None:
            shard = real_copy.copy(table.stream_shard)
            shard.items = list(table.stream_shard.items)
            copied.stream_shard = shard
        return copied

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        touched: dict[str, list[dict[str, Any]]] = {}
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            name = op.get("TableName")
            if not name or name not in self.tables:
                continue
            table = self.tables[name]
            key = op.get("Key")
            if key is None and "Item" in op:
                attributes = [table.hash_key_attr, table.range_key_attr]
                key = {a: op["Item"][a] for a in attributes if a and a in op["Item"]}
            touched.setdefault(name, []).append(key or {})
        try:
            for name, keys in touched.items():
                table = self.tables[name]
                snapshots[id(table)] = snapshot(self, table, [k for k in keys if k])
            return original(self, transact_items)
        finally:
            snapshots.clear()

    models.copy = _Copy()  # type: ignore[attr-defined,assignment]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    DynamoDBBackend._crowdcare_snapshots = True  # type: ignore[attr-defined]
