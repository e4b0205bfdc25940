"""The daily FAQ job: recent questions and complaints grouped into FAQ candidates.

Each candidate carries what an admin needs to write a knowledge-base entry: a short label, its
size and trend (this period against the one before), sample posts, the share of negative posts,
whether it is mostly questions or complaints, and the best answer already given (the posted
reply with the most reach, a thank-you from the author counting double). A complaint cluster
that is growing is flagged as a root-cause candidate.

The clustering itself is `crowdcare.rules.faq_clusters` (pure); posts come in and candidates go
out through two ports (`RecentPosts`, `FaqRuns` in `crowdcare.ports`), so the job runs on
in-memory fakes in tests and on DynamoDB in the cloud. The models are in `crowdcare.domain.faq`.
Export to CSV and JSON is pure too (`to_json`, `to_csv`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, timedelta

# The models live in the domain and the ports in `crowdcare.ports`; both are imported here at
# run time so `crowdcare.services.faq_job` keeps exporting them to existing callers.
from crowdcare.domain.faq import FaqCandidate, FaqPost, FaqRun, Kind, PostedReply
from crowdcare.ports import FaqRuns, RecentPosts
from crowdcare.rules.faq_clusters import ClusterRules, Embedder, HashedTfidfEmbedder, cluster_texts

__all__ = [
    "CSV_COLUMNS",
    "FaqCandidate",
    "FaqJob",
    "FaqPost",
    "FaqRun",
    "FaqRuns",
    "PostedReply",
    "RecentPosts",
    "best_answer",
    "to_csv",
    "to_json",
]

SAMPLES = 3


class FaqJob:
    """Builds the day's FAQ candidates; collaborators are passed in."""

    def __init__(
        self,
        posts: RecentPosts,
        runs: FaqRuns,
        embedder: Embedder | None = None,
        rules: ClusterRules | None = None,
        window: timedelta = timedelta(days=2),
    ) -> None:
        self._posts = posts
        self._runs = runs
        self._embedder = embedder or HashedTfidfEmbedder()
        self._rules = rules or ClusterRules()
        self._window = window

    def run(self, now: datetime) -> FaqRun:
        """Cluster the window's posts (the last day against the one before) and store the run."""
        since = now - self._window
        middle = now - self._window / 2
        posts = list(self._posts.between(since, now))
        clustering = cluster_texts([p.text for p in posts], self._embedder, self._rules)
        candidates = []
        for cluster in clustering.clusters:
            members = [posts[i] for i in cluster.members]
            recent = sum(1 for p in members if p.created_at >= middle)
            before = len(members) - recent
            kind: Kind = (
                "complaint"
                if sum(p.kind == "complaint" for p in members) * 2 > len(members)
                else "question"
            )
            trend = (recent - before) / max(before, 1)
            # Samples: the representative first, then the most recent others.
            others = sorted(
                (p for p in members if p.id != posts[cluster.representative].id),
                key=lambda p: p.created_at,
                reverse=True,
            )
            candidates.append(
                FaqCandidate(
                    label=cluster.label,
                    kind=kind,
                    size=recent,
                    previous_size=before,
                    trend=round(trend, 2),
                    negative_share=round(sum(p.negative for p in members) / len(members), 2),
                    samples=(posts[cluster.representative].id, *(p.id for p in others))[:SAMPLES],
                    representative=posts[cluster.representative].text,
                    best_answer=best_answer(members),
                    root_cause=kind == "complaint" and recent > before,
                )
            )
        candidates.sort(key=lambda c: (-(c.size + c.previous_size), c.label))
        result = FaqRun(
            run_at=now,
            since=since,
            candidates=tuple(candidates),
            unclustered=len(clustering.unclustered),
        )
        self._runs.save(result)
        return result


def best_answer(posts: Sequence[FaqPost]) -> str | None:
    """The posted reply with the most reach; the author's thanks counts as doubled reach."""
    replies = [p.reply for p in posts if p.reply is not None]
    if not replies:
        return None
    return max(replies, key=lambda r: (r.reach * (2 if r.thanked else 1), r.thanked)).text


def to_json(run: FaqRun) -> str:
    """The run as a JSON document for a knowledge base."""
    return json.dumps(run.model_dump(mode="json"), ensure_ascii=False, indent=2)


CSV_COLUMNS = (
    "label",
    "kind",
    "size",
    "previous_size",
    "trend",
    "negative_share",
    "root_cause",
    "representative",
    "best_answer",
    "samples",
)


def to_csv(run: FaqRun) -> str:
    """The candidates as CSV, one row each (sample ids joined by spaces)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in run.candidates:
        writer.writerow(
            [
                c.label,
                c.kind,
                c.size,
                c.previous_size,
                c.trend,
                c.negative_share,
                str(c.root_cause).lower(),
                c.representative,
                c.best_answer or "",
                " ".join(c.samples),
            ]
        )
    return out.getvalue()
