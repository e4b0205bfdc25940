"""template.yaml against the reply pipeline's assumptions."""

from __future__ import annotations

from crowdcare_local.template import function_properties, load_template


def test_poster_parks_on_the_queues_last_delivery() -> None:
    """The poster's REPLY_MAX_RECEIVE_COUNT is the ReplyQueue's maxReceiveCount, so it parks
    a still-failing reply itself on the last delivery instead of leaving it to the redrive."""
    template = load_template()
    queue = template["Resources"]["ReplyQueue"]["Properties"]
    variables = function_properties(template, "ReplyPosterFunction")["Environment"]["Variables"]
    assert int(variables["REPLY_MAX_RECEIVE_COUNT"]) == queue["RedrivePolicy"]["maxReceiveCount"]


def test_the_posting_lease_outlasts_the_queues_visibility_timeout() -> None:
    """A redelivery (after the visibility timeout) finds a running attempt's lease still held,
    so it never posts the same reply alongside it; the lease does run out before the next
    redelivery, so a crashed attempt is taken over."""
    template = load_template()
    visibility = template["Resources"]["ReplyQueue"]["Properties"]["VisibilityTimeout"]
    variables = function_properties(template, "ReplyPosterFunction")["Environment"]["Variables"]
    lease = int(variables["REPLY_POSTING_LEASE_SECONDS"])
    assert visibility < lease < 2 * visibility


def test_the_api_and_the_poster_share_the_one_replies_table() -> None:
    """One reply, one table: the approvals table is gone, both functions use RepliesTable."""
    template = load_template()
    assert "ApprovalsTable" not in template["Resources"]
    for function in ("ApiFunction", "ReplyPosterFunction", "ReachTrackerFunction"):
        variables = function_properties(template, function)["Environment"]["Variables"]
        assert variables["REPLIES_TABLE"] == {"Ref": "RepliesTable"}
