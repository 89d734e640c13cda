"""The relevance evaluator: hand-computed cases, and agreement with ranx (trec_eval's rules)."""

from __future__ import annotations

import math
import random

import pytest

from benchmarks.ir_eval import average_precision, evaluate, ndcg, per_query, precision, recall

GRADES = {"a": 1, "b": 1, "c": 1, "z": 0}


def test_average_precision_by_hand():
    # relevant a, b, c; found at ranks 1 and 3, c never: (1/1 + 2/3) / 3
    assert average_precision(["a", "x", "b", "y"], GRADES) == pytest.approx((1 + 2 / 3) / 3)
    assert average_precision(["a", "b", "c"], GRADES) == 1.0
    assert average_precision(["x", "y"], GRADES) == 0.0
    assert average_precision([], GRADES) == 0.0


def test_a_judged_non_relevant_document_counts_as_non_relevant():
    assert average_precision(["z", "a"], {"a": 1, "z": 0}) == pytest.approx(0.5)


def test_precision_and_recall_at_cutoffs():
    ranking = ["x", "a", "y", "b"] + [f"n{i}" for i in range(200)] + ["c"]
    assert precision(ranking, GRADES, 10) == pytest.approx(0.2)
    assert precision(["a"], GRADES, 10) == pytest.approx(0.1)  # divided by 10, not by 1
    assert recall(ranking, GRADES, 100) == pytest.approx(2 / 3)
    assert recall(ranking, GRADES, 1000) == 1.0


def test_ndcg_with_graded_relevance_by_hand():
    grades = {"a": 3, "b": 1, "c": 2}
    ranking = ["b", "x", "a"]
    dcg = 1 / math.log2(2) + 3 / math.log2(4)
    ideal = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert ndcg(ranking, grades, 10) == pytest.approx(dcg / ideal)
    assert ndcg(["a", "c", "b"], grades, 10) == pytest.approx(1.0)
    assert ndcg(["x"] * 10 + ["a"], grades, 10) == 0.0


def test_only_queries_with_a_relevant_document_are_averaged():
    qrels = {"1": {"a": 1}, "2": {"b": 1}, "3": {"c": 0}}
    run = {"1": ["a"], "2": ["x", "b"]}  # query 3 has no relevant document: not scored
    assert set(per_query(run, qrels)) == {"1", "2"}
    assert evaluate(run, qrels)["map"] == pytest.approx((1 + 0.5) / 2)


def test_a_query_the_engine_missed_scores_zero():
    qrels = {"1": {"a": 1}, "2": {"b": 1}}
    assert evaluate({"1": ["a"]}, qrels)["map"] == pytest.approx(0.5)


def test_a_document_listed_twice_counts_once():
    qrels = {"1": {"a": 1, "b": 1}}
    assert evaluate({"1": ["a", "a", "b"]}, qrels)["map"] == 1.0  # b is at rank 2, not 3


def test_agrees_with_ranx_on_random_runs():
    ranx = pytest.importorskip("ranx")
    rng = random.Random(7)
    docs = [f"d{i}" for i in range(300)]
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, list[str]] = {}
    for q in range(40):
        qid = f"q{q}"
        judged = rng.sample(docs, rng.randint(1, 40))
        qrels[qid] = {d: rng.choice([0, 1, 1, 2, 3, 4]) for d in judged}
        qrels[qid][judged[0]] = max(1, qrels[qid][judged[0]])  # at least one relevant
        run[qid] = rng.sample(docs, rng.randint(0, 250))
    ours = evaluate(run, qrels)
    theirs = ranx.evaluate(
        ranx.Qrels({q: {d: g for d, g in g_.items() if g > 0} for q, g_ in qrels.items()}),
        # distinct, decreasing scores so both sides see the same order
        ranx.Run({q: {d: float(len(r) - i) for i, d in enumerate(r)} or {"none": 0.0}
                  for q, r in run.items()}),
        ["map", "ndcg@10", "precision@10", "recall@100"],
    )
    assert ours["map"] == pytest.approx(theirs["map"], abs=1e-9)
    assert ours["ndcg@10"] == pytest.approx(theirs["ndcg@10"], abs=1e-9)
    assert ours["p@10"] == pytest.approx(theirs["precision@10"], abs=1e-9)
    assert ours["recall@100"] == pytest.approx(theirs["recall@100"], abs=1e-9)
