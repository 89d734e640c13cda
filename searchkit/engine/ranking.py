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
- Proximity, for short queries (a phrase above scattered words): two consecutive words
  standing within `proximity_slop` positions, in order, add `proximity_boost` times
  their two scores; checked only where it could change the top of the list. Queries
  that get feedback (below) do not get it: on the test collections' long requests it
  moved nothing.
- Pseudo-relevance feedback (RM3) for plain-word requests of `feedback_min_words`
  words or more, ranked over any of their words: the words most typical of the best
  documents are added with a share of the weight and the request's matches (never more
  documents) ranked again.

benchmarks/relevance.py measures these choices on six test collections; the figures
are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import log

import numpy as np

from .analysis import ENGLISH, Language
from .fields import TEXT_FIELD_NAMES
from .matching import Matcher, meeting, member
from .querying import All, Any, Exclude, Expansion, Node, Phrase, Word
from .segment import NO_DATE
from .view import IndexView


@dataclass(frozen=True)
class RankingParams:
    """The defaults are the usual ones, not fine-tuned ones (benchmarks/RESULTS.md, "Ranking
    that generalises": chosen by leave-one-out over six test collections, by the worst
    margin over Lucene's BM25): Lucene's k1 and b, a headline weighing half again as much
    as the text, RM3 feedback for requests of five words or more, and proximity for the
    short queries it is there for."""

    k1: float = 1.2
    b: dict[str, float] = field(default_factory=lambda: {"title": 0.75, "body": 0.75})
    # A headline, or the lead sentence titling a story that has none, counts 1.5 times:
    # it says what the story is about (measured: RESULTS.md).
    field_weight: dict[str, float] = field(default_factory=lambda: {"title": 1.5, "body": 1.0})
    proximity_slop: int = 3  # positions count stop words: "stock of the exchange" is 3 apart
    proximity_boost: float = 0.2
    proximity_b: float = 0.5  # length normalisation of the per-field scores behind the bonus
    proximity_max_words: int = 8  # in practice short queries: longer ones get feedback instead
    feedback_min_words: int = 5  # the requests that are ranked over any of their words
    feedback_docs: int = 5  # the best documents feedback learns from
    feedback_terms: int = 10  # the words it adds
    feedback_share: float = 0.2  # of the expanded request's weight, the added words' share


