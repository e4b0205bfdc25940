"""The least-privilege check: AWS calls are mapped to IAM actions and judged like IAM would."""

from __future__ import annotations

import pytest
from crowdcare_local.least_privilege import (
    AwsCall,
    requests,
    sam_policy_template,
    statements,
    violations,
)
from crowdcare_local.template import ACCOUNT_ID, REGION

TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table"


def test_a_transaction_needs_each_items_own_action_on_its_own_table() -> None:
    """TransactWriteItems is authorised item by item: Put on one table, Update on another."""
    # GIVEN a transaction that puts an assignment and updates a responder
    params = {
        "TransactItems": [
            {"Put": {"TableName": "assignments", "Item": {}}},
            {"Update": {"TableName": "responders", "Key": {}}},
        ]
    }
    # WHEN it is mapped to what IAM checks
    checked = requests("dynamodb", "TransactWriteItems", params)
    # THEN each item is its own (action, table) pair
    assert checked == [
        ("dynamodb:PutItem", f"{TABLE}/assignments"),
        ("dynamodb:UpdateItem", f"{TABLE}/responders"),
    ]


def test_a_query_on_an_index_is_checked_against_the_index_arn() -> None:
    """A Query with IndexName needs the index's ARN, which a table-only grant does not cover."""
    # GIVEN a function allowed to Query the table itself only
    policy = statements(
        [{"Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{TABLE}/m"}]}]
    )
    # WHEN it queries the table and then one of its indexes
    table_call = AwsCall("F", *requests("dynamodb", "Query", {"TableName": "m"})[0])
    index_call = AwsCall(
        "F", *requests("dynamodb", "Query", {"TableName": "m", "IndexName": "queue"})[0]
    )
    # THEN only the index query is denied
    assert violations([table_call, index_call], {"F": policy}) == [index_call]


def test_sam_read_policy_covers_indexes_and_reads_but_not_writes() -> None:
    """DynamoDBReadPolicy expands as SAM expands it: reads on the table and its indexes."""
    # GIVEN the SAM read policy template on table `r`
    policy = sam_policy_template("DynamoDBReadPolicy", {"TableName": "r"})
    query = AwsCall("F", "dynamodb:Query", f"{TABLE}/r/index/pool_0")
    update = AwsCall("F", "dynamodb:UpdateItem", f"{TABLE}/r")
    # WHEN both calls are judged
    denied = violations([query, update], {"F": policy})
    # THEN the index read passes and the write does not
    assert denied == [update]


def test_actions_match_case_insensitively_with_wildcards_and_only_for_their_function() -> None:
    """`sqs:sendmessage*` allows SendMessageBatch; another function's grant allows nothing."""
    # GIVEN function A allowed to send to queue q (lower-case action pattern)
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:q"
    policy = statements(
        [{"Statement": [{"Effect": "Allow", "Action": ["sqs:sendmessage*"], "Resource": queue}]}]
    )
    url = f"http://127.0.0.1/{ACCOUNT_ID}/q"
    call_a = AwsCall("A", *requests("sqs", "SendMessageBatch", {"QueueUrl": url})[0])
    call_b = AwsCall("B", *requests("sqs", "SendMessage", {"QueueUrl": url})[0])
    # WHEN A and B send to q
    denied = violations([call_a, call_b], {"A": policy})
    # THEN A is allowed and B, whose policy says nothing, is denied
    assert denied == [call_b]


def test_an_unknown_policy_template_is_an_error_not_a_silent_pass() -> None:
    """A policy template the check cannot expand stops it rather than allowing everything."""
    with pytest.raises(ValueError, match="DynamoDBCrudPolicy"):
        statements([{"DynamoDBCrudPolicy": {"TableName": "t"}}])


def test_an_explicit_deny_wins_over_an_allow() -> None:
    """A Deny statement refuses a call another statement of the same policy allows."""
    # GIVEN a policy allowing sns:Publish everywhere but denying it on topics
    policy = statements(
        [
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
                    {"Effect": "Deny", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:*:*"},
                ]
            }
        ]
    )
    sms = AwsCall("F", "sns:Publish", "*")
    topic = AwsCall("F", "sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alerts")
    # WHEN an SMS (no ARN) and a topic publish are judged
    # THEN the topic publish is denied and the SMS is not
    assert violations([sms, topic], {"F": policy}) == [topic]


def test_a_task_tokens_answer_is_allowed_by_a_grant_on_its_state_machine() -> None:
    """SendTaskSuccess names no state machine (it is inside the token): a grant on the state
    machine covers it, and a function without one is denied."""
    # GIVEN a function allowed to answer tasks of one state machine, and one that is not
    machine = f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:assignment"
    policy = statements(
        [
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "states:SendTaskSuccess", "Resource": machine}
                ]
            }
        ]
    )
    answer = requests("states", "SendTaskSuccess", {"taskToken": "t", "output": "{}"})[0]
    # WHEN each answers a task
    allowed, denied = AwsCall("A", *answer), AwsCall("B", *answer)
    # THEN only the function without the grant is denied
    assert violations([allowed, denied], {"A": policy}) == [denied]
