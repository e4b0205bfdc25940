"""Triage rules are a configuration document: defaults, loading, and validation."""

from __future__ import annotations

import json

import pytest
from crowdcare.rules.triage import TriageRules
from pydantic import ValidationError


def test_defaults_round_trip_through_json() -> None:
    """The default rules serialise to JSON and load back equal (what SSM stores)."""
    # GIVEN the default rules, already used once (their regexes compiled and cached)
    rules = TriageRules.default()
    assert rules.compiled is not None
    # WHEN they are dumped and loaded again
    loaded = TriageRules.model_validate_json(rules.model_dump_json())
    # THEN nothing is lost
    assert loaded == rules
    assert "security" in loaded.employee_only_topics


def test_partial_document_overrides_only_what_it_names() -> None:
    """A document with a few keys keeps the defaults for everything else."""
    # GIVEN a document changing the employee threshold and one topic list
    document = json.dumps(
        {"employee_priority": 90, "topic_keywords": {"Thermostat": ["  Thermo  ", "HEAT"]}}
    )
    # WHEN it is loaded
    rules = TriageRules.model_validate_json(document)
    # THEN the named values change, keywords are normalised, the rest are defaults
    assert rules.employee_priority == 90
    assert rules.topic_keywords == {"thermostat": ("thermo", "heat")}
    assert rules.high_influence_followers == TriageRules.default().high_influence_followers


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"bands": {"p1": 40, "p2": 50, "p3": 25}}, "p1 > p2 > p3"),
        ({"employee_priority": 150}, "employee_priority"),
        ({"urgency_words": ["outage", "  "]}, "keywords must not be empty"),
        ({"unknown_knob": 1}, "unknown_knob"),
        ({"weights": {"complaint": -5}}, "complaint"),
        ({"no_action_max_priority": 90, "employee_priority": 80}, "no_action_max_priority"),
    ],
)
def test_bad_document_is_a_clear_validation_error(document: dict[str, object], field: str) -> None:
    """A bad rules document fails to load with an error naming the problem."""
    # GIVEN a rules document with one mistake
    # WHEN it is loaded
    with pytest.raises(ValidationError) as caught:
        TriageRules.model_validate_json(json.dumps(document))
    # THEN the error names the offending field or constraint
    assert field in str(caught.value)


def test_rules_are_immutable() -> None:
    """Rules cannot be changed in place: a new document means a new object."""
    # GIVEN the default rules
    rules = TriageRules.default()
    # WHEN a field is assigned THEN pydantic refuses
    with pytest.raises(ValidationError):
        rules.employee_priority = 10


def test_keyword_matching_is_word_bounded_and_phrase_aware() -> None:
    """Keywords match whole words and phrases, case-insensitively, not inside other words."""
    # GIVEN rules whose legal words include "sue" and "class action"
    compiled = TriageRules.default().compiled
    # WHEN texts are matched
    # THEN whole words and spaced phrases match, substrings do not
    assert compiled.legal.find_all("We will file a CLASS   action and sue") == (
        "class action",
        "sue",
    )
    assert compiled.legal.find_all("my issue persists") == ()
