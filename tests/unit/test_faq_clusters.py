"""FAQ clustering: groups of the same need, found without k, in any language; embedders."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from crowdcare.adapters.bedrock_embeddings import TITAN_V2, BedrockEmbedder
from crowdcare.rules.faq_clusters import ClusterRules, HashedTfidfEmbedder, cluster_texts, words

REFUND = [
    "how do I get a refund for my order?",
    "I want a refund, the order arrived broken",
    "refund please, my order never came",
    "where is my refund? order cancelled last week",
    "can I get my money back, need a refund on this order",
]
PASSWORD = [
    "I forgot my password and can't log in",
    "how do I reset my password",
    "password reset email never arrives",
    "can't log in, reset password link is broken",
    "locked out, need to reset my password",
]
BATTERY = [
    "battery drains so fast after the update",
    "my battery dies by noon since the latest update",
    "the update killed my battery life",
    "battery drain is terrible after updating",
]
STRAYS = ["love the new colours!", "who won the game last night", "just had a great coffee"]


def groups(texts: list[str], rules: ClusterRules | None = None) -> list[set[str]]:
    result = cluster_texts(texts, rules=rules)
    return [{texts[i] for i in cluster.members} for cluster in result.clusters]


def cluster_of(found: list[set[str]], posts: list[str]) -> int:
    """The one cluster holding all of `posts` (fails if they are split or left out)."""
    holding = [i for i, members in enumerate(found) if set(posts) <= members]
    assert len(holding) == 1, f"{posts[0]!r}... not together in one cluster: {found}"
    return holding[0]


def test_three_needs_are_found_without_being_told_how_many() -> None:
    """Refund, password and battery posts form three clusters, each labelled by its need."""
    # GIVEN posts about three needs, shuffled, and three unrelated posts
    texts = [*REFUND, *STRAYS[:1], *PASSWORD, *STRAYS[1:2], *BATTERY, *STRAYS[2:]]
    # WHEN they are clustered
    result = cluster_texts(texts)
    found = [{texts[i] for i in cluster.members} for cluster in result.clusters]
    # THEN three clusters, one per need with all its posts, telling labels, a member as example
    assert len(found) == 3
    refund, password, battery = (cluster_of(found, g) for g in (REFUND, PASSWORD, BATTERY))
    assert sorted((refund, password, battery)) == [0, 1, 2]
    assert "refund" in result.clusters[refund].label
    assert "password" in result.clusters[password].label
    assert "battery" in result.clusters[battery].label
    # In a batch this small a chatty post may ride along on a shared word ("the"), but at
    # most one does: the others stay unclustered.
    assert len({texts[i] for i in result.unclustered} & set(STRAYS)) >= 2
    for cluster in result.clusters:
        assert cluster.representative in cluster.members
        assert 0.0 < cluster.cohesion <= 1.0


def test_posts_in_other_scripts_and_languages_cluster_by_meaning_of_their_words() -> None:
    """Spanish, German and Japanese complaints each form their own group."""
    # GIVEN three small groups in three languages (Japanese has no spaces between words)
    spanish = [
        "¿dónde está mi reembolso del pedido?",
        "quiero el reembolso de mi pedido roto",
        "no he recibido el reembolso del pedido",
        "necesito el reembolso, pedido cancelado",
    ]
    german = [
        "meine Lieferung ist nicht angekommen",
        "Lieferung verspätet, wann kommt meine Lieferung?",
        "wo bleibt meine Lieferung seit Montag",
        "Lieferung fehlt immer noch",
    ]
    japanese = [
        "パスワードを忘れました",
        "パスワードをリセットしたい",
        "パスワードの再設定ができません",
        "パスワードが使えません",
    ]
    # WHEN they are clustered together
    found = groups([*spanish, *german, *japanese])
    # THEN one cluster per language group
    assert len(found) == 3
    assert len({cluster_of(found, g) for g in (spanish, german, japanese)}) == 3


@pytest.mark.parametrize("texts", [[], ["just one post about a refund"], ["a", "b"]])
def test_too_few_posts_make_no_cluster(texts: list[str]) -> None:
    """No post, one post or two posts: no cluster (a cluster needs three), nothing lost."""
    # GIVEN / WHEN
    result = cluster_texts(texts)
    # THEN every post is unclustered
    assert result.clusters == ()
    assert result.unclustered == tuple(range(len(texts)))


def test_clustering_is_deterministic() -> None:
    """The same posts give the same clusters, labels and representatives every time."""
    # GIVEN a mixed batch
    texts = [*PASSWORD, *REFUND, *STRAYS, *BATTERY]
    # WHEN clustered twice
    # THEN identical results
    assert cluster_texts(texts) == cluster_texts(texts)


def test_min_size_is_configuration() -> None:
    """With min_size 5 the four battery posts no longer make a cluster."""
    # GIVEN the three groups
    texts = [*REFUND, *PASSWORD, *BATTERY]
    # WHEN min_size is raised to 5
    found = groups(texts, ClusterRules(min_size=5))
    # THEN no cluster is mostly battery posts, and every cluster has five or more
    assert all(len(members & set(BATTERY)) * 2 < len(members) for members in found)
    assert all(len(members) >= 5 for members in found)
    assert found
    cluster_of(found, REFUND)


def test_the_default_embedder_gives_unit_rows_and_ignores_links_and_handles() -> None:
    """Vectors are unit length; a link or @handle does not change what a post is about."""
    # GIVEN posts, two identical but for a link and a handle
    texts = [*REFUND, "@shop how do I get a refund for my order? https://t.co/x1"]
    # WHEN embedded
    vectors = HashedTfidfEmbedder().embed(texts)
    # THEN one unit row each, and the two versions coincide
    assert vectors.shape[0] == len(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[-1]) > 0.99
    assert words("@shop Hi https://x.y/z THERE") == ["hi", "there"]


class FakeBody:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._raw = json.dumps(payload).encode()

    def read(self) -> bytes:
        return self._raw


class FakeBedrock:
    """Records InvokeModel calls and answers with a fixed vector per text length."""

    def __init__(self, dimensions: int = 256) -> None:
        self.calls: list[dict[str, Any]] = []
        self.dimensions = dimensions

    def invoke_model(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        text = json.loads(kwargs["body"])["inputText"]
        vector = [float(len(text))] + [1.0] * (self.dimensions - 1)
        return {"body": FakeBody({"embedding": vector})}


def test_bedrock_embedder_asks_titan_v2_for_each_text() -> None:
    """One InvokeModel per non-empty text, Titan V2 body, rows normalised, blanks stay zero."""
    # GIVEN a fake bedrock-runtime client
    client = FakeBedrock()
    # WHEN two texts and a blank one are embedded
    vectors = BedrockEmbedder(client).embed(["refund please", "   ", "x"])
    # THEN two calls with the documented request, unit rows, a zero row for the blank
    assert [call["modelId"] for call in client.calls] == [TITAN_V2, TITAN_V2]
    assert json.loads(client.calls[0]["body"]) == {
        "inputText": "refund please", "dimensions": 256, "normalize": True,
    }
    assert vectors.shape == (3, 256)
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0)
    assert not vectors[1].any()


def test_bedrock_embedder_rejects_a_wrong_sized_answer() -> None:
    """A vector of the wrong size is an error, not a silently broken clustering."""
    # GIVEN a client answering with 512 numbers to a 256-dimension request
    client = FakeBedrock(dimensions=512)
    # WHEN / THEN
    with pytest.raises(ValueError, match="expected 256"):
        BedrockEmbedder(client).embed(["hello"])
    with pytest.raises(ValueError, match="256, 512 or 1024"):
        BedrockEmbedder(client, dimensions=300)
