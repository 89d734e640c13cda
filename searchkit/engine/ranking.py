"""How searchkit ranks: BM25F over headline and text, vectorised over whole arrays.

The parameters are one object, `RankingParams`; the formula is written once, in
`Scorer.bm25f`. A query's score in a document is the sum of its scored clauses' scores
(the words, phrases and expanded words it holds outside NOT):

- BM25F: a word's occurrences in each field are normalised by that field's length
  against its average (b per field), weighted (a headline occurrence counts
  `field_weight["title"]` times a text one), summed, and saturated once with k1; times
  Lucene's idf, log(1 + (N - n + .5) / (n + .5)), over the documents holding the word
  in any field (n is taken as the largest of the fields' document frequencies, as
  Lucene's CombinedFieldQuery does). A phrase scores the same way from how often the
  phrase occurs, with the idf of its words added.
- Query-term frequency: a word typed twice has its clause boosted twice (querying.py).
- Proximity: for queries of at most `proximity_max_words` words, two consecutive words
  standing within `proximity_slop` positions, in order, add `proximity_boost` times
  their two scores; checked only where it could change the top of the list.
- Pseudo-relevance feedback (RM3) for plain-word requests of `feedback_min_words`
  words or more: the words most typical of the best documents are added with a share
  of the weight and the request's matches (never more documents) ranked again.

benchmarks/relevance.py measures these choices on six test collections; the figures
are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import log

import numpy as np

from .analysis import terms_of
from .matching import Matcher, lookup, member
from .querying import All, Any, Exclude, Expansion, Node, Phrase, Word
from .segment import NO_DATE
from .view import IndexView


@dataclass(frozen=True)
class RankingParams:
    k1: float = 2.0
    b: dict[str, float] = field(default_factory=lambda: {"title": 0.6, "body": 0.5})
    field_weight: dict[str, float] = field(default_factory=lambda: {"title": 1.75, "body": 1.0})
    proximity_slop: int = 3
    proximity_boost: float = 0.25
    proximity_max_words: int = 8
    feedback_min_words: int = 9
    feedback_docs: int = 5  # the best documents feedback learns from
    feedback_terms: int = 10  # the words it adds
    feedback_share: float = 0.2  # of the expanded request's weight, the added words' share


DEFAULT = RankingParams()

Leaf = Word | Phrase


def scored_leaves(plan: Node, matcher: Matcher) -> list[Leaf]:
    """The clauses that score, in the order typed: words, phrases and the words each
    expansion reached, outside NOT."""
    out: list[Leaf] = []

    def walk(node: Node) -> None:
        if isinstance(node, (Word, Phrase)):
            out.append(node)
        elif isinstance(node, Expansion):
            out.extend(matcher.expand(node))
        elif isinstance(node, (All, Any)):
            for child in node.children:
                walk(child)
        elif isinstance(node, Exclude):
            walk(node.keep)

    walk(plan)
    return out


class Scorer:
    """Scores for one search: a view, the matcher that evaluated the plan, parameters."""

    def __init__(self, view: IndexView, matcher: Matcher, params: RankingParams = DEFAULT) -> None:
        self.view, self.matcher, self.params = view, matcher, params
        self._n = max(view.live_count, 1)

    def idf(self, fields: Sequence[str], term: str) -> float:
        held = max(self.view.doc_frequency(f, term) for f in fields)
        return log(1.0 + (self._n - held + 0.5) / (held + 0.5))

    def _field_tf(self, leaf: Leaf, fieldname: str, docs: np.ndarray) -> np.ndarray:
        if isinstance(leaf, Word):
            post_docs, tf = self.view.postings(fieldname, leaf.term)
        else:
            post_docs, tf = self.matcher.phrase_frequencies(leaf, fieldname)
        return lookup(post_docs, tf, docs)

    def bm25f(self, leaf: Leaf, docs: np.ndarray) -> np.ndarray:
        """One clause's score in each of `docs`."""
        p = self.params
        tf = np.zeros(len(docs), dtype=np.float64)
        for fieldname in leaf.fields:
            occurrences = self._field_tf(leaf, fieldname, docs)
            if not occurrences.any():
                continue
            b = p.b.get(fieldname, 0.5)
            norm = (1.0 - b) + b * self.view.lengths(fieldname)[docs] / self.view.average_length(fieldname)
            tf += p.field_weight.get(fieldname, 1.0) * occurrences / norm
        if isinstance(leaf, Word):
            weight = self.idf(leaf.fields, leaf.term)
        else:
            weight = sum(self.idf(leaf.fields, t) for t in leaf.terms)
        return leaf.boost * weight * tf * (p.k1 + 1.0) / (tf + p.k1)

    def scores(self, leaves: Sequence[Leaf], docs: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(total score per document, each leaf's scores)."""
        parts = [self.bm25f(leaf, docs) for leaf in leaves]
        total = np.sum(parts, axis=0) if parts else np.zeros(len(docs))
        return total, parts

    # Ranking --------------------------------------------------------------------------

    def rank(self, plan: Node, docs: np.ndarray, wanted: int, *,
             most_words_first: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The best `wanted` of `docs` (ascending) for `plan`, best first, with scores.

        `most_words_first`: documents holding more of the clauses come first, whatever
        their scores (for a short query that no document answers whole).
        """
        leaves = scored_leaves(plan, self.matcher)
        total, parts = self.scores(leaves, docs)
        words = [leaf for leaf in leaves if isinstance(leaf, Word)]
        if self._feedback_applies(plan, leaves):
            total = self._with_feedback(words, docs, total)
        elif 2 <= len(words) <= self.params.proximity_max_words and self.params.proximity_boost > 0:
            total = self._with_proximity(words, [parts[leaves.index(w)] for w in words], docs, total, wanted)
        if not most_words_first or not parts:
            return top(docs, total, wanted)
        held = np.sum([part > 0 for part in parts], axis=0)
        # Below one, the score only orders documents holding as many clauses.
        best, _ = top(docs, held + total / (total.max() + 1.0), wanted)
        return best, total[np.searchsorted(docs, best)]

    def _feedback_applies(self, plan: Node, leaves: Sequence[Leaf]) -> bool:
        base = plan.keep if isinstance(plan, Exclude) else plan
        return (isinstance(base, Any) and len(leaves) >= self.params.feedback_min_words
                and all(isinstance(c, Word) for c in base.children))

    def _with_proximity(self, words: list[Word], parts: list[np.ndarray], docs: np.ndarray,
                        base: np.ndarray, wanted: int) -> np.ndarray:
        """`base` plus the proximity bonus where it could lift a document into the top.

        A pair's bonus is at most its words' scores: documents are checked most hopeful
        first, until none left could reach the top even with its whole bonus.
        """
        p = self.params
        pairs = [(a, b, p.proximity_boost * (sa + sb) * ((sa > 0) & (sb > 0)))
                 for (a, sa), (b, sb) in zip(zip(words, parts), zip(words[1:], parts[1:]))
                 if a.term != b.term and set(a.fields) & set(b.fields)]
        if not pairs:
            return base
        ceiling = np.sum([bonus for _, _, bonus in pairs], axis=0)
        reach = base + ceiling * (1 + 1e-9)
        hopeful = np.flatnonzero(ceiling > 0)
        hopeful = hopeful[np.argsort(-reach[hopeful], kind="stable")]
        final = base.copy()
        checked, batch = 0, max(wanted, 32)
        while checked < len(hopeful):
            if checked and len(final) >= wanted:
                kth = np.partition(final, len(final) - wanted)[len(final) - wanted]
                if reach[hopeful[checked]] < kth:
                    break
            batch_idx = np.sort(hopeful[checked:checked + batch])
            for a, b, bonus in pairs:
                close = self._close(a, b, docs[batch_idx])
                final[batch_idx[close]] += bonus[batch_idx[close]]
            checked += batch
            batch *= 2
        return final

    def _close(self, a: Word, b: Word, docs: np.ndarray) -> np.ndarray:
        """For each of `docs`, whether `b` follows `a` within the slop in a shared field."""
        close = np.zeros(len(docs), dtype=bool)
        for fieldname in (f for f in a.fields if f in b.fields):
            first = self.view.positions(fieldname, a.term, docs)
            second = self.view.positions(fieldname, b.term, docs)
            if not len(first) or not len(second):
                continue
            after = np.minimum(np.searchsorted(second, first, side="right"), len(second) - 1)
            gap = second[after] - first
            near = (gap >= 1) & (gap <= self.params.proximity_slop)
            close |= member(docs, np.unique(first[near] >> 32))
        return close

    def _with_feedback(self, words: list[Word], docs: np.ndarray, total: np.ndarray) -> np.ndarray:
        """Scores after RM3 feedback from the best few documents (see the module docstring)."""
        p = self.params
        best_docs, best_scores = top(docs, total, p.feedback_docs)
        weights: Counter[str] = Counter()
        for doc, score in zip(best_docs.tolist(), best_scores.tolist()):
            stored = self.view.stored(doc)
            terms = terms_of(f"{stored.get('title') or ''}\n{stored.get('body') or ''}")
            for term, n in Counter(terms).items():
                weights[term] += score * n / len(terms)
        chosen = weights.most_common(p.feedback_terms)
        mass = sum(w for _, w in chosen)
        if mass <= 0:
            return total
        typed = sum(w.boost for w in words)
        scale = typed * p.feedback_share / (1.0 - p.feedback_share) / mass
        boosts = {w.term: w.boost for w in words}
        for term, weight in chosen:
            boosts[term] = boosts.get(term, 0.0) + weight * scale
        fields = words[0].fields
        expanded = [Word(term, fields, boost) for term, boost in boosts.items()]
        return self.scores(expanded, docs)[0]


def top(docs: np.ndarray, scores: np.ndarray, wanted: int) -> tuple[np.ndarray, np.ndarray]:
    """The `wanted` highest-scoring documents, best first; ties by document number."""
    if wanted < len(docs):
        cut = np.argpartition(-scores, wanted - 1)[:wanted]
        # Everything tied with the last one kept competes, so ties break by document.
        threshold = scores[cut].min()
        cut = np.flatnonzero(scores >= threshold)
    else:
        cut = np.arange(len(docs))
    order = np.lexsort((docs[cut], -scores[cut]))[:wanted]
    return docs[cut][order], scores[cut][order]


def by_date(docs: np.ndarray, dates: np.ndarray, wanted: int, newest: bool) -> np.ndarray:
    """The first `wanted` of `docs` by date (newest or oldest first); undated documents
    come last either way, ties by document number."""
    when = dates[docs]
    if newest:  # undated (NO_DATE, the smallest value) sort last already
        if wanted < len(docs):
            threshold = np.partition(when, len(when) - wanted)[len(when) - wanted]
            cut = np.flatnonzero(when >= threshold)
        else:
            cut = np.arange(len(docs))
        order = np.lexsort((-docs[cut], when[cut]))[::-1]
    else:
        key = np.where(when == NO_DATE, np.iinfo(np.int64).max, when)
        if wanted < len(docs):
            threshold = np.partition(key, wanted - 1)[wanted - 1]
            cut = np.flatnonzero(key <= threshold)
        else:
            cut = np.arange(len(docs))
        order = np.lexsort((docs[cut], key[cut]))
    return docs[cut][order][:wanted]
