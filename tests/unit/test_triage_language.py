"""Language detection: py3langid on cleaned text, with the platform's hint where it is wiser."""

from __future__ import annotations

import pytest
from crowdcare.rules.triage import detect_language
from crowdcare.rules.triage.language import normalise_hint, strip_noise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My thermostat stopped heating the house this morning, can someone help me?", "en"),
        ("Hola, mi termostato no enciende desde ayer y nadie me responde", "es"),
        ("Bonjour, mon routeur ne fonctionne plus depuis la mise à jour d'hier soir", "fr"),
        ("Mein Thermostat funktioniert seit dem letzten Update überhaupt nicht mehr", "de"),
        ("Olá, meu termostato não liga desde ontem e ninguém me responde", "pt"),
        ("Il mio termostato non si accende più da ieri sera, qualcuno può aiutarmi?", "it"),
    ],
)
def test_detects_common_languages(text: str, expected: str) -> None:
    """Sentence-length posts in the supported languages are identified."""
    # GIVEN a post without a hint WHEN detecting THEN its language is found
    assert detect_language(text, None) == expected


def test_hint_wins_for_very_short_text() -> None:
    """A valid platform hint decides for a post too short to classify."""
    # GIVEN a two-word post tagged Spanish by the platform
    # WHEN detecting
    # THEN the hint is used
    assert detect_language("ok gracias", "es") == "es"


def test_detection_overrides_hint_when_it_is_sure() -> None:
    """A long post clearly in another language beats a wrong hint."""
    # GIVEN a long German post mis-tagged as English
    text = "Mein Thermostat funktioniert seit dem letzten Update überhaupt nicht mehr, bitte helfen"
    # WHEN detecting THEN German wins
    assert detect_language(text, "en") == "de"


def test_invalid_hint_is_ignored() -> None:
    """A hint that is not a supported language code does not decide anything."""
    # GIVEN a short English post with a junk hint
    # WHEN detecting THEN the default language is not replaced by the junk
    assert detect_language("hello", "und") not in {"und", ""}
    assert normalise_hint("und") is None


def test_hint_region_is_reduced_to_the_language() -> None:
    """Regional tags such as pt-BR become their ISO 639-1 language."""
    # GIVEN regional hints WHEN normalising THEN only the language remains
    assert normalise_hint("pt-BR") == "pt"
    assert normalise_hint("EN_gb") == "en"


def test_urls_handles_and_tags_are_not_evidence() -> None:
    """URLs, @handles and #tags are stripped before detection."""
    # GIVEN a post full of handles and links
    text = "@BrightwaveHelp #BrightwaveMesh https://brightwave.example/de/hilfe"
    # WHEN cleaning THEN nothing is left, and detection falls back to the hint
    assert strip_noise(text) == ""
    assert detect_language(text, "fr") == "fr"


def test_empty_text_without_hint_is_english() -> None:
    """Text with no letters and no hint gets the default language."""
    # GIVEN only digits and emoji WHEN detecting THEN the default is used
    assert detect_language("123 😀", None) == "en"


def test_compact_tables_answer_exactly_as_py3langid_does() -> None:
    """The flat-buffer automaton gives py3langid's own answer, confidence included, on
    every kind of text: every script we support, emoji, mixed, markup, junk bytes."""
    import random

    from crowdcare.rules.triage.language import SUPPORTED_LANGUAGES, _model
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # GIVEN py3langid as shipped, restricted like ours, and our compacted model
    pristine = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    pristine.set_languages(list(SUPPORTED_LANGUAGES))
    compact = _model()
    assert isinstance(compact.tk_nextmove, memoryview)  # the compaction really ran
    alphabet = (
        "abcdefghijklmnopqrstuvwxyz ABCXYZ áéíóúñçüößàèìòùâêîôûëïÿæøåşğıżźćńłęąčšžřů"
        "!?.,'\"-—日本語の中文字한국어русскийالعربيةहिन्दी🙂🔥👍🏽 0123456789\n\t"
    )
    rng = random.Random(7)  # noqa: S311 - test data
    texts = [
        "",
        "🙂🔥",
        "THIS IS ALL CAPS AND ANGRY",
        "My thermostat stopped heating the house this morning, can someone help me?",
        "Mein Thermostat funktioniert seit dem letzten Update überhaupt nicht mehr",
        "私の注文はまだ届いていません。助けてください。",
        "Мой заказ до сих пор не пришёл, помогите пожалуйста",
        "طلبي لم يصل بعد، أرجو المساعدة",
        *("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 280))) for _ in range(400)),
    ]
    # WHEN both classify THEN they agree exactly, bytes input included
    for text in texts:
        assert compact.classify(text) == pristine.classify(text), text
        raw = text.encode("utf-8")
        assert compact.classify(raw) == pristine.classify(raw), text
