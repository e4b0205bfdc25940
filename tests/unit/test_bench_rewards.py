"""tools.bench.rewards: the figures it prints come from the real awarder and board keys."""

from __future__ import annotations

from tools.bench.rewards import PAGE_SIZE, read_cost, writes_per_posted_reply


def test_a_posted_reply_writes_one_transaction_per_award() -> None:
    """Each award is one transaction of the entry plus its board lines: three periods, each
    overall, in the language and in each of the mention's 0-2 topics, and the responder's kept
    figures (8 to 14 items)."""
    figures = writes_per_posted_reply(replies=20)
    assert 1 <= figures["transactions_per_posted_reply"] <= 4
    per_tx = figures["items_written_per_posted_reply"] / figures["transactions_per_posted_reply"]
    assert 8 < per_tx < 14


def test_a_leaderboard_reads_at_most_one_line_per_responder_however_big_the_ledger() -> None:
    """Ten times the entries, the same bound: one line per responder on the board."""
    small, large = read_cost(2_000, responders=50), read_cost(20_000, responders=50)
    assert small["all_time"]["lines_read"] <= 50
    assert large["all_time"]["lines_read"] == 50
    assert large["scan_read_units"] > 5 * large["all_time"]["read_units"]


def test_a_leaderboard_request_reads_its_pages_not_the_boards_or_histories() -> None:
    """GIVEN ten times the entries WHEN the dashboard's leaderboard is read THEN it reads the
    same two pages and their kept figures (at most 2 x 2 x PAGE_SIZE items), while reading the
    whole boards and the shown responders' histories grows with the ledger."""
    small, large = read_cost(5_000, responders=200), read_cost(50_000, responders=200)
    # (the small ledger's week so far has fewer than a page of responders)
    assert small["request"]["items_now"] <= large["request"]["items_now"] == 4 * PAGE_SIZE
    assert large["request"]["items_before"] > 5 * small["request"]["items_before"] / 2
    assert large["request"]["items_before"] > 10 * large["request"]["items_now"]
