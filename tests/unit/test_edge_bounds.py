"""The bounds every inbound mention is held to (issue 10): what a signed payload may carry is
cut, capped or refused at the edge, so storing it can never fail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crowdcare.adapters.platforms.inbound.bounds import (
    MAX_DISPLAY_NAME,
    MAX_FOLLOWERS,
    MAX_RAW_BYTES,
    capped_count,
    edge_mention,
    safe_url,
    trimmed_raw,
    unix_time,
)
from crowdcare.adapters.platforms.inbound.errors import InvalidPayloadError
from crowdcare.domain.models import Platform

WHEN = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def _mention(**overrides: object) -> object:
    fields: dict[str, object] = {
        "platform": Platform.GENERIC,
        "post_id": "p1",
        "url": "https://forum.example/t/1",
        "author_id": "u1",
        "handle": "kim",
        "text": "help",
        "created_at": WHEN,
    }
    return edge_mention(**(fields | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://forum.example/t/1", "https://forum.example/t/1"),
        ("HTTP://forum.example/", "HTTP://forum.example/"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("data:text/html,<b>x</b>", ""),
        ("vbscript:x", ""),
        ("//forum.example/t/1", ""),
        ("https:///nohost", ""),
        ("https://" + "a" * 3000, ""),
        ("http://[::1", ""),
    ],
)
def test_only_http_urls_are_kept(url: str, kept: str) -> None:
    """GIVEN a URL of any scheme, WHEN bounded, THEN only http(s) with a host survives."""
    assert safe_url(url) == kept
    assert _mention(url=url).url == kept  # type: ignore[attr-defined]


def test_a_large_raw_is_trimmed_on_a_character_boundary_and_marked() -> None:
    """GIVEN a raw payload of 200 KB of multi-byte text, WHEN bounded, THEN it is cut to the
    limit on a character boundary and says how large it was."""
    raw = "é" * 100_000
    trimmed = trimmed_raw(raw)
    assert len(trimmed.encode()) < MAX_RAW_BYTES + 100
    assert trimmed.startswith("é" * 1000)
    assert trimmed.endswith("[trimmed: 200000 bytes as received]")
    assert trimmed_raw("small") == "small"


@pytest.mark.parametrize(
    ("value", "count"),
    [
        (10**40, MAX_FOLLOWERS),
        (-5, 0),
        (1e300, MAX_FOLLOWERS),
        (float("nan"), 0),
        (True, 0),
        (42, 42),
    ],
)
def test_counts_are_capped_to_what_storage_holds(value: object, count: int) -> None:
    """GIVEN a follower count of any size, WHEN bounded, THEN it lies in 0..MAX_FOLLOWERS."""
    assert capped_count(value) == count


@pytest.mark.parametrize("seconds", [10**30, -(10**30), 1e300, float("inf"), -1, 8_000_000_000])
def test_unix_times_no_calendar_holds_are_a_value_error(seconds: float) -> None:
    """GIVEN unix seconds that overflow or fall outside 1990..2200, WHEN converted, THEN a
    ValueError (which validation reports), never OverflowError or OSError."""
    with pytest.raises(ValueError, match="time must"):
        unix_time(seconds)


def test_names_are_cut_and_bad_fields_refused_with_the_field_named() -> None:
    """GIVEN a 300 KB display name, WHEN bounded, THEN it is cut; GIVEN an over-long handle or
    a date in the year 9999, THEN InvalidPayloadError names the field, never the value."""
    assert len(_mention(display_name="N" * 300_000).author.display_name) == MAX_DISPLAY_NAME  # type: ignore[attr-defined]
    with pytest.raises(InvalidPayloadError) as refused:
        _mention(handle="h" * 500)
    assert [d["loc"] for d in refused.value.details] == ["author.handle"]
    assert "hhhh" not in str(refused.value)
    with pytest.raises(InvalidPayloadError) as dated:
        _mention(created_at=datetime(9999, 1, 1, tzinfo=UTC))
    assert [d["loc"] for d in dated.value.details] == ["created_at"]
