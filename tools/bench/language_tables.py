"""Language detection's tables as py3langid ships them against `compact_tables`, paired.

Both identifiers are restricted to the supported languages; every text of the corpus (the
demo sample and the inbound TWCS tweets) is first checked to get the same language and
confidence from both. Then each mention is analysed twice in a row, once with each
identifier, the order alternating per mention (the second run of a text finds some of it
cached), and the CPU time of each `analyze` call is kept: medians and means are printed side
by side. The rest of triage runs between two detections, as it does in a Lambda, so the
detector meets cold caches.

Run: `python -m tools.bench.language_tables` (part of `make bench`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from crowdcare.domain.models import Mention
from crowdcare.rules.triage import EmbeddedModelProvider
from crowdcare.rules.triage import language as detection
from crowdcare.rules.triage.analysis import analyze
from crowdcare.rules.triage.rules import TriageRules
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from tools.bench.run_bench import data_dir, one_core, sample_mentions, twcs_mentions

WARMUP = 300


def compare(corpus: Sequence[Mention]) -> tuple[int, dict[str, list[int]], str]:
    """Texts of `corpus` both identifiers answer identically, each one's analyze() CPU times
    (ns, one per mention), and how the run was pinned."""
    shipped = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    shipped.set_languages(list(detection.SUPPORTED_LANGUAGES))
    compact = detection._model()  # the identifier triage uses, compacted
    texts = [detection.strip_noise(mention.text) for mention in corpus]
    identical = sum(shipped.classify(text) == compact.classify(text) for text in texts)
    provider, rules = EmbeddedModelProvider(), TriageRules.default()
    timings: dict[str, list[int]] = {"as shipped": [], "compact": []}
    identifiers = {"as shipped": shipped, "compact": compact}
    cpu = time.thread_time_ns
    try:
        with one_core() as pinning:
            for mention in corpus[:WARMUP]:
                analyze(mention.text, mention.lang_hint, provider, rules)
            for n, mention in enumerate(corpus):
                order = ("as shipped", "compact") if n % 2 else ("compact", "as shipped")
                for name in order:
                    detection._identifier = identifiers[name]
                    started = cpu()
                    analyze(mention.text, mention.lang_hint, provider, rules)
                    timings[name].append(cpu() - started)
    finally:
        detection._identifier = compact
    return identical, timings, pinning


def main() -> int:
    corpus = sample_mentions() + twcs_mentions(data_dir() / "twcs_threads_5000.csv")
    identical, timings, pinning = compare(corpus)
    print(f"language and confidence: {identical:,} of {len(corpus):,} texts identical")
    print(f"{pinning}; analyze() per mention, CPU time, {len(corpus):,} mentions each, paired:")
    for name, values in timings.items():
        print(
            f"  {name:<11} median {statistics.median(values) / 1e3:6.1f} µs"
            f"   mean {statistics.fmean(values) / 1e3:6.1f} µs"
        )
    ratio = statistics.median(timings["compact"]) / statistics.median(timings["as shipped"])
    print(f"  compact / as shipped (medians): {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
