"""How the inbound edge says what is wrong with a payload: where and what, never the input."""

from __future__ import annotations

from typing import TypedDict

from pydantic import ValidationError


class ErrorDetail(TypedDict):
    """One validation problem: a dotted location ("author.handle") and a message."""

    loc: str
    msg: str


class InvalidPayloadError(ValueError):
    """A webhook body is not JSON, or not the shape the platform documents."""

    def __init__(self, details: list[ErrorDetail]) -> None:
        super().__init__("; ".join(f"{d['loc']}: {d['msg']}" for d in details))
        self.details = details


def error_details(exc: ValidationError) -> list[ErrorDetail]:
    """Pydantic errors as `ErrorDetail`s: location and message only, never the input value."""
    return [
        ErrorDetail(loc=".".join(str(part) for part in err["loc"]) or "body", msg=err["msg"])
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
