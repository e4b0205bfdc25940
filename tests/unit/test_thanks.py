"""crowdcare.rules.thanks: thanks found as whole words in the languages triage knows, and the
author's own like or thankful answer picked out of a reply's reactions."""

from __future__ import annotations

import pytest
from crowdcare.domain.replies import Reaction, ReactionKind
from crowdcare.rules.thanks import author_thanks, says_thanks


@pytest.mark.parametrize(
    "text",
    [
        "Thanks!",
        "thank you so much, it works",
        "thx",
        "ty :)",
        "Cheers mate",
        "I really appreciate it",
        "Muchas gracias",
        "Merci beaucoup",
        "Vielen Dank!",
        "Dziękuję bardzo",
        "Teşekkürler",
        "Спасибо!",
        "شكرا جزيلا",
        "धन्यवाद",
        "ありがとうございます",
        "谢谢你",
        "감사합니다",
        "Mange tak!",
    ],
)
def test_thanks_in_each_language_is_found(text: str) -> None:
    """GIVEN an answer that thanks, in any supported language THEN it says thanks."""
    assert says_thanks(text)


@pytest.mark.parametrize(
    "text",
    ["still broken", "pretty bad service", "a theory", "Tak, nadal nie działa", "", "thanksgiving"],
)
def test_words_that_merely_contain_thanks_are_not_thanks(text: str) -> None:
    """GIVEN text without a whole thanks word (ty in "pretty", Polish "tak" = yes) THEN no."""
    assert not says_thanks(text)


def test_only_the_authors_like_or_thankful_answer_counts() -> None:
    """GIVEN reactions from others and the author's own WHEN looked for THEN the author's like
    wins over their answer; a stranger's thanks or the author's complaint are not thanks."""
    stranger = Reaction(kind=ReactionKind.REPLY, author_id="u9", text="thanks")
    complaint = Reaction(kind=ReactionKind.REPLY, author_id="u1", text="still broken")
    thanks = Reaction(kind=ReactionKind.REPLY, handle="@Dana", text="gracias!")
    like = Reaction(kind=ReactionKind.LIKE, author_id="u1")
    assert author_thanks([stranger, complaint], "u1", "@dana") is None
    assert author_thanks([stranger, complaint, thanks], "u1", "@dana") == thanks
    assert author_thanks([thanks, like], "u1", "@dana") == like
    assert author_thanks([Reaction(kind=ReactionKind.LIKE)], "u1", "@dana") is None
