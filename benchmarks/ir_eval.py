"""The standard measures of ranking quality, as trec_eval computes them.

A run is {query id: [document id, ...]} best first; qrels are {query id: {document id:
grade}}, grade > 0 meaning relevant. Only queries with at least one relevant document
are scored (a query the engine found nothing for scores 0). Measures:

- AP (averaged over queries: MAP): the mean, over the relevant documents, of the
  precision at the rank where each was found (0 for those never found);
- nDCG@10: discounted cumulative gain of the top 10 (gain = grade, discount
  log2(rank + 1)) over that of the ideal ordering;
- P@10: relevant documents among the top 10, over 10;
- Recall@100: relevant documents among the top 100, over all relevant ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

Run = Mapping[str, Sequence[str]]
Qrels = Mapping[str, Mapping[str, int]]
MEASURES = ("map", "ndcg@10", "p@10", "recall@100")


def average_precision(ranking: Sequence[str], grades: Mapping[str, int]) -> float:
    relevant = sum(1 for g in grades.values() if g > 0)
    if not relevant:
        return 0.0
    found = 0
    total = 0.0
    for rank, doc in enumerate(ranking, start=1):
        if grades.get(doc, 0) > 0:
            found += 1
            total += found / rank
    return total / relevant


def ndcg(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    if not best:
        return 0.0
    gained = sum(
        max(grades.get(doc, 0), 0) / math.log2(rank + 1)
        for rank, doc in enumerate(ranking[:k], start=1)
    )
    return gained / best


def precision(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    return sum(1 for doc in ranking[:k] if grades.get(doc, 0) > 0) / k


def recall(ranking: Sequence[str], grades: Mapping[str, int], k: int = 100) -> float:
    relevant = sum(1 for g in grades.values() if g > 0)
    if not relevant:
        return 0.0
    return sum(1 for doc in ranking[:k] if grades.get(doc, 0) > 0) / relevant


def per_query(run: Run, qrels: Qrels) -> dict[str, dict[str, float]]:
    """{query id: {measure: value}} for every query with a relevant document."""
    scores: dict[str, dict[str, float]] = {}
    for qid, grades in qrels.items():
        if not any(g > 0 for g in grades.values()):
            continue
        ranking = _unique(run.get(qid, ()))
        scores[qid] = {
            "map": average_precision(ranking, grades),
            "ndcg@10": ndcg(ranking, grades, 10),
            "p@10": precision(ranking, grades, 10),
            "recall@100": recall(ranking, grades, 100),
        }
    return scores


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Each measure averaged over the queries that have a relevant document."""
    scores = per_query(run, qrels)
    if not scores:
        return {m: 0.0 for m in MEASURES}
    return {m: sum(s[m] for s in scores.values()) / len(scores) for m in MEASURES}


def _unique(ranking: Sequence[str]) -> list[str]:
    # A document retrieved twice counts once, at its first rank (as trec_eval does).
    seen: set[str] = set()
    return [d for d in ranking if not (d in seen or seen.add(d))]
