"""Saved replies: answers a brand gives often, per language, with placeholders ({author},
{name}) the composer fills in; admins edit them, every responder inserts them.

The list is one JSON document (an SSM parameter in a deployment, read through the same
document store as the routing rules); it is validated before it is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from crowdcare.domain.errors import RequestError
from crowdcare.domain.models import Frozen
from crowdcare.ports import RulesStore

PLACEHOLDERS = ("{author}", "{name}")


class SavedReply(Frozen):
    """One saved reply: `language` "" fits every language, `brand` "" every brand."""

    title: Annotated[str, Field(min_length=1, max_length=80)]
    text: Annotated[str, Field(min_length=1, max_length=2_000)]
    language: Annotated[str, Field(max_length=8)] = ""
    brand: Annotated[str, Field(max_length=40)] = ""


_LIST = TypeAdapter(list[SavedReply])


@dataclass
class SavedReplies:
    """Reads and replaces the saved replies document."""

    store: RulesStore

    def offered(self, language: str = "") -> list[dict[str, Any]]:
        """The saved replies, those for `language` (and for every language) when given."""
        raw = self.store.read() or "[]"
        try:
            replies = _LIST.validate_json(raw)
        except ValidationError:
            return []  # a hand-edited parameter that no longer parses offers nothing
        return [
            r.model_dump()
            for r in replies
            if not language or r.language in ("", language)
        ]

    def replace(self, document: str) -> list[dict[str, Any]]:
        """Validate and store the whole list (admins); a bad document changes nothing."""
        try:
            replies = _LIST.validate_json(document)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RequestError(f"saved reply {where}: {first['msg']}") from error
        self.store.write(json.dumps([r.model_dump() for r in replies], ensure_ascii=False))
        return [r.model_dump() for r in replies]
