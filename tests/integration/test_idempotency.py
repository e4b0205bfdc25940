"""once_per_key against a moto idempotency table: one run per key, the same result on repeats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from crowdcare.adapters.dynamodb.idempotency import SentChannelsTable, once_per_key
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.errors import ProviderUnavailableError
from pydantic import BaseModel

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws


class Notice(BaseModel):
    mention_id: str
    responder_id: str


class Sent(BaseModel):
    message_id: str
    channels: tuple[str, ...]
    cost: float


class Recorder:
    """The side effect under test: counts its calls and returns a distinct result each time."""

    def __init__(self) -> None:
        self.calls: list[Notice] = []

    def send(self, notice: Notice) -> Sent:
        self.calls.append(notice)
        return Sent(message_id=f"msg-{len(self.calls)}", channels=("email", "sms"), cost=0.00645)

    def send_dict(self, notice: Notice) -> dict[str, object]:
        self.calls.append(notice)
        return {"message_id": f"msg-{len(self.calls)}", "count": len(self.calls)}


class FakeLambdaContext:
    """Just enough of a Lambda context for powertools to size its in-progress lock."""

    function_name = "crowdcare-notifier"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


CONTEXT: Any = FakeLambdaContext()


@pytest.fixture
def clients(core_aws: CoreAws) -> AwsClients:
    """Clients from the production factory, pointed at moto by the active mock."""
    return AwsClients(AwsSettings(aws_region=core_aws.region))


def test_same_argument_runs_once_and_returns_the_same_result(
    core_aws: CoreAws, clients: AwsClients
) -> None:
    """A second call with an equal pydantic argument does not run the function again."""
    # GIVEN a side effect wrapped with once_per_key and a pydantic result model
    recorder = Recorder()
    send = once_per_key(
        recorder.send,
        table=core_aws.idempotency_table,
        client=clients.dynamodb,
        key="notice",
        result_model=Sent,
    )
    send.register(CONTEXT)
    # WHEN it is called twice with equal (not identical) arguments
    first = send(notice=Notice(mention_id="x#1", responder_id="ana"))
    second = send(notice=Notice(mention_id="x#1", responder_id="ana"))
    # THEN the function ran once and both calls return the first result, as the model
    assert len(recorder.calls) == 1
    assert first == Sent(message_id="msg-1", channels=("email", "sms"), cost=0.00645)
    assert isinstance(second, Sent)
    assert second == first


def test_different_argument_runs_again(core_aws: CoreAws, clients: AwsClients) -> None:
    """A call with a different argument is a new key and runs the function."""
    # GIVEN a wrapped side effect already called once
    recorder = Recorder()
    send = once_per_key(
        recorder.send,
        table=core_aws.idempotency_table,
        client=clients.dynamodb,
        key="notice",
        result_model=Sent,
    )
    send.register(CONTEXT)
    first = send(notice=Notice(mention_id="x#1", responder_id="ana"))
    # WHEN it is called for another responder of the same mention
    second = send(notice=Notice(mention_id="x#1", responder_id="bob"))
    # THEN it ran twice, with two results
    assert len(recorder.calls) == 2
    assert (first.message_id, second.message_id) == ("msg-1", "msg-2")


def test_the_record_is_stored_with_an_expiry(core_aws: CoreAws, clients: AwsClients) -> None:
    """The idempotency record lands in the table with the configured TTL attribute."""
    # GIVEN a wrapped side effect
    recorder = Recorder()
    send = once_per_key(
        recorder.send,
        table=core_aws.idempotency_table,
        client=clients.dynamodb,
        key="notice",
        expires_after_seconds=3600,
        result_model=Sent,
    )
    send.register(CONTEXT)
    # WHEN it is called
    send(notice=Notice(mention_id="x#1", responder_id="ana"))
    # THEN one completed record with an expiration exists
    items = core_aws.dynamodb.scan(TableName=core_aws.idempotency_table)["Items"]
    assert len(items) == 1
    assert items[0]["status"]["S"] == "COMPLETED"
    assert int(items[0]["expiration"]["N"]) > 0


def test_plain_results_round_trip_without_a_model(core_aws: CoreAws, clients: AwsClients) -> None:
    """Without result_model a JSON-able result is stored and returned as is on a repeat."""
    # GIVEN a wrapped side effect returning a dict
    recorder = Recorder()
    send = once_per_key(
        recorder.send_dict, table=core_aws.idempotency_table, client=clients.dynamodb, key="notice"
    )
    send.register(CONTEXT)
    # WHEN it is called twice with the same argument
    first = send(notice=Notice(mention_id="x#9", responder_id="ana"))
    second = send(notice=Notice(mention_id="x#9", responder_id="ana"))
    # THEN it ran once and the repeat returns the stored dict
    assert len(recorder.calls) == 1
    assert second == first == {"message_id": "msg-1", "count": 1}


def test_each_channel_is_sent_once_and_a_failed_send_is_tried_again(core_aws: CoreAws) -> None:
    """GIVEN the sent-channels table on moto, WHEN a send fails, THEN its claim is given back
    and the next delivery sends; once sent, later deliveries get the stored id, never a
    second send."""
    sent = SentChannelsTable(core_aws.dynamodb, core_aws.idempotency_table, lambda: 1_000.0)
    calls: list[str] = []

    def failing() -> str:
        calls.append("fail")
        raise ProviderUnavailableError("SMS", "InternalError")

    def working() -> str:
        calls.append("send")
        return "sms-1"

    with pytest.raises(ProviderUnavailableError):
        sent.once("x#1#ana#1#sms", failing)
    assert sent.once("x#1#ana#1#sms", working) == "sms-1"
    assert sent.once("x#1#ana#1#sms", working) == "sms-1"
    assert calls == ["fail", "send"]


def test_a_notice_keeps_the_channels_of_its_first_delivery(core_aws: CoreAws) -> None:
    """GIVEN the sent-channels table on moto, WHEN two deliveries of one notice choose different
    channels, THEN both get the first's choice (one item, expiring like the channel claims),
    and another notice keeps its own."""
    sent = SentChannelsTable(core_aws.dynamodb, core_aws.idempotency_table, lambda: 1_000.0)
    assert sent.decided("x#1#ana#1", ("email",)) == ("email",)
    assert sent.decided("x#1#ana#1", ("email", "sms")) == ("email",)
    assert sent.decided("x#1#ana#2", ()) == ()
    item = core_aws.dynamodb.get_item(
        TableName=core_aws.idempotency_table, Key={"id": {"S": "notice#x#1#ana#1"}}
    )["Item"]
    assert item["expiration"] == {"N": str(1_000 + 24 * 60 * 60)}


def test_earlier_tells_only_a_completed_send(core_aws: CoreAws) -> None:
    """GIVEN a channel never sent, one whose send failed and one sent, WHEN asked what each
    sent, THEN only the sent one has a message id."""
    sent = SentChannelsTable(core_aws.dynamodb, core_aws.idempotency_table, lambda: 1_000.0)

    def failing() -> str:
        raise ProviderUnavailableError("SES", "Throttling")

    with pytest.raises(ProviderUnavailableError):
        sent.once("x#1#ana#1#sms", failing)
    sent.once("x#1#ana#1#email", lambda: "email-1")
    assert sent.earlier("x#1#ana#1#push") is None
    assert sent.earlier("x#1#ana#1#sms") is None
    assert sent.earlier("x#1#ana#1#email") == "email-1"