DEFAULT = RankingParams()
EMPTY_INDEX = np.zeros(0, dtype=np.int64)
EMPTY_SCORES = np.zeros(0, dtype=np.float64)

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

    def __init__(self, view: IndexView, matcher: Matcher, params: RankingParams = DEFAULT,
                 lang: Language = ENGLISH, stats: CollectionStats | None = None) -> None:
        self.view, self.matcher, self.params, self.language = view, matcher, params, lang
        # A shard of a larger archive ranks with the whole archive's statistics, so its
        # scores equal those of one index over every article.
        self.stats = stats
        self._n = max(stats.articles if stats is not None else view.live_count, 1)

    def doc_frequency(self, fieldname: str, term: str) -> int:
        if self.stats is not None:
            found = self.stats.doc_frequencies.get((fieldname, term))
            if found is not None:
                return found
        return self.view.doc_frequency(fieldname, term)

    def average_length(self, fieldname: str) -> float:
        if self.stats is not None:
            return self.stats.average_length(fieldname)
        return self.view.average_length(fieldname)

    def idf(self, fields: Sequence[str], term: str) -> float:
        held = max(self.doc_frequency(f, term) for f in fields)
        return log(1.0 + (self._n - held + 0.5) / (held + 0.5))

    def _occurrences(self, leaf: Leaf, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents, occurrences) of a clause in one field: a word's postings, or how
        often a phrase occurs in each document holding it."""
        if isinstance(leaf, Word):
            return self.view.postings(fieldname, leaf.term)
        return self.matcher.phrase_frequencies(leaf, fieldname)

    def norms(self, docs: np.ndarray) -> dict[str, np.ndarray]:
        """Per text field, BM25's length normalisation of each of `docs`:
        1 - b + b * length / average length."""
        p, view = self.params, self.view
        out = {}
        for fieldname in TEXT_FIELD_NAMES:
            b = p.b.get(fieldname, 0.5)
            out[fieldname] = (1.0 - b) + b * view.norm_lengths(fieldname, docs) / self.average_length(fieldname)
        return out

    def bm25f(self, leaf: Leaf, docs: np.ndarray, norms: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """One clause's BM25F score where it occurs among `docs`: (indices into `docs`,
        scores). `norms` is `self.norms(docs)`."""
        p = self.params
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for fieldname in leaf.fields:
            at, occurrences = meeting(*self._occurrences(leaf, fieldname), docs)
            if len(at):
                found.append((at, p.field_weight.get(fieldname, 1.0) * occurrences / norms[fieldname][at]))
        if not found:
            return EMPTY_INDEX, EMPTY_SCORES
        if len(found) == 1:
            at, tf = found[0]
        else:  # the fields' weighted frequencies added per document, then saturated once
            at, inverse = np.unique(np.concatenate([a for a, _ in found]), return_inverse=True)
            tf = np.bincount(inverse, weights=np.concatenate([t for _, t in found]))
        if isinstance(leaf, Word):
            weight = self.idf(leaf.fields, leaf.term)
        else:
            weight = sum(self.idf(leaf.fields, t) for t in leaf.terms)
        return at, leaf.boost * weight * tf * (p.k1 + 1.0) / (tf + p.k1)

    def scores(self, leaves: Sequence[Leaf], docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(total score of each of `docs`, how many of the clauses each holds)."""
        norms = self.norms(docs)
        total = np.zeros(len(docs), dtype=np.float64)
        held = np.zeros(len(docs), dtype=np.int64)
        for leaf in leaves:
            self.matcher.check_time()
            at, score = self.bm25f(leaf, docs, norms)
            total[at] += score  # `at` holds each document once
            held[at] += 1
        return total, held

    # Ranking --------------------------------------------------------------------------

    def rank(self, plan: Node, docs: np.ndarray, wanted: int, *,
             most_words_first: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The best `wanted` of `docs` (ascending) for `plan`, best first, with scores.

        `most_words_first`: documents holding more of the clauses come first, whatever
        their scores (for a short query that no document answers whole).
        """
        leaves = scored_leaves(plan, self.matcher)
        total, held = self.scores(leaves, docs)
        words = [leaf for leaf in leaves if isinstance(leaf, Word)]
        if self._feedback_applies(plan, leaves):
            total = self._with_feedback(words, docs, total)
        elif 2 <= len(words) <= self.params.proximity_max_words and self.params.proximity_boost > 0:
            total = self._with_proximity(words, docs, total, wanted)
        if not most_words_first or not leaves:
            return top(self.view, docs, total, wanted)
        # More clauses first, then the score, then as `top` breaks ties: compared exactly
        # (one blended float key would round nearly equal scores together, and would
        # depend on the best score of the index, not the same in each shard of an archive).
        chosen, scores = [], []
        for count in np.unique(held)[::-1].tolist():  # most clauses first, a few levels at most
            at = np.flatnonzero(held == count)
            best, best_scores = top(self.view, docs[at], total[at], wanted)
            chosen.append(best)
            scores.append(best_scores)
            wanted -= len(best)
            if wanted <= 0:
                break
        if not chosen:
            return EMPTY_INDEX, EMPTY_SCORES
        return np.concatenate(chosen), np.concatenate(scores)

    def _feedback_applies(self, plan: Node, leaves: Sequence[Leaf]) -> bool:
        base = plan.keep if isinstance(plan, Exclude) else plan
        return (isinstance(base, Any) and len(leaves) >= self.params.feedback_min_words
                and all(isinstance(c, Word) for c in base.children))

    def _with_proximity(self, words: list[Word], docs: np.ndarray, base: np.ndarray,
                        wanted: int) -> np.ndarray:
        """`base` plus the proximity bonus where it could lift a document into the top.

        A pair of consecutive words earns, in each field where the second follows the
        first within the slop, `proximity_boost` times the two words' BM25 scores in that
        field (times the field's weight). That is each document's ceiling: documents are
        checked most hopeful first, until none left could reach the top with it.
        """
        p = self.params
        pairs = []  # (first, second, field, the bonus if they stand close there)
        for a, b in itertools.pairwise(words):
            if a.term == b.term:
                continue
            for fieldname in (f for f in a.fields if f in b.fields):
                sa, sb = self._field_bm25(a, fieldname, docs), self._field_bm25(b, fieldname, docs)
                weight = p.proximity_boost * a.boost * p.field_weight.get(fieldname, 1.0)
                bonus = weight * (sa + sb) * ((sa > 0) & (sb > 0))
                if bonus.any():
                    pairs.append((a, b, fieldname, bonus))
        if not pairs:
            return base
        ceiling = np.sum([bonus for *_, bonus in pairs], axis=0)
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
            for a, b, fieldname, bonus in pairs:
                close = self._close(a.term, b.term, fieldname, docs[batch_idx])
                final[batch_idx[close]] += bonus[batch_idx[close]]
            checked += batch
            batch *= 2
        return final

    def _field_bm25(self, word: Word, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """A word's plain BM25 in one field (its own idf, the common b), for each of `docs`."""
        p = self.params
        out = np.zeros(len(docs), dtype=np.float64)
        at, occurrences = meeting(*self.view.postings(fieldname, word.term), docs)
        if not len(at):
            return out
        idf = self.idf((fieldname,), word.term)
        norm = (1.0 - p.proximity_b) + p.proximity_b * self.view.norm_lengths(fieldname, docs[at]) \
            / self.average_length(fieldname)
        out[at] = idf * occurrences * (p.k1 + 1.0) / (occurrences + p.k1 * norm)
        return out

    def _close(self, first: str, second: str, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """For each of `docs`, whether `second` follows `first` within the slop in a field."""
        a = self.view.positions(fieldname, first, docs)
        b = self.view.positions(fieldname, second, docs)
        if not len(a) or not len(b):
            return np.zeros(len(docs), dtype=bool)
        after = np.minimum(np.searchsorted(b, a, side="right"), len(b) - 1)
        gap = b[after] - a
        near = (gap >= 1) & (gap <= self.params.proximity_slop)
        return member(docs, np.unique(a[near] >> 32))

    def _with_feedback(self, words: list[Word], docs: np.ndarray, total: np.ndarray) -> np.ndarray:
        """Scores after RM3 feedback from the best few documents (see the module docstring)."""
        if self.stats is not None and self.stats.feedback is not None:
            chosen = list(self.stats.feedback)  # chosen from the whole archive's best documents
        else:
            chosen = choose_feedback(self.feedback_sources(docs, total), self.params)
        return self.apply_feedback(words, chosen, docs, total)

    def feedback_sources(self, docs: np.ndarray, total: np.ndarray) -> list[FeedbackSource]:
        """The best few documents by `total`, best first, each with its words' weights."""
        best_docs, best_scores = top(self.view, docs, total, self.params.feedback_docs)
        out = []
        for doc, score in zip(best_docs.tolist(), best_scores.tolist()):
            stored = self.view.stored(doc)
            terms = self.language.terms_of(f"{stored.get('title') or ''}\n{stored.get('body') or ''}")
            weights = tuple((term, score * n / len(terms)) for term, n in Counter(terms).items())
            out.append(FeedbackSource(score, _recency_of(int(self.view.dates[doc])),
                                      int(self.view.idhash[doc]), weights))
        return out

    def apply_feedback(self, words: list[Word], chosen: Sequence[tuple[str, float]], docs: np.ndarray,
                       total: np.ndarray) -> np.ndarray:
        """The request's words plus the `chosen` (word, weight) pairs, scored over `docs`."""
        p = self.params
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


@dataclass(frozen=True)
class CollectionStats:
    """What ranking needs of the whole collection when an index holds only part of it
    (a shard): articles, total field lengths, document frequencies gathered from every
    part, and the feedback words chosen from the whole collection's best documents."""

    articles: int
    length_sums: dict[str, int]
    doc_frequencies: dict[tuple[str, str], int]  # (field, term) → live documents holding it
    feedback: tuple[tuple[str, float], ...] | None = None

    def average_length(self, fieldname: str) -> float:
        # The same arithmetic as IndexView.average_length, so the figures are equal.
        return float(self.length_sums.get(fieldname, 0)) / (self.articles or 1) or 1.0


@dataclass(frozen=True)
class FeedbackSource:
    """One of the best documents feedback learns from: its score, its place among equal
    scores (recency, id hash, as `top` orders them) and (word, weight) in first-seen order."""

    score: float
    recency: int
    idhash: int
    weights: tuple[tuple[str, float], ...]

    def order(self) -> tuple[float, int, int]:
        return (-self.score, self.recency, self.idhash)


def choose_feedback(sources: Sequence[FeedbackSource], params: RankingParams) -> list[tuple[str, float]]:
    """The words feedback adds, with their weights, from the best `feedback_docs` of
    `sources` (gathered from one index or from every shard)."""
    weights: dict[str, float] = {}
    for source in sorted(sources, key=FeedbackSource.order)[:params.feedback_docs]:
        for term, weight in source.weights:
            weights[term] = weights.get(term, 0.0) + weight
    # The order of Counter.most_common: by weight, ties in first-seen order.
    return sorted(weights.items(), key=lambda item: -item[1])[:params.feedback_terms]


def _recency_of(date: int) -> int:
    return int(_recency(np.array([date], dtype=np.int64))[0])

def scores_in_order(scorer: Scorer, leaves: Sequence[Leaf], docs: np.ndarray) -> np.ndarray:
    """The scores of `docs` in any order (a page sorted by date): scoring wants them ascending."""
    order = np.argsort(docs, kind="stable")
    out = np.empty(len(docs), dtype=np.float64)
    out[order] = scorer.scores(leaves, docs[order])[0]
    return out


def top(view: IndexView, docs: np.ndarray, scores: np.ndarray, wanted: int) -> tuple[np.ndarray, np.ndarray]:
    """The `wanted` highest-scoring documents, best first. Ties go to the newest, then
    by id hash: the same order in any index of the same articles."""
    if wanted < len(docs):
        threshold = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
        cut = np.flatnonzero(scores >= threshold)  # everything tied with the last kept
    else:
        cut = np.arange(len(docs))
    chosen = docs[cut]
    order = np.lexsort((view.idhash[chosen], _recency(view.dates[chosen]), -scores[cut]))[:wanted]
    return chosen[order], scores[cut][order]


def _recency(dates: np.ndarray) -> np.ndarray:
    """A key sorting newest first, undated last."""
    return np.where(dates == NO_DATE, np.iinfo(np.int64).max, -np.maximum(dates, NO_DATE + 1))


def by_date(view: IndexView, docs: np.ndarray, wanted: int, newest: bool) -> np.ndarray:
    """The first `wanted` of `docs` by date (newest or oldest first); undated documents
    last either way; ties by id hash."""
    when = view.dates[docs]
    key = _recency(when) if newest else np.where(when == NO_DATE, np.iinfo(np.int64).max, when)
    if wanted < len(docs):
        threshold = np.partition(key, wanted - 1)[wanted - 1]
        cut = np.flatnonzero(key <= threshold)
    else:
        cut = np.arange(len(docs))
    chosen = docs[cut]
    return chosen[np.lexsort((view.idhash[chosen], key[cut]))][:wanted]
