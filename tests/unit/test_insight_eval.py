"""The scoring behind the spike and FAQ evaluations: episodes, windows, NMI and ARI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.rules.spikes import SpikeRules

from tools.eval.faq import ari, nmi, score_clustering, synthetic_posts
from tools.eval.spikes import SeriesScore, choose, episodes, score

T0 = datetime(2015, 3, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_alerts_under_an_hour_apart_chain_into_one_episode() -> None:
    """Alerts 30 and 50 minutes apart chain; a gap of exactly an hour starts a new episode."""
    # GIVEN alerts at 0:00, 0:30, 1:20 and 2:20 (out of order)
    alerts = [at(20 / 60 + 1), at(0), at(0.5), at(2 + 20 / 60)]
    # WHEN grouped / THEN two episodes
    assert episodes(alerts) == [at(0), at(2 + 20 / 60)]


def test_window_scoring_counts_hits_false_alerts_delay_and_warm_up() -> None:
    """An episode starting in a window detects it once; outside is false; warm-up is ignored."""
    # GIVEN warm-up until hour 10, a window inside it, and two windows after it
    windows = [(at(2), at(5)), (at(20), at(30)), (at(40), at(50))]
    # WHEN scored: an alert in warm-up, two episodes in window 2, one false, none in window 3
    result = score([at(3), at(22), at(25), at(35)], windows, warmup_end=at(10))
    # THEN the warm-up window is not scored, window 2 is found after 2 h, one false alert
    assert (result.windows, result.detected, result.false_alerts) == (2, 1, 1)
    assert result.delays_min == (120.0,)
    assert result.f1 == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))


def test_nmi_and_ari_match_known_values() -> None:
    """Perfect agreement is 1 whatever the names; a split cluster lowers both (sklearn's values)."""
    # GIVEN / WHEN / THEN
    truth = ["a", "a", "b", "b", "c", "c"]
    assert nmi(truth, [2, 2, 0, 0, 1, 1]) == pytest.approx(1.0)
    assert ari(truth, [2, 2, 0, 0, 1, 1]) == pytest.approx(1.0)
    # sklearn: normalized_mutual_info_score / adjusted_rand_score of these two labelings
    assert nmi(truth, [0, 0, 1, 2, 3, 3]) == pytest.approx(0.9048504845, abs=1e-9)
    assert ari(truth, [0, 0, 1, 2, 3, 3]) == pytest.approx(0.7619047619, abs=1e-9)


def test_unclustered_queries_count_as_singletons_in_nmi_all() -> None:
    """Leaving queries out raises the clustered-only NMI but not the conservative one."""
    # GIVEN a clustering that leaves two of six queries out
    truth = ["a", "a", "a", "b", "b", "b"]
    labels = [0, 0, -1, 1, 1, -1]
    # WHEN scored
    result = score_clustering("x", truth, labels, 0.0)
    # THEN perfect on the clustered four, less than perfect overall, two thirds clustered
    assert result.nmi == pytest.approx(1.0)
    assert result.nmi_all < 1.0
    assert result.clustered == pytest.approx(4 / 6)
    assert result.clusters == 2


def test_synthetic_posts_are_reproducible_and_varied() -> None:
    """The scale set is the same for a seed and is not a copy of its source queries."""
    # GIVEN two source queries
    queries = [("how do i reset my password now", "x"), ("what is my credit score today", "y")]
    # WHEN 50 posts are made twice
    first, second = synthetic_posts(queries, 50), synthetic_posts(queries, 50)
    # THEN identical runs, and more distinct posts than sources
    assert first == second
    assert len(set(first)) > 2


def test_leave_one_out_chooses_on_the_other_series_only() -> None:
    """Each held-out series is scored with the rules that did best on the others."""
    # GIVEN two candidate rules: `a` is perfect on X and useless on Y and Z, `b` the reverse
    a, b = SpikeRules(z_threshold=3.0), SpikeRules(z_threshold=4.0)
    hit, miss = SeriesScore(1, 1, 0, (60.0,)), SeriesScore(1, 0, 3, ())
    scores = {a: {"X": hit, "Y": miss, "Z": miss}, b: {"X": miss, "Y": hit, "Z": hit}}
    # WHEN rules are chosen for each held-out series
    picked = {held: choose(scores, [n for n in "XYZ" if n != held], a) for held in "XYZ"}
    # THEN X gets `b` (best on Y and Z), so X's own perfect figure with `a` is never used;
    # Y and Z see one series each way, a tie that goes to the defaults (`a`)
    assert picked == {"X": b, "Y": a, "Z": a}


def test_ties_prefer_fewer_false_alerts_then_the_defaults() -> None:
    """Equal F1: fewer false alerts wins; equal again: the shipped defaults win."""
    # GIVEN three rules with the same F1 on the training series
    default, other, quieter = SpikeRules(), SpikeRules(z_threshold=3.0), SpikeRules(z_threshold=4.0)
    same = SeriesScore(2, 1, 1, ())
    scores = {other: {"X": same}, default: {"X": same}, quieter: {"X": same}}
    # WHEN / THEN the defaults win a full tie, and fewer false alerts beat the defaults
    assert choose(scores, ["X"], default) == default
    scores[quieter] = {"X": SeriesScore(4, 2, 2, ())}  # F1 0.5 as well, but 2 false alerts
    scores[other] = {"X": SeriesScore(2, 1, 0, ())}  # F1 0.667, no false alert
    assert choose(scores, ["X"], default) == other
