"""`crowdcare triage`: run the triage engine over JSON lines, one verdict per line.

Input: one JSON object per line (UTF-8); blank lines are skipped.
  required  "id": string, 1-256 characters; "text": string, 1-40,000 characters
  optional  "lang": platform language hint ("es", "pt-BR"; detection decides when unsure)
            "author": {"followers": int >= 0, "verified": bool, "handle": string}
  Unknown fields are rejected. A bad line is reported on stderr with its number; the run
  goes on and exits 1. Exit 2 for unreadable --rules / --responders / input files.

Output: one JSON object per input line with "id", "language", "sentiment" {"label",
"scores", "compound", "confidence"}, "intent", "intent_confidence", "offensive", "angry",
"needs_reply", "topics", "key_phrases", "pii", "legal", "spam", "safety",
"account_specific", "unsure" (why the models are not trusted here), "model" (the classifier
and its probabilities), "priority" {"score", "band", "reasons"} and "route" {"route":
none | community | employee, "reasons", "candidates"}.

Example:
  echo '{"id": "1", "text": "My Brightwave Thermo stopped heating, help!"}' | crowdcare triage
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

from crowdcare.config.sentiment import PROVIDER_NAMES, provider_for
from crowdcare.domain.models import Author, Mention, Platform, Responder
from crowdcare.rules.triage import Triage, TriageEngine, TriageRules
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

_RESPONDERS = TypeAdapter(list[Responder])


class InputAuthor(BaseModel):
    """The optional author block of an input line."""

    model_config = ConfigDict(extra="forbid")

    followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False
    handle: Annotated[str, Field(min_length=1, max_length=128)] = "anonymous"


class InputLine(BaseModel):
    """One line of `crowdcare triage` input."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=256)]
    text: Annotated[str, Field(min_length=1, max_length=40_000)]
    lang: str | None = None
    author: InputAuthor = InputAuthor()

    def to_mention(self, now: datetime) -> Mention:
        """The same Mention the webhooks produce, on the generic platform, created `now`."""
        handle = self.author.handle.lstrip("@") or "anonymous"
        return Mention(
            platform=Platform.GENERIC,
            post_id=self.id,
            author=Author(
                id=handle,
                handle=handle,
                followers=self.author.followers,
                verified=self.author.verified,
            ),
            text=self.text,
            lang_hint=self.lang,
            created_at=now,
        )


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the triage subcommand's arguments (and its input/output description) to `parser`."""
    # `crowdcare triage --help` shows the JSON-lines contract, however the parser was made.
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "input", nargs="?", type=Path, default=None,
        help="JSON-lines file of mentions (default: standard input)",
    )
    parser.add_argument("--rules", type=Path, default=None, help="triage rules JSON document")
    parser.add_argument(
        "--responders", type=Path, default=None,
        help="JSON list of responders to route to (default: none; reasons say so)",
    )
    parser.add_argument(
        "--provider", choices=[n for n in PROVIDER_NAMES if n != "comprehend"],
        default="embedded",
        help="classifier: the trained embedded models (default) or the older VADER lexicon",
    )


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Triage every input line; 0 if all lines were good, 1 if any failed, 2 on bad options."""
    try:
        rules = (
            TriageRules.model_validate_json(args.rules.read_text(encoding="utf-8"))
            if args.rules else TriageRules.default()
        )
        responders = (
            _RESPONDERS.validate_json(args.responders.read_text(encoding="utf-8"))
            if args.responders else []
        )
    except (OSError, ValidationError) as error:
        print(f"crowdcare triage: {error}", file=stderr)
        return 2

    engine = TriageEngine(provider_for(args.provider, _no_cloud, rules), rules)
    # The CLI is an edge: the clock is read here, once, and passed into the logic.
    now = datetime.now(UTC)
    failed = 0
    try:
        # nullcontext: standard input is not ours to close.
        source: AbstractContextManager[TextIO] = (
            args.input.open(encoding="utf-8") if args.input else nullcontext(stdin)
        )
    except OSError as error:
        print(f"crowdcare triage: {error}", file=stderr)
        return 2
    with source as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = InputLine.model_validate_json(line)
                mention = item.to_mention(now)
            except ValidationError as error:
                failed += 1
                print(f"line {number}: invalid input: {_describe(error)}", file=stderr)
                continue
            result = engine.triage(mention, responders, now)
            stdout.write(json.dumps(to_output(item.id, result), ensure_ascii=False) + "\n")
    return 1 if failed else 0


def to_output(mention_id: str, result: Triage) -> dict[str, Any]:
    """The JSON object printed for one triaged mention."""
    analysis, priority, decision = result.analysis, result.priority, result.decision
    return {
        "id": mention_id,
        "language": analysis.language,
        "sentiment": {
            "label": analysis.sentiment.label.value,
            "scores": analysis.sentiment.scores.model_dump(),
            "compound": analysis.sentiment.compound,
            "confidence": analysis.sentiment.confidence,
        },
        "intent": analysis.intent.value,
        "intent_confidence": analysis.intent_confidence,
        "offensive": analysis.offensive,
        "needs_reply": analysis.needs_reply,
        "topics": list(analysis.topics),
        "key_phrases": list(analysis.key_phrases),
        "pii": analysis.pii,
        "legal": analysis.legal,
        "spam": analysis.spam,
        "angry": analysis.angry,
        "safety": analysis.safety,
        "account_specific": analysis.account_specific,
        "unsure": list(analysis.unsure),
        "model": analysis.signals.model_dump() if analysis.signals is not None else None,
        "priority": {
            "score": priority.score,
            "band": priority.band,
            "reasons": list(priority.reasons),
        },
        "route": {
            "route": decision.route.value,
            "reasons": list(decision.reasons),
            "candidates": list(decision.candidates),
        },
    }


def _no_cloud() -> Any:
    """The CLI never calls AWS: only local providers are offered."""
    raise RuntimeError("crowdcare triage runs without AWS")


def _describe(error: ValidationError) -> str:
    """Pydantic's errors in one line: field path and message, no echo of the input."""
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'line'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    )


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (the `crowdcare` console script also mounts this subcommand)."""
    parser = argparse.ArgumentParser(
        prog="crowdcare triage", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure_parser(parser)
    return run(parser.parse_args(argv), sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
