"""Responders from a CSV file: every good row becomes a Responder, every bad row an error.

A bad row never blocks the good ones. The report names each bad row by its line number in the
file (the header is line 1), its responder_id when it has one, and each problem in plain words.
List columns (languages, skills, handles) take values separated by ``;`` or spaces.

Columns: responder_id, kind, name, email (required); phone, sms_opt_in, languages, skills,
handles, timezone, quiet_start, quiet_end, max_open, active (optional).

Any line ending is read (LF, CRLF, CR alone). Bounds, each reported in words and never as a
server error: at most MAX_FILE_CHARS characters and MAX_ROWS rows per file (the file is
refused), at most MAX_CELL_CHARS characters per cell and MAX_SKILLS / MAX_LANGUAGES /
MAX_HANDLES items per list (the row is refused).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from crowdcare.domain.models import (
    MAX_HANDLES,
    MAX_LANGUAGES,
    MAX_SKILLS,
    Frozen,
    Responder,
)

REQUIRED_COLUMNS = ("responder_id", "kind", "name", "email")
OPTIONAL_COLUMNS = (
    "phone",
    "sms_opt_in",
    "languages",
    "skills",
    "handles",
    "timezone",
    "quiet_start",
    "quiet_end",
    "max_open",
    "active",
)
MAX_ROWS = 5_000
MAX_FILE_CHARS = 5 * 1024 * 1024
MAX_CELL_CHARS = 2_000
_LIST_LIMITS = {"languages": MAX_LANGUAGES, "skills": MAX_SKILLS, "handles": MAX_HANDLES}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}
_LIST_SPLIT = re.compile(r"[;\s]+")


class RowError(Frozen):
    """Why one row was not imported."""

    line: int
    responder_id: str = ""
    problems: tuple[str, ...]


class CsvImport(Frozen):
    """The parsed file: responders to store and the rows that were rejected."""

    responders: tuple[Responder, ...]
    errors: tuple[RowError, ...]


class CsvFileError(ValueError):
    """The file as a whole cannot be read (no header, missing columns, too many rows)."""


def _flag(value: str, column: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{column} must be yes or no, not {value!r}")


def _words(value: str) -> tuple[str, ...]:
    return tuple(w for w in _LIST_SPLIT.split(value.strip()) if w)


# Pattern checks read as regexes; people get these words instead.
_PATTERN_WORDS = {
    "email": "is not an email address",
    "phone": "must be an international number, e.g. +4915112345678",
    "responder_id": "may hold only letters, digits, '.', '_' and '-'",
    "languages": "must be a two- or three-letter language code, e.g. en",
}


def plain_message(detail: Mapping[str, Any]) -> str:
    """A validation problem in words a person understands (pydantic's, except for patterns)."""
    if detail.get("type") == "string_pattern_mismatch":
        for part in detail.get("loc", ()):
            if str(part) in _PATTERN_WORDS:
                return _PATTERN_WORDS[str(part)]
    return str(detail["msg"])


def _describe(error: ValidationError) -> list[str]:
    problems = []
    for detail in error.errors():
        field = ".".join(str(part) for part in detail["loc"]) or "row"
        problems.append(f"{field}: {plain_message(detail)}")
    return problems


def _list_values(row: dict[str, str], values: dict[str, Any], problems: list[str]) -> None:
    """The list columns, each within its documented bound."""
    for column, limit in _LIST_LIMITS.items():
        if words := _words(row.get(column) or ""):
            if len(words) > limit:
                problems.append(f"{column}: at most {limit} values, not {len(words)}")
                continue
            values[column] = tuple(w.lower() for w in words) if column != "handles" else words


def _row_values(row: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Turn one CSV row into Responder fields; problems found on the way are returned."""
    problems: list[str] = []
    values: dict[str, Any] = {
        "responder_id": row["responder_id"].strip(),
        "kind": row["kind"].strip().lower(),
        "name": row["name"].strip(),
        "email": row["email"].strip(),
    }
    if phone := (row.get("phone") or "").strip():
        values["phone"] = phone
    _list_values(row, values, problems)
    for column in ("sms_opt_in", "active"):
        raw = row.get(column)
        if raw is not None and raw.strip():
            try:
                values[column] = _flag(raw, column)
            except ValueError as error:
                problems.append(str(error))
    if timezone := (row.get("timezone") or "").strip():
        try:
            ZoneInfo(timezone)
            values["timezone"] = timezone
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"timezone: unknown time zone {timezone!r}")
    quiet = {}
    for column, field in (("quiet_start", "start_hour"), ("quiet_end", "end_hour")):
        if raw := (row.get(column) or "").strip():
            quiet[field] = raw
    if quiet:
        values["quiet_hours"] = quiet
    if raw := (row.get("max_open") or "").strip():
        values["max_open"] = raw
    return values, problems


def parse_responders(text: str) -> CsvImport:
    """Parse a whole CSV document; raises CsvFileError only when no row can be read."""
    reader = _reader(text)
    responders: list[Responder] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(_rows(reader, errors)):
        if index >= MAX_ROWS:
            raise CsvFileError(f"the file has more than {MAX_ROWS} rows: split it")
        line = reader.line_num
        if None in row:  # more cells than header columns
            errors.append(RowError(line=line, problems=("the row has more cells than the header",)))
            continue
        clean = {k: (v or "") for k, v in row.items()}
        if not any(v.strip() for v in clean.values()):
            continue  # a blank line is not an error
        responder, error = _parse_row(clean, line, seen)
        if error is not None:
            errors.append(error)
            continue
        assert responder is not None
        seen[responder.responder_id] = line
        responders.append(responder)
    return CsvImport(responders=tuple(responders), errors=tuple(errors))


def _reader(text: str) -> csv.DictReader[str]:
    """A reader over `text` whose header is checked; raises CsvFileError for a bad file."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CsvFileError("the file is empty: expected a header line naming the columns")
    if len(text) > MAX_FILE_CHARS:
        raise CsvFileError(f"the file has more than {MAX_FILE_CHARS:,} characters: split it")
    # newline="" lets the csv module see every line ending (CR alone included) itself.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        raise CsvFileError(f"the header line cannot be read: {error}") from None
    header = [h.strip().lower() for h in (fieldnames or [])]
    if not header:
        raise CsvFileError("the file is empty: expected a header line naming the columns")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CsvFileError(f"the header is missing required columns: {', '.join(missing)}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise CsvFileError(f"the header has unknown columns: {', '.join(unknown)}")
    reader.fieldnames = header
    return reader


def _parse_row(
    clean: dict[str, str], line: int, seen: Mapping[str, int]
) -> tuple[Responder | None, RowError | None]:
    """One non-blank row as a Responder, or the row's error."""
    long = [k for k, v in clean.items() if len(v) > MAX_CELL_CHARS]
    if long:
        problems = tuple(f"{k}: longer than {MAX_CELL_CHARS} characters" for k in long)
        rid = clean["responder_id"].strip()[:64]
        return None, RowError(line=line, responder_id=rid, problems=problems)
    values, found = _row_values(clean)
    rid = values["responder_id"]
    if rid and rid in seen:
        found.append(f"responder_id {rid!r} already appears on line {seen[rid]}")
    try:
        responder = Responder.model_validate(values)
    except ValidationError as error:
        found.extend(_describe(error))
        responder = None
    if found or responder is None:
        return None, RowError(line=line, responder_id=rid, problems=tuple(found))
    return responder, None


def _rows(reader: csv.DictReader[str], errors: list[RowError]) -> Iterator[dict[str, str]]:
    """The reader's rows; a row the csv module cannot read (a cell past its 131,072-character
    limit, a stray quote) becomes a row error and reading goes on with the next line."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(RowError(line=reader.line_num, problems=(f"unreadable row: {error}",)))
            if len(errors) > MAX_ROWS:
                raise CsvFileError(f"more than {MAX_ROWS} unreadable rows") from None
            continue
        yield row
