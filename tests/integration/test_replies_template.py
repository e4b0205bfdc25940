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
