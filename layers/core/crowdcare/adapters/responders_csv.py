"""Responders from a CSV file: every good row becomes a Responder, every bad row an error.

A bad row never blocks the good ones. The report names each bad row by its line number in the
file (the header is line 1), its responder_id when it has one, and each problem in plain words.
List columns (languages, skills, handles) take values separated by ``;`` or spaces.

Columns: responder_id, kind, name, email (required); phone, sms_opt_in, languages, skills,
handles, timezone, quiet_start, quiet_end, max_open, active (optional).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from crowdcare.domain.models import Frozen, Responder

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
    for column in ("languages", "skills", "handles"):
        if words := _words(row.get(column) or ""):
            values[column] = tuple(w.lower() for w in words) if column != "handles" else words
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
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CsvFileError("the file is empty: expected a header line naming the columns")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise CsvFileError("the file is empty: expected a header line naming the columns")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CsvFileError(f"the header is missing required columns: {', '.join(missing)}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise CsvFileError(f"the header has unknown columns: {', '.join(unknown)}")
    reader.fieldnames = header
    responders: list[Responder] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(reader):
        if index >= MAX_ROWS:
            raise CsvFileError(f"the file has more than {MAX_ROWS} rows: split it")
        line = reader.line_num
        if None in row:  # more cells than header columns
            errors.append(RowError(line=line, problems=("the row has more cells than the header",)))
            continue
        clean = {k: (v or "") for k, v in row.items()}
        if not any(v.strip() for v in clean.values()):
            continue  # a blank line is not an error
        values, problems = _row_values(clean)
        rid = values["responder_id"]
        if rid and rid in seen:
            problems.append(f"responder_id {rid!r} already appears on line {seen[rid]}")
        try:
            responder = Responder.model_validate(values)
        except ValidationError as error:
            problems.extend(_describe(error))
            responder = None
        if problems or responder is None:
            errors.append(RowError(line=line, responder_id=rid, problems=tuple(problems)))
            continue
        seen[rid] = line
        responders.append(responder)
    return CsvImport(responders=tuple(responders), errors=tuple(errors))
