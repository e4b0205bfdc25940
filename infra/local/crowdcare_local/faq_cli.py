"""`crowdcare faq`: group posts into FAQ candidates with the same code as the daily job.

Input: JSON lines `{"id": str | int, "text": str}` (other fields are ignored). Output: one JSON
object `{"clusters": [{"label", "size", "members": [ids], "representative": id}],
"unclustered": [ids]}`, clusters largest first. The number of clusters is never given: posts
that fit no group of at least three are listed as unclustered. A bad line (not JSON, no id or
text, a repeated id) stops the run before anything is printed: its line number goes to stderr
and the exit code is 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, TextIO

from crowdcare.rules.faq_clusters import (
    Clustering,
    ClusterRules,
    Embedder,
    HashedTfidfEmbedder,
    cluster_texts,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# WordLlama vectors are denser than TF-IDF ones: its thresholds were chosen on the eval's
# development intents (tools/eval/faq.py says how).
WORDLLAMA_RULES = {"threshold": 0.5, "assign_threshold": 0.5}


class InputPost(BaseModel):
    """One line of `crowdcare faq` input."""

    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, Field(min_length=1, max_length=256)] | int
    text: Annotated[str, Field(min_length=1, max_length=40_000)]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the faq subcommand's arguments to `parser`."""
    parser.add_argument(
        "input", nargs="?", default="-",
        help="JSON-lines file of posts (default, or `-`: standard input)",
    )
    parser.add_argument(
        "--embedder", choices=("tfidf", "wordllama"), default="tfidf",
        help="sentence vectors: numpy TF-IDF+LSA (default, what the Lambda runs) or WordLlama "
        "(needs the optional wordllama wheel, x86_64 only)",
    )
    parser.add_argument(
        "--rules", type=Path, default=None, help="clustering thresholds as a JSON document"
    )


def read_posts(lines: TextIO) -> list[InputPost]:
    """Every post of the input; ValueError names the first bad line."""
    posts: list[InputPost] = []
    seen: set[str | int] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            post = InputPost.model_validate_json(line)
        except ValidationError as error:
            raise ValueError(f"line {number}: invalid input: {_describe(error)}") from None
        if post.id in seen:
            raise ValueError(f"line {number}: id {post.id!r} was already used")
        seen.add(post.id)
        posts.append(post)
    return posts


def to_output(posts: list[InputPost], result: Clustering) -> dict[str, Any]:
    """The JSON object printed: positions in the input turned back into the posts' ids."""
    return {
        "clusters": [
            {
                "label": cluster.label,
                "size": cluster.size,
                "members": [posts[i].id for i in cluster.members],
                "representative": posts[cluster.representative].id,
            }
            for cluster in result.clusters
        ],
        "unclustered": [posts[i].id for i in result.unclustered],
    }


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Cluster the posts and print one JSON object; 2 on a bad line or option."""
    try:
        overrides = (
            json.loads(args.rules.read_text(encoding="utf-8")) if args.rules
            else WORDLLAMA_RULES if args.embedder == "wordllama" else {}
        )
        rules = ClusterRules.model_validate(overrides)
        embedder = _embedder(args.embedder)
        source: AbstractContextManager[TextIO] = (
            nullcontext(stdin) if args.input == "-"
            else Path(args.input).open(encoding="utf-8")  # noqa: SIM115 - closed by the with below
        )
        with source as lines:
            posts = read_posts(lines)
    except (OSError, ValueError, ImportError) as error:
        # ValidationError and JSONDecodeError are ValueErrors; ImportError: no wordllama.
        print(f"crowdcare faq: {error}", file=stderr)
        return 2
    result = cluster_texts([post.text for post in posts], embedder, rules)
    stdout.write(json.dumps(to_output(posts, result), ensure_ascii=False) + "\n")
    return 0


def _embedder(name: str) -> Embedder:
    if name == "wordllama":
        from crowdcare.adapters.wordllama_embeddings import (  # noqa: PLC0415 - optional
            WordLlamaEmbedder,
        )

        return WordLlamaEmbedder.load()
    return HashedTfidfEmbedder()


def _describe(error: ValidationError) -> str:
    """Pydantic's errors in one line: field path and message, no echo of the input."""
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'line'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    )


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (the `crowdcare` console script also mounts this subcommand)."""
    parser = argparse.ArgumentParser(prog="crowdcare faq", description=__doc__)
    configure_parser(parser)
    return run(parser.parse_args(argv), sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
