"""`crowdcare triage`: JSON lines in, one triage verdict per good line out, errors on stderr."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

from crowdcare_local.triage_cli import configure_parser, run


def invoke(stdin_text: str, *argv: str) -> tuple[int, list[dict[str, object]], str]:
    parser = argparse.ArgumentParser()
    configure_parser(parser)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(list(argv)), io.StringIO(stdin_text), stdout, stderr)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    return code, lines, stderr.getvalue()


ANGRY = {
    "id": "m1",
    "text": "My Brightwave Mesh keeps dropping, WTF!!! Worst router ever",
    "author": {"followers": 150_000, "handle": "@loud"},
}
QUESTION = {"id": "m2", "text": "How do I pair a second Brightwave Mesh node?", "lang": "en"}


def test_good_lines_produce_full_verdicts() -> None:
    """Each good line yields id, language, sentiment, intent, priority, route and flags."""
    # GIVEN two valid lines on stdin
    stdin = "\n".join(json.dumps(item) for item in (ANGRY, QUESTION)) + "\n"
    # WHEN the command runs
    code, lines, stderr = invoke(stdin)
    # THEN exit 0, no errors, one verdict each in order with every field
    assert (code, stderr) == (0, "")
    assert [line["id"] for line in lines] == ["m1", "m2"]
    first = lines[0]
    assert set(first) >= {"id", "language", "sentiment", "intent", "priority", "route",
                          "topics", "pii", "legal", "spam", "angry", "offensive",
                          "needs_reply", "intent_confidence", "unsure", "model"}
    assert first["angry"] is True
    assert first["offensive"] is True
    assert first["needs_reply"] is True
    route = first["route"]
    assert isinstance(route, dict)
    assert route["route"] == "employee"
    assert route["candidates"] == []
    reasons = route["reasons"]
    assert isinstance(reasons, list)
    assert reasons[0].startswith("offensive or abusive language (model 0.")
    assert any(r.startswith("angry author (model 0.") for r in reasons)
    assert "high-influence author (150,000 followers)" in reasons
    assert reasons[-1] == "no employee has capacity: the mention waits in the queue"
    sentiment = first["sentiment"]
    assert isinstance(sentiment, dict)
    assert set(sentiment) == {"label", "scores", "compound", "confidence"}
    model = first["model"]
    assert isinstance(model, dict)
    assert model["source"] == "embedded-model"
    assert lines[1]["intent"] == "question"


def test_bad_lines_are_reported_and_the_run_continues() -> None:
    """A bad line is reported with its number; good lines still run; exit code is 1."""
    # GIVEN broken JSON on line 1, a missing text on line 2, a good line 4 (line 3 blank)
    stdin = 'not json\n{"id": "x"}\n\n' + json.dumps(QUESTION) + "\n"
    # WHEN the command runs
    code, lines, stderr = invoke(stdin)
    # THEN exit 1, both errors named by line, the good line still triaged
    assert code == 1
    assert "line 1: invalid input" in stderr
    assert "line 2: invalid input: text: Field required" in stderr
    assert [line["id"] for line in lines] == ["m2"]


def test_unknown_field_is_rejected() -> None:
    """Lines are validated strictly: an unexpected field is an error, not ignored."""
    # GIVEN a line with a typo'd field WHEN running THEN it is reported
    code, lines, stderr = invoke('{"id": "a", "text": "hi", "langg": "en"}\n')
    assert code == 1
    assert lines == []
    assert "langg" in stderr


def test_rules_and_responders_files_are_used(tmp_path: Path) -> None:
    """--rules changes the decision and --responders supplies the candidates."""
    # GIVEN responders and rules that make every question an employee's job
    responders = tmp_path / "responders.json"
    responders.write_text(json.dumps([
        {"responder_id": "ann", "kind": "advocate", "name": "Ann", "email": "ann@example.com"},
        {"responder_id": "emma", "kind": "employee", "name": "Emma", "email": "e@example.com"},
    ]))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"employee_priority": 1, "no_action_max_priority": 0}))
    stdin = json.dumps(QUESTION) + "\n"
    # WHEN run with responders only, then with both files
    _, community, _ = invoke(stdin, "--responders", str(responders))
    _, escalated, _ = invoke(stdin, "--responders", str(responders), "--rules", str(rules))
    # THEN the defaults route to the advocate, the strict rules to the employee
    route = community[0]["route"]
    assert isinstance(route, dict)
    assert route["route"] == "community"
    assert route["candidates"] == ["ann"]
    assert route["reasons"][0] == "community: 1 advocate(s) speak 'en' and have capacity"
    assert route["reasons"][1].startswith("question (confidence 0.90), ")
    assert route["reasons"][2] == "topics: mesh-router, installation"
    route = escalated[0]["route"]
    assert isinstance(route, dict)
    assert route["route"] == "employee"
    assert route["candidates"] == ["emma"]


def test_input_file_argument(tmp_path: Path) -> None:
    """A positional input file is read instead of stdin."""
    # GIVEN a file with one line WHEN running with it THEN its line is triaged
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(QUESTION) + "\n")
    code, lines, _ = invoke("", str(source))
    assert code == 0
    assert [line["id"] for line in lines] == ["m2"]


def test_bad_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    """An invalid rules document stops the run with exit 2 and the validation message."""
    # GIVEN a rules file with inverted bands WHEN running THEN exit 2 with the reason
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"bands": {"p1": 10, "p2": 50, "p3": 25}}))
    code, lines, stderr = invoke(json.dumps(QUESTION), "--rules", str(rules))
    assert code == 2
    assert lines == []
    assert "p1 > p2 > p3" in stderr
