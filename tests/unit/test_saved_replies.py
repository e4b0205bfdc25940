"""Saved replies on the in-memory document store: ids, brands, languages and validation."""

from __future__ import annotations

import json
import re

import pytest
from crowdcare.domain.dashboard import SavedReplyDraft
from crowdcare.domain.errors import ConflictError, NotFoundError
from crowdcare.services.dashboard.saved_replies import SavedReplies
from crowdcare.testing.replies import InMemoryRulesStore
from pydantic import ValidationError


def _draft(title: str, **fields: str) -> SavedReplyDraft:
    return SavedReplyDraft.model_validate({"title": title, "text": "Hi {author}"} | fields)


def test_replies_of_another_brand_or_language_are_not_offered() -> None:
    """GIVEN replies for two brands, every brand, and two languages WHEN Brightwave's composer
    asks for English THEN only Brightwave's and every brand's, in English or every language."""
    saved = SavedReplies(InMemoryRulesStore("[]"), brand="Brightwave")
    saved.create(_draft("ours", brand="Brightwave", language="en"))
    saved.create(_draft("theirs", brand="Otherco", language="en"))
    saved.create(_draft("anyone"))
    saved.create(_draft("spanish", language="es"))

    assert [r["title"] for r in saved.offered("en")] == ["ours", "anyone"]
    assert len(saved.all()) == 4


def test_ids_follow_creation_and_survive_deletes() -> None:
    """GIVEN three replies WHEN the second is deleted and one more created THEN the new one
    gets a fresh id (never the deleted one's), and edits keep ids."""
    saved = SavedReplies(InMemoryRulesStore("[]"))
    ids = [saved.create(_draft(t))["id"] for t in ("a", "b", "c")]
    saved.delete(ids[1])
    assert saved.create(_draft("d"))["id"] == "4"
    assert saved.update("1", _draft("a2"))["id"] == "1"
    assert [r["title"] for r in saved.all()] == ["a2", "c", "d"]
    with pytest.raises(NotFoundError):
        saved.update("2", _draft("b"))


def test_a_document_stored_before_ids_reads_with_positions_as_ids() -> None:
    """GIVEN a document written before replies had ids WHEN read THEN each gets its position,
    and a new reply continues after them."""
    store = InMemoryRulesStore(
        json.dumps([{"title": "a", "text": "x"}, {"title": "b", "text": "y"}])
    )
    saved = SavedReplies(store)
    assert [r["id"] for r in saved.all()] == ["1", "2"]
    assert saved.create(_draft("c"))["id"] == "3"


def test_a_duplicate_title_for_the_same_brand_and_language_is_refused() -> None:
    """GIVEN "Thanks" in English WHEN another "thanks " in English is created THEN it is
    refused and nothing changes; in Spanish it is fine."""
    saved = SavedReplies(InMemoryRulesStore("[]"))
    saved.create(_draft("Thanks", language="en"))
    with pytest.raises(ConflictError):
        saved.create(_draft("thanks ", language="en"))
    saved.create(_draft("Thanks", language="es"))
    assert len(saved.all()) == 2


@pytest.mark.parametrize("text", ["Hi {user}", "Hi {author", "{}", "a } b"])
def test_text_with_anything_but_the_known_placeholders_is_refused(text: str) -> None:
    """A brace that is not {author} or {name} would reach the customer as typed: refused."""
    with pytest.raises(
        ValidationError, match=re.escape("is not a placeholder; use {author} or {name}")
    ):
        _draft("t", text=text)
