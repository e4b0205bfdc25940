"""crowdcare.adapters.responders_csv: good rows become responders, bad rows return reasons."""

from __future__ import annotations

import pytest
from crowdcare.adapters.responders_csv import (
    MAX_CELL_CHARS,
    MAX_FILE_CHARS,
    MAX_ROWS,
    CsvFileError,
    parse_responders,
)
from crowdcare.domain.dashboard import ProfileUpdate
from crowdcare.domain.models import MAX_SKILLS, ResponderKind
from pydantic import ValidationError

HEADER = (
    "responder_id,kind,name,email,phone,sms_opt_in,languages,skills,timezone,"
    "quiet_start,quiet_end,max_open,active\n"
)


def test_a_full_row_becomes_a_responder() -> None:
    """Every column is read: lists split on ';' or spaces, flags, zone, quiet hours, load."""
    parsed = parse_responders(
        HEADER + "adv.ana,Advocate,Ana,ana@example.com,+34600555101,yes,ES;en,Thermostat app,"
        "Europe/Madrid,23,8,4,no\n"
    )
    assert parsed.errors == ()
    (ana,) = parsed.responders
    assert ana.kind is ResponderKind.ADVOCATE
    assert ana.languages == ("es", "en")
    assert ana.skills == ("thermostat", "app")
    assert (ana.sms_opt_in, ana.active, ana.max_open) == (True, False, 4)
    assert (ana.quiet_hours.start_hour, ana.quiet_hours.end_hour) == (23, 8)
    assert ana.timezone == "Europe/Madrid"


def test_optional_columns_may_be_left_out_or_empty() -> None:
    """Only the four required columns: the model's defaults apply."""
    parsed = parse_responders("responder_id,kind,name,email\nemp.o,employee,Owen,o@example.com\n")
    (owen,) = parsed.responders
    assert (owen.languages, owen.timezone, owen.max_open, owen.active) == (("en",), "UTC", 5, True)


def test_bad_rows_are_reported_by_line_and_never_block_good_ones() -> None:
    """Each bad row is named by its line with every problem; the good rows still parse."""
    text = (
        HEADER
        + "adv.a,advocate,A,a@example.com,,,en,,UTC,,,,\n"
        + "adv.b,robot,B,not-an-email,,maybe,en,,Mars/Base,25,,0,\n"
        + "\n"
        + "adv.c,advocate,C,c@example.com,,,en,,UTC,,,,\n"
        + "adv.a,advocate,A2,a2@example.com,,,en,,UTC,,,,\n"
        + "bad id!,advocate,D,d@example.com,12345,,en,,UTC,,,,,extra\n"
    )
    parsed = parse_responders(text)
    assert [r.responder_id for r in parsed.responders] == ["adv.a", "adv.c"]
    lines = {e.line: e for e in parsed.errors}
    assert set(lines) == {3, 6, 7}
    problems = " | ".join(lines[3].problems)
    for expected in (
        "sms_opt_in must be yes or no",
        "unknown time zone 'Mars/Base'",
        "kind:",
        "email: is not an email address",
        "max_open:",
    ):
        assert expected in problems
    assert lines[6].problems == ("responder_id 'adv.a' already appears on line 2",)
    assert lines[7].problems == ("the row has more cells than the header",)


def test_plain_words_for_pattern_errors() -> None:
    """Pattern mismatches read as sentences, not regexes."""
    parsed = parse_responders(
        "responder_id,kind,name,email,phone\nbad id,advocate,X,x@example.com,0151\n"
    )
    (error,) = parsed.errors
    assert "responder_id: may hold only letters, digits, '.', '_' and '-'" in error.problems
    assert "phone: must be an international number, e.g. +4915112345678" in error.problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\ufeff  \n", "the file is empty"),
        ("responder_id,name\n", "missing required columns: kind, email"),
        ("responder_id,kind,name,email,shoe_size\n", "unknown columns: shoe_size"),
    ],
)
def test_a_file_without_a_usable_header_is_refused_whole(text: str, message: str) -> None:
    """No header, a missing required column or an unknown column: the file is refused."""
    with pytest.raises(CsvFileError, match=message):
        parse_responders(text)


def test_too_many_rows_is_refused() -> None:
    """A file over the row limit must be split."""
    rows = "".join(f"adv.{i},advocate,N{i},n{i}@example.com\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(CsvFileError, match="more than"):
        parse_responders("responder_id,kind,name,email\n" + rows)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_ending_reads_the_same(ending: str) -> None:
    """GIVEN the same two rows with LF, CRLF or CR-only line endings, WHEN parsed, THEN both
    responders are read and the bad third row is reported on line 4."""
    lines = [
        "responder_id,kind,name,email",
        "ana,advocate,Ana,ana@example.com",
        "ben,employee,Ben,ben@example.com",
        "bad,advocate,Bad,not-an-email",
    ]
    parsed = parse_responders(ending.join(lines) + ending)
    assert [r.responder_id for r in parsed.responders] == ["ana", "ben"]
    [error] = parsed.errors
    assert (error.line, error.responder_id) == (4, "bad")


def test_a_field_past_the_csv_modules_limit_is_a_row_error() -> None:
    """GIVEN a row whose cell holds 200,000 characters (past csv's 131,072 limit), WHEN parsed,
    THEN that row is reported as unreadable and the row after it is still imported."""
    text = (
        "responder_id,kind,name,email\n"
        f"big,advocate,{'x' * 200_000},big@example.com\n"
        "ana,advocate,Ana,ana@example.com\n"
    )
    parsed = parse_responders(text)
    assert [r.responder_id for r in parsed.responders] == ["ana"]
    assert len(parsed.errors) == 1
    assert "unreadable row" in parsed.errors[0].problems[0]


def test_a_long_cell_under_the_csv_limit_is_a_clear_row_error() -> None:
    """GIVEN a name of 5,000 characters, WHEN parsed, THEN the row says the name is too long."""
    parsed = parse_responders(f"responder_id,kind,name,email\nana,advocate,{'n' * 5000},a@b.co\n")
    [error] = parsed.errors
    assert error.problems == (f"name: longer than {MAX_CELL_CHARS} characters",)


def test_a_file_past_the_size_limit_is_refused_whole() -> None:
    """GIVEN a file over MAX_FILE_CHARS, WHEN parsed, THEN it is refused with a clear reason."""
    with pytest.raises(CsvFileError, match="characters: split it"):
        parse_responders(HEADER + "x" * (MAX_FILE_CHARS + 1))


def test_too_many_skills_is_a_clear_row_error() -> None:
    """GIVEN a row with more skills than MAX_SKILLS, WHEN parsed, THEN the row names the limit."""
    skills = ";".join(f"s{i}" for i in range(MAX_SKILLS + 1))
    parsed = parse_responders(
        f"responder_id,kind,name,email,skills\nana,advocate,Ana,ana@example.com,{skills}\n"
    )
    [error] = parsed.errors
    assert error.problems == (f"skills: at most {MAX_SKILLS} values, not {MAX_SKILLS + 1}",)


def test_profile_lists_are_bounded_in_the_domain_models() -> None:
    """GIVEN a profile update with 5,000 skills, WHEN validated, THEN it is refused (a 400 at
    the edge) instead of reaching DynamoDB."""
    with pytest.raises(ValidationError, match=f"at most {MAX_SKILLS} items"):
        ProfileUpdate.model_validate({"skills": [f"s{i}" for i in range(5000)]})
    assert len(ProfileUpdate.model_validate({"skills": ["a"] * MAX_SKILLS}).skills or ()) == 50
