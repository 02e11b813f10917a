"""Clustering rules: union-find, the survivor rule, decontamination, and properties of `deduplicate`."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from data_assets.dedup import jaccard, normalize_text, shingles
from data_assets.dedup.clusters import DedupSettings, UnionFind, deduplicate, survivor_order
from data_assets.dedup.minhash import signatures
from data_assets.dedup.text import featurize


def frame(rows: list[tuple]) -> pd.DataFrame:
    """rows of (record_id, role, origin, status, instruction, response)."""
    df = pd.DataFrame(rows, columns=["record_id", "role", "origin", "status", "instruction", "response"])
    df["input"] = ""
    df["response_chars"] = df["response"].str.len()
    return df


def run(df: pd.DataFrame, threshold: float = 0.7, clustering: str = "representative"):
    features = featurize([df["instruction"].tolist(), df["input"].tolist(), df["response"].tolist()])
    return deduplicate(df, features, signatures(features), DedupSettings(threshold=threshold, clustering=clustering))


def test_union_find_merges_transitively_and_keeps_others_apart():
    sets = UnionFind(6)
    assert sets.union(0, 1) and sets.union(1, 2) and not sets.union(0, 2)
    sets.union(4, 5)
    roots = sets.roots()
    assert roots[0] == roots[1] == roots[2] and roots[4] == roots[5]
    assert len({roots[0], roots[3], roots[4]}) == 3


def test_survivor_rule_prefers_human_then_unredacted_then_longer_response_then_smaller_id():
    candidates = pd.DataFrame({
        "record_id": ["a", "b", "c", "d", "e"],
        "origin": ["synthetic", "human", "human", "human", "human"],
        "status": ["pass", "redacted", "pass", "pass", "pass"],
        "response_chars": [500, 900, 100, 300, 300],
    })
    assert survivor_order(candidates)["record_id"].tolist() == ["d", "e", "c", "b", "a"]


WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon".split()


def test_train_records_overlapping_eval_leave_and_eval_records_stay():
    question = " ".join(WORDS)
    df = frame([
        ("e1", "eval", "human", "pass", question, "answer"),
        ("t1", "train", "human", "pass", question, "answer"),                                # exact
        ("t2", "train", "human", "pass", question + " phi", "answer"),                       # near
        ("t3", "train", "human", "pass", "Please repeat: " + " ".join(WORDS[2:16]), "ok"),   # 14-word span
        ("t4", "train", "human", "pass", "Please repeat: " + " ".join(WORDS[2:13]), "ok"),   # 11 words: not enough
        ("s1", "seed", "human", "pass", question, "answer"),
        ("e2", "eval", "synthetic", "pass", question.upper(), "ANSWER"),                     # eval duplicate of e1
        ("e3", "eval", "human", "pass", "Solve for x: 3x + 7 = 22.", "x = 5"),
        ("t5", "train", "human", "pass", "solve for X: 3x+7=22", "3x = 22 - 7 = 15, so x = 15 / 3 = 5"),  # same prompt
    ])
    result = run(df)
    decisions = result.decisions.set_index("record_id")
    assert decisions.loc[["t1", "t2", "t3", "s1"], "decision"].eq("contaminated").all()
    assert decisions.loc[["t1", "t2", "t3", "s1"], "other_id"].eq("e1").all()
    assert decisions.loc[["t1", "t2", "t3"], "method"].tolist() == ["exact", "minhash", "ngram"]
    assert decisions.loc["t3", "span_words"] == 14
    assert decisions.loc["t4", "decision"] == "kept"
    assert decisions.loc["t5", ["decision", "other_id", "method"]].tolist() == ["contaminated", "e3", "prompt"]
    assert decisions.loc["e1", "decision"] == "kept"
    assert decisions.loc["e2", "decision"] == "duplicate" and decisions.loc["e2", "other_id"] == "e1"


def test_roles_are_deduplicated_separately():
    text = " ".join(WORDS)
    result = run(frame([("t1", "train", "human", "pass", text, "x"), ("s1", "seed", "human", "pass", text, "x"),
                        ("t2", "train", "human", "pass", text, "x")]))
    assert result.decisions.set_index("record_id")["decision"].to_dict() == {"s1": "kept", "t1": "kept", "t2": "duplicate"}


def _chain(steps: int, shift: int = 1, length: int = 60) -> list[str]:
    """Texts each `shift` words further along one long word sequence: neighbours nearly duplicate,
    the ends of the chain share little."""
    tokens = [f"w{i}" for i in range(length + steps * shift)]
    return [" ".join(tokens[k * shift: k * shift + length]) for k in range(steps + 1)]


def test_default_clustering_never_removes_a_record_below_the_threshold_to_its_kept_record():
    # Each step is ~0.88 similar to the next, the last only ~0.37 to the first (issue 12's chain).
    texts = _chain(steps=8, shift=4)
    step = jaccard(shingles(texts[0]), shingles(texts[1]))
    ends = jaccard(shingles(texts[0]), shingles(texts[-1]))
    assert step >= 0.85 and ends < 0.4
    df = frame([(f"c{k}", "train", "human", "pass", text, "") for k, text in enumerate(texts)])
    transitive = run(df, clustering="transitive")
    assert transitive.clusters["representative_id"].nunique() == 1          # the chain collapses into one record
    assert transitive.clusters["similarity"].min() < 0.4
    assert set(transitive.clusters["clustering"]) == {"transitive"}

    result = run(df)
    removed = result.clusters[result.clusters["record_id"] != result.clusters["representative_id"]]
    assert len(removed) and removed["similarity"].min() >= 0.7
    assert set(result.clusters["clustering"]) == {"representative"}
    assert len(result.kept_ids) > len(transitive.kept_ids)


def test_transitive_clustering_chains_with_similarity_to_the_representative():
    tokens = [f"t{i}" for i in range(80)]
    a = " ".join(tokens)
    b = " ".join(tokens[:70] + ["x"] * 10)
    c = " ".join(tokens[:60] + ["x"] * 20)
    assert jaccard(shingles(a), shingles(b)) >= 0.7 and jaccard(shingles(b), shingles(c)) >= 0.7 > jaccard(shingles(a), shingles(c))
    df = frame([("a", "train", "human", "pass", a, ""), ("b", "train", "human", "pass", b, ""), ("c", "train", "human", "pass", c, "")])
    clusters = run(df, clustering="transitive").clusters.set_index("record_id")
    assert clusters["representative_id"].eq("a").all()
    assert clusters.loc["c", "similarity"] == jaccard(shingles(a), shingles(c))
    # Representative clustering keeps c: its only verified partner, b, was not kept.
    decisions = run(df).decisions.set_index("record_id")["decision"].to_dict()
    assert decisions == {"a": "kept", "b": "duplicate", "c": "kept"}


# Corpora of a few base texts plus copies with edits, case and punctuation changes, across roles.
_base = st.lists(st.sampled_from(WORDS + [w.upper() for w in WORDS[:5]]), min_size=3, max_size=30).map(" ".join)


@st.composite
def corpora(draw):
    bases = draw(st.lists(_base, min_size=1, max_size=5))
    rows = []
    for i in range(draw(st.integers(2, 14))):
        text = draw(st.sampled_from(bases))
        tokens = text.split()
        edit = draw(st.sampled_from(["copy", "case", "punct", "swap", "drop", "append"]))
        if edit == "case":
            text = text.upper()
        elif edit == "punct":
            text = text.replace(" ", ", ") + "!"
        elif edit == "swap" and tokens:
            tokens[draw(st.integers(0, len(tokens) - 1))] = "omega"
            text = " ".join(tokens)
        elif edit == "drop" and len(tokens) > 1:
            text = " ".join(tokens[1:])
        elif edit == "append":
            text = text + " omega psi"
        rows.append((f"r{i:02d}", draw(st.sampled_from(["train", "train", "seed", "eval"])),
                     draw(st.sampled_from(["human", "synthetic"])), draw(st.sampled_from(["pass", "redacted"])),
                     text, draw(st.sampled_from(["", "yes", "a longer answer"]))))
    return frame(rows)


def _texts(df: pd.DataFrame) -> dict[str, set[str]]:
    return {r.record_id: shingles(f"{r.instruction}\n{r.input}\n{r.response}") for r in df.itertuples()}


@settings(max_examples=40, deadline=None)
@given(corpora(), st.randoms(use_true_random=False), st.sampled_from(["representative", "transitive"]))
def test_dedup_is_order_independent_idempotent_and_only_drops_records_with_a_verified_partner(df, rng, clustering):
    result = run(df, clustering=clustering)
    shuffled = df.sample(frac=1.0, random_state=rng.randint(0, 10_000)).reset_index(drop=True)
    again = run(shuffled, clustering=clustering)
    pd.testing.assert_frame_equal(result.decisions, again.decisions)
    pd.testing.assert_frame_equal(result.clusters, again.clusters)
    pd.testing.assert_frame_equal(result.contamination, again.contamination)

    kept = df[df["record_id"].isin(result.kept_ids)].reset_index(drop=True)
    assert run(kept, clustering=clustering).decisions["decision"].eq("kept").all()

    sets = _texts(df)
    normalized = {r.record_id: normalize_text(f"{r.instruction}\n{r.input}\n{r.response}") for r in df.itertuples()}
    roles = df.set_index("record_id")["role"]
    for record_id, decision, other in result.decisions[["record_id", "decision", "other_id"]].itertuples(index=False):
        if decision == "kept":
            continue
        if decision == "contaminated":
            assert roles[other] == "eval" and roles[record_id] in ("train", "seed")
            continue
        members = result.clusters.loc[result.clusters["representative_id"] == other, "record_id"]
        partners = [m for m in members if m != record_id]
        assert any(normalized[m] == normalized[record_id] or jaccard(sets[m], sets[record_id]) >= 0.7 for m in partners)
        assert roles[other] == roles[record_id]


@st.composite
def chained_corpora(draw):
    """Records that slide along shared word sequences by random steps, plus edited copies: the
    shapes in which verified pairs chain (a~b, b~c, a and c far apart)."""
    rows = []
    for chain in range(draw(st.integers(1, 3))):
        length = draw(st.integers(8, 40))
        tokens = [f"c{chain}w{i}" for i in range(length + 60)]
        start = 0
        for _ in range(draw(st.integers(2, 8))):
            start += draw(st.integers(0, max(1, length // 4)))
            words = tokens[start: start + length]
            if draw(st.booleans()):
                words = words.copy()
                words[draw(st.integers(0, len(words) - 1))] = "edit"
            rows.append(" ".join(words))
    return frame([(f"r{i:02d}", "train", draw(st.sampled_from(["human", "synthetic"])), draw(st.sampled_from(["pass", "redacted"])),
                   text, draw(st.sampled_from(["", "ok"]))) for i, text in enumerate(rows)])


@settings(max_examples=60, deadline=None)
@given(st.one_of(chained_corpora(), corpora()), st.sampled_from([0.5, 0.7, 0.85]))
def test_no_removed_record_is_below_the_threshold_to_its_representative(df, threshold):
    """Checked against plain-Python shingle sets, not the stage's own similarity column."""
    result = run(df, threshold=threshold)
    sets = _texts(df)
    normalized = {r.record_id: normalize_text(f"{r.instruction}\n{r.input}\n{r.response}") for r in df.itertuples()}
    duplicates = result.decisions[result.decisions["decision"] == "duplicate"]
    for record_id, kept_for_it in duplicates[["record_id", "other_id"]].itertuples(index=False):
        assert normalized[record_id] == normalized[kept_for_it] or jaccard(sets[record_id], sets[kept_for_it]) >= threshold
    # And no two kept records of one role are near-duplicates that verification would have found.
    kept = df[df["record_id"].isin(result.kept_ids)]
    for role, members in kept.groupby("role"):
        ids = members["record_id"].tolist()
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if normalized[a] == normalized[b]:
                    raise AssertionError(f"{a} and {b} are exact copies and both kept")
