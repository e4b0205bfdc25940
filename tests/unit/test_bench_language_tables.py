"""The language-tables bench compares the compacted identifier with py3langid as shipped."""

from __future__ import annotations

from tools.bench.language_tables import compare
from tools.bench.run_bench import sample_mentions


def test_both_identifiers_answer_alike_and_every_mention_is_timed_with_each() -> None:
    """GIVEN the demo sample WHEN the bench compares the two identifiers THEN every text gets
    the same language and confidence from both, and each analysed every mention once."""
    corpus = sample_mentions()[:40]
    identical, timings, _ = compare(corpus)
    assert identical == len(corpus)
    assert {name: len(values) for name, values in timings.items()} == {
        "as shipped": len(corpus),
        "compact": len(corpus),
    }
    assert all(value > 0 for values in timings.values() for value in values)
