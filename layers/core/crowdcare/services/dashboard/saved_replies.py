"""Saved replies: answers a brand gives often, per language, with placeholders ({author},
{name}) the composer fills in; admins create, edit and delete them, every responder inserts
them.

The list is one JSON document (an SSM parameter in a deployment, read through the same
document store as the routing rules). Every change is validated before it is stored: a
bad draft (an unknown placeholder, a duplicate title for the same brand and language) is
refused with the field at fault and changes nothing. Admin edits are rare and made by hand,
so the read-modify-write of the document is not guarded against two admins saving at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from crowdcare.domain.dashboard import SavedReplyDraft
from crowdcare.domain.errors import ConflictError, NotFoundError
from crowdcare.ports import RulesStore


class SavedReply(SavedReplyDraft):
    """One stored saved reply: a draft with its id ("1", "2", … in order of creation)."""

    id: Annotated[str, Field(pattern=r"^[0-9]{1,9}$")]


class _StoredReply(SavedReplyDraft):
    """A document item as stored before replies had ids (the id is its position then)."""

    id: str | None = None


_DOCUMENT = TypeAdapter(list[_StoredReply])


@dataclass
class SavedReplies:
    """Reads the saved replies and changes them one at a time."""

    store: RulesStore
    # The deployment's brand: replies for another brand are not offered to its responders.
    brand: str = ""

    def offered(self, language: str = "") -> list[dict[str, Any]]:
        """The saved replies for this brand (and every brand), for `language` (and for every
        language) when given."""
        return [
            r.model_dump()
            for r in self._read()
            if (not language or r.language in ("", language))
            and (not self.brand or r.brand in ("", self.brand))
        ]

    def all(self) -> list[dict[str, Any]]:
        """Every saved reply, of every brand and language (admins)."""
        return [r.model_dump() for r in self._read()]

    def create(self, draft: SavedReplyDraft) -> dict[str, Any]:
        """Add a saved reply; `ConflictError` when its title is taken for its brand and
        language."""
        replies = self._read()
        self._unique(replies, draft, None)
        next_id = 1 + max((int(r.id) for r in replies), default=0)
        created = SavedReply(id=str(next_id), **draft.model_dump())
        self._write([*replies, created])
        return created.model_dump()

    def update(self, reply_id: str, draft: SavedReplyDraft) -> dict[str, Any]:
        """Replace one saved reply's title, text, language and brand."""
        replies = self._read()
        self._find(replies, reply_id)
        self._unique(replies, draft, reply_id)
        updated = SavedReply(id=reply_id, **draft.model_dump())
        self._write([updated if r.id == reply_id else r for r in replies])
        return updated.model_dump()

    def delete(self, reply_id: str) -> None:
        """Remove one saved reply (`NotFoundError` when there is none by that id)."""
        replies = self._read()
        self._find(replies, reply_id)
        self._write([r for r in replies if r.id != reply_id])

    def _read(self) -> list[SavedReply]:
        try:
            stored = _DOCUMENT.validate_json(self.store.read() or "[]")
        except ValidationError:
            return []  # a hand-edited parameter that no longer parses offers nothing
        return [
            SavedReply(id=r.id or str(n), **r.model_dump(exclude={"id"}))
            for n, r in enumerate(stored, start=1)
        ]

    def _write(self, replies: list[SavedReply]) -> None:
        self.store.write(json.dumps([r.model_dump() for r in replies], ensure_ascii=False))

    @staticmethod
    def _find(replies: list[SavedReply], reply_id: str) -> SavedReply:
        found = next((r for r in replies if r.id == reply_id), None)
        if found is None:
            raise NotFoundError("there is no such saved reply")
        return found

    @staticmethod
    def _unique(replies: list[SavedReply], draft: SavedReplyDraft, own_id: str | None) -> None:
        key = (draft.brand.casefold(), draft.language, draft.title.strip().casefold())
        for r in replies:
            if r.id != own_id and (r.brand.casefold(), r.language, r.title.casefold()) == key:
                raise ConflictError(
                    f"a saved reply titled {draft.title!r} exists for this brand and language"
                )
