"""The analyze step: intent, topics, key phrases and the risk flags (pii, legal, spam, angry)."""

from __future__ import annotations

import pytest
from crowdcare.domain.triage import Analysis
from crowdcare.rules.triage import EmbeddedSentimentProvider, Intent, TriageRules, analyze

RULES = TriageRules.default()
PROVIDER = EmbeddedSentimentProvider(RULES)


def run(text: str, hint: str | None = "en") -> Analysis:
    return analyze(text, hint, PROVIDER, RULES)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("My Brightwave Thermo stopped working and the house is cold", Intent.COMPLAINT),
        ("Still waiting for my refund, it has been three weeks", Intent.COMPLAINT),
        ("Why does the Brightwave app keep logging me out?", Intent.COMPLAINT),
        ("How do I add a second Brightwave Mesh node?", Intent.QUESTION),
        ("Does the Thermo work with a heat pump", Intent.QUESTION),
        ("Thank you Brightwave, the new Mesh is fantastic!", Intent.PRAISE),
        ("Just installed a Brightwave Thermo in the hallway.", Intent.OTHER),
        ("Mi termostato no funciona desde ayer", Intent.COMPLAINT),
    ],
)
def test_intent(text: str, intent: Intent) -> None:
    """Failures are complaints, asks are questions, thanks are praise, the rest is other."""
    # GIVEN a typical post WHEN analyzing THEN its intent is recognised
    assert run(text, None).intent is intent


def test_polite_complaint_is_still_a_complaint() -> None:
    """Politeness does not hide a failure: 'please help, thanks' with 'not working'."""
    # GIVEN a courteous post about a failure
    analysis = run("Hi, my mesh router is not working, could you please help? Thanks")
    # WHEN analyzed THEN complaint
    assert analysis.intent is Intent.COMPLAINT


def test_topics_come_from_rules_keywords() -> None:
    """Topic tags are those whose keywords occur; configured tags replace the defaults."""
    # GIVEN a post about billing and the app
    text = "I was charged twice for Brightwave Plus and the app shows nothing"
    # WHEN analyzed with default rules THEN both tags appear, in rules order
    assert run(text).topics == ("app", "billing")
    # AND WHEN the rules define only a custom tag THEN only it can appear
    custom = TriageRules.model_validate({"topic_keywords": {"payments": ["charged"]}})
    assert analyze(text, "en", PROVIDER, custom).topics == ("payments",)


def test_handles_and_urls_do_not_create_topics() -> None:
    """An @handle or a link path containing a keyword is not a topic."""
    # GIVEN a handle and URL mentioning 'router' and 'app'
    analysis = run("@RouterFan look https://brightwave.example/app/router nice")
    # WHEN analyzed THEN no topics
    assert analysis.topics == ()


@pytest.mark.parametrize(
    "text",
    [
        "email me at jane.doe@example.com",
        "call me on +44 7700 900123",
        "my number is (415) 555-0134",
        "card 4111 1111 1111 1111 was charged",
    ],
)
def test_pii_detected(text: str) -> None:
    """Emails, phone numbers and card numbers are personal data."""
    # GIVEN a post sharing personal data WHEN analyzed THEN pii is flagged
    assert run(text).pii


@pytest.mark.parametrize(
    "text",
    [
        "order #4111111111111111 never arrived",
        "My order number is 123-456-7890 and it is late",
        "ticket 20240611 still open",
        "the Thermo model 2024 is great",
        "Brightwave Thermo is great",
    ],
)
def test_order_numbers_are_not_pii(text: str) -> None:
    """Order, ticket and model numbers are what support needs: not personal data."""
    # GIVEN a post with a reference number WHEN analyzed THEN no pii
    assert not run(text).pii


def test_email_never_becomes_a_key_phrase() -> None:
    """Key phrases leave out email addresses."""
    # GIVEN a post with an email WHEN analyzed THEN no phrase contains its parts
    phrases = run("Please reset the account for jane.doe@example.com soon").key_phrases
    assert phrases
    assert not any("jane" in phrase or "example" in phrase for phrase in phrases)


def test_key_phrases_are_content_words() -> None:
    """Key phrases are runs of non-stop words, longest first, at most five."""
    # GIVEN a post WHEN analyzed
    text = "The Brightwave Mesh satellite keeps dropping the connection at night"
    phrases = run(text).key_phrases
    # THEN the longest content run comes first and stop words are gone
    assert phrases[0] == "brightwave mesh satellite keeps"
    assert "the" not in phrases
    assert len(phrases) <= 5


@pytest.mark.parametrize(
    ("text", "legal"),
    [
        ("I'm talking to my lawyer about this", True),
        ("Filing a chargeback with my bank", True),
        ("This is a GDPR subject access request", True),
        ("There is an issue with my thermostat", False),
    ],
)
def test_legal(text: str, legal: bool) -> None:
    """Legal words flag a post; ordinary words that contain them do not."""
    # GIVEN a post WHEN analyzed THEN legal matches the presence of a legal word
    assert run(text).legal is legal


@pytest.mark.parametrize(
    ("text", "spam"),
    [
        ("Follow for follow! f4f", True),
        ("Huge crypto giveaway, claim now https://x.example/win", True),
        ("Use promo code SAVE50 https://deals.example", True),
        ("My thermostat broke, photo: https://img.example/1.jpg", False),
        ("Is there a discount for students?", False),
    ],
)
def test_spam(text: str, spam: bool) -> None:
    """Strong spam markers, or a link plus promotion, are spam; a customer's link is not."""
    # GIVEN a post WHEN analyzed THEN spam matches the spam signals
    assert run(text).spam is spam


@pytest.mark.parametrize(
    ("text", "angry"),
    [
        ("This is the WORST thermostat ever, absolutely useless, I hate it", True),
        ("Terrible, awful service!! Never buying again", True),
        ("My HEATING IS BROKEN AND NOBODY ANSWERS, horrible", True),
        ("The app is a bit slow today", False),
        ("I hate Mondays but love my Brightwave Thermo", False),
    ],
)
def test_angry(text: str, angry: bool) -> None:
    """Angry needs strongly negative sentiment plus an anger word, shouting or '!!'."""
    # GIVEN a post WHEN analyzed THEN angry matches
    assert run(text).angry is angry


def test_urgency_words_are_recorded() -> None:
    """Urgency keywords found in the text are kept for prioritize's reasons."""
    # GIVEN an urgent post and a calm one WHEN analyzed THEN only the urgent one has words
    assert run("Total outage, no heat since this morning").urgency == ("outage", "no heat")
    assert run("Nice app").urgency == ()
