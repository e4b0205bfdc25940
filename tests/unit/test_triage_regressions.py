"""Real-looking posts through the whole engine with the shipped model: the issue's examples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crowdcare.domain.models import Author, Mention, Platform, Responder, ResponderKind
from crowdcare.rules.triage import (
    EmbeddedModelProvider,
    Intent,
    RouteKind,
    SentimentLabel,
    Triage,
    TriageEngine,
    TriageRules,
    analyze,
)

RULES = TriageRules.default()
ENGINE_PROVIDER = EmbeddedModelProvider(RULES)
ENGINE = TriageEngine(ENGINE_PROVIDER, RULES)
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TEAM = (
    Responder(responder_id="ann", kind=ResponderKind.ADVOCATE, name="Ann",
              email="ann@example.com", languages=("en", "es", "fr", "de")),
    Responder(responder_id="emma", kind=ResponderKind.EMPLOYEE, name="Emma",
              email="emma@example.com"),
)


def triage(text: str, lang: str | None = None) -> Triage:
    mention = Mention(
        platform=Platform.X, post_id="p1", author=Author(id="a1", handle="customer"),
        text=text, lang_hint=lang, created_at=NOW,
    )
    return ENGINE.triage(mention, TEAM, NOW)


@pytest.mark.parametrize(
    "text",
    [
        "@brand fix your fucking app, it logged me out AGAIN",
        "this is the shittiest router I have ever owned, you idiots",
        "@BrightwaveSupport you are useless morons, answer me",
        "Vuestro puto router no funciona, sois unos inútiles de mierda",
    ],
)
def test_profanity_and_abuse_never_reach_a_volunteer(text: str) -> None:
    """GIVEN an abusive post WHEN triaged THEN it is offensive and goes to an employee."""
    result = triage(text)
    assert result.analysis.offensive
    assert result.decision.route is RouteKind.EMPLOYEE
    assert "ann" not in result.decision.candidates


def test_broken_thermostat_is_a_complaint_with_priority() -> None:
    """The README's example reads as a complaint, not positive, above P4, for a human.

    The sentiment model reads it as mixed (VADER's lexicon scores "help" +1.7): the failure
    marker "stopped" with a not-positive tone makes it a complaint.
    """
    result = triage("My Brightwave Thermo stopped heating, help!")
    assert result.analysis.intent is Intent.COMPLAINT
    assert result.analysis.sentiment.label is not SentimentLabel.POSITIVE
    assert result.analysis.needs_reply
    assert result.priority.band != "P4"
    assert result.decision.route is not RouteKind.NONE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Intento comprar por play store y me rechaza las compras", None),
        ("Mi termostato no funciona desde ayer, alguien me ayuda?", "es"),
        ("Mon thermostat ne chauffe plus depuis hier", None),
        ("Mein Router verliert ständig die Verbindung", None),
        ("Minun termostaatti ei toimi", None),  # Finnish: no model was trained on it
    ],
)
def test_non_english_problems_are_never_dropped(text: str, lang: str | None) -> None:
    """A problem in another language reaches a human."""
    result = triage(text, lang)
    assert result.analysis.needs_reply
    assert result.decision.route is not RouteKind.NONE


def test_night_time_help_question_is_answered() -> None:
    """'are all the lines closed for tonight #help' needs an answer."""
    result = triage("hello are all the lines closed for tonight #help")
    assert result.analysis.intent is Intent.QUESTION
    assert result.analysis.needs_reply
    assert result.decision.route is not RouteKind.NONE


@pytest.mark.parametrize(
    "text",
    [
        "can I just say that was one of the best customer service experiences",
        "Love my new Brightwave Thermo, the house has never been so cosy. Thank you!",
    ],
)
def test_praise_is_not_a_question(text: str) -> None:
    """Question-shaped praise is praise: no reply needed (a thank-you is optional)."""
    result = triage(text)
    assert result.analysis.intent is Intent.PRAISE
    assert result.decision.route is RouteKind.NONE
    assert "thank-you" in result.decision.reasons[0]


def test_sarcasm_is_not_taken_as_praise() -> None:
    """'Great, it broke again' is a complaint, not a thank-you."""
    result = triage("Oh great, my Brightwave Mesh dropped the connection again. Fantastic job.")
    assert result.analysis.intent is not Intent.PRAISE
    assert result.decision.route is not RouteKind.NONE


@pytest.mark.parametrize(
    "text",
    ["   \n\t ", "🔥🔥🔥😡", "x" * 40_000, "Мой роутер не работает 我的路由器 ok?", "ᚠᚢᚦ"],
)
def test_bad_input_gets_a_decision_with_reasons(text: str) -> None:
    """Blank, emoji-only, huge, mixed-script and unknown-script text: a decision."""
    result = triage(text)
    assert result.decision.reasons


def test_empty_text_is_analysed_too() -> None:
    """analyze accepts "" (a Mention cannot be empty, but the step never assumes it)."""
    analysis = analyze("", None, ENGINE_PROVIDER, RULES)
    assert "no text to judge" in analysis.unsure
    assert analysis.needs_reply


def test_blank_post_is_seen_by_a_human() -> None:
    """A post with no words cannot be judged, so it is not dropped."""
    result = triage("   ")
    assert "no text to judge" in result.analysis.unsure
    assert result.decision.route is not RouteKind.NONE
