"""Which documents a query plan matches: set algebra on sorted arrays of document numbers.

Every node of a plan (querying.py) becomes an ascending array of document numbers:
a word is the union of its postings in its fields, AND an intersection (the smaller
array binary-searched into the larger), OR a union, NOT a difference. A phrase
intersects its words' documents first, then their positions, each word's shifted by
its distance from the first. Wildcard and fuzzy words are expanded through the words
of the archive as written, then stemmed like any word.

What scoring needs later is kept on the `Matcher`: each phrase's frequency in each
document it matched, and the words each expansion reached.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import reduce

import numpy as np

from ..errors import QueryError, QueryTimeout
from .analysis import language
from .querying import (
    All,
    Any,
    DateRange,
    Everything,
    Exclude,
    Expansion,
    FacetValue,
    Node,
    Nothing,
    Phrase,
    Word,
)
from .segment import NO_DATE
from .view import IndexView

MAX_EXPANSION = 1_000  # words one wildcard or fuzzy clause may reach
EMPTY = np.zeros(0, dtype=np.int64)


def member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of ascending `a`, whether ascending `b` holds it."""
    found = np.zeros(len(a), dtype=bool)
    if not len(a) or not len(b):
        return found
    at = np.searchsorted(b, a)
    inside = at < len(b)
    found[inside] = b[at[inside]] == a[inside]
    return found


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ascending `a` ∩ ascending `b`: the smaller one looked up in the larger."""
    if len(a) > len(b):
        a, b = b, a
    return a[member(a, b)] if len(a) else EMPTY


def union(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The union of ascending arrays, ascending."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return EMPTY
    if len(arrays) == 1:
        return arrays[0]
    # A stable sort of sorted runs is a merge (timsort finds the runs): linear time.
    merged = np.sort(np.concatenate([a.astype(np.int64) for a in arrays]), kind="stable")
    keep = np.ones(len(merged), dtype=bool)
    keep[1:] = merged[1:] != merged[:-1]
    return merged[keep]


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[~member(a, b)] if len(a) and len(b) else a


def meeting(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ascending `keys` meet ascending `wanted`: (indices into `wanted`, the
    `values` there). The shorter array is looked up in the longer."""
    if not len(keys) or not len(wanted):
        return np.zeros(0, dtype=np.int64), values[:0]
    if len(keys) <= len(wanted):
        at = np.minimum(np.searchsorted(wanted, keys), len(wanted) - 1)
        hit = wanted[at] == keys
        return at[hit], values[hit]
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[at] == wanted
    return np.flatnonzero(hit), values[at[hit]]


class Matcher:
    """Evaluates plans over one view; keeps what scoring needs (see module docstring)."""

    def __init__(self, view: IndexView, deadline: float | None = None) -> None:
        self.view = view
        self.deadline = deadline  # time.monotonic() past which the search is stopped
        self.phrase_freqs: dict[tuple[Phrase, str], tuple[np.ndarray, np.ndarray]] = {}
        self.expanded: dict[Expansion, tuple[Word, ...]] = {}
        self._word_docs: dict[Word, np.ndarray] = {}

    def check_time(self) -> None:
        """Stop a search past its budget (checked between steps, so a step runs whole)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("the query took too long and was stopped: make it narrower "
                               "(fewer wildcards, fuzzy words or very common words)")

    def docs(self, node: Node) -> np.ndarray:
        """The documents `node` matches, ascending (deleted and duplicates included)."""
        self.check_time()
        if isinstance(node, Word):
            return self.word_docs(node)
        if isinstance(node, FacetValue):
            return self.view.facet_docs(node.facet, node.value)
        if isinstance(node, Phrase):
            return union([self.phrase_frequencies(node, f)[0] for f in node.fields])
        if isinstance(node, Expansion):
            return union([self.word_docs(w) for w in self.expand(node)])
        if isinstance(node, All):
            return self._all(node.children)
        if isinstance(node, Any):
            return union([self.docs(c) for c in node.children])
        if isinstance(node, Exclude):
            kept = self.docs(node.keep)
            return difference(kept, self.docs(node.drop)) if len(kept) else EMPTY
        if isinstance(node, Everything):
            return np.arange(self.view.doc_count, dtype=np.int64)
        if isinstance(node, Nothing):
            return EMPTY
        if isinstance(node, DateRange):
            return self._dates(node)
        raise TypeError(f"no matching rule for {type(node).__name__}")

    def _all(self, children: Sequence[Node]) -> np.ndarray:
        # Cheapest first: words and facet values cost one read; their intersection
        # often empties the set before a phrase or date range must be computed.
        ordered = sorted(children, key=lambda c: not isinstance(c, (Word, FacetValue)))
        result: np.ndarray | None = None
        for child in ordered:
            docs = self.docs(child)
            result = docs if result is None else intersect(result, docs)
            if not len(result):
                return EMPTY
        return EMPTY if result is None else result

    def word_docs(self, word: Word) -> np.ndarray:
        found = self._word_docs.get(word)
        if found is None:
            found = union([self.view.postings(f, word.term)[0] for f in word.fields])
            self._word_docs[word] = found
        return found

    def _dates(self, node: DateRange) -> np.ndarray:
        dates = self.view.dates
        inside = dates != NO_DATE
        if node.start is not None:
            inside &= dates >= node.start
        if node.end is not None:
            inside &= dates < node.end
        return np.flatnonzero(inside)

    def phrase_frequencies(self, phrase: Phrase, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents holding the phrase in one field, how often each holds it)."""
        found = self.phrase_freqs.get((phrase, fieldname))
        if found is None:
            found = self.phrase_freqs[(phrase, fieldname)] = self._phrase(phrase, fieldname)
        return found

    def _phrase(self, phrase: Phrase, fieldname: str) -> tuple[np.ndarray, np.ndarray]:
        candidates = reduce(intersect, (self.view.postings(fieldname, t)[0] for t in phrase.terms))
        if not len(candidates):
            return EMPTY, EMPTY
        # A key is doc << 32 | position; shifting each word back by its offset makes
        # the words of one occurrence share the key of its first word.
        keys = [self.view.positions(fieldname, t, candidates) - offset
                for t, offset in zip(phrase.terms, phrase.offsets)]
        return np.unique(reduce(intersect, keys) >> 32, return_counts=True)

    def phrase_starts(self, phrase: Phrase, fieldname: str, doc: int) -> np.ndarray:
        """Positions where the phrase starts in one document's field."""
        one = np.array([doc], dtype=np.int64)
        keys = [self.view.positions(fieldname, t, one) - offset
                for t, offset in zip(phrase.terms, phrase.offsets)]
        return reduce(intersect, keys) & 0xFFFFFFFF

    def expand(self, node: Expansion) -> tuple[Word, ...]:
        """The words a wildcard or fuzzy clause reaches, as index terms."""
        found = self.expanded.get(node)
        if found is not None:
            return found
        if node.kind == "fuzzy":
            matches, cut = self.view.spelling.within(node.pattern, node.distance, limit=MAX_EXPANSION)
            words = [w for w, _, _ in matches]
            if cut:
                raise QueryError(f"too broad: {node.pattern}~{node.distance} reaches over "
                                 f"{MAX_EXPANSION:,} words; use a longer word or fewer edits")
        else:
            words = self.view.words_matching(node.pattern, node.kind)
            if len(words) > MAX_EXPANSION:
                shown = node.pattern + ("*" if node.kind == "prefix" else "")
                raise QueryError(f"too broad: {shown} expands to {len(words):,} words "
                                 f"(at most {MAX_EXPANSION:,}); make it longer")
        return self.set_expansion(node, words)

    def set_expansion(self, node: Expansion, words: Sequence[str]) -> tuple[Word, ...]:
        """Make `node` reach `words` (as written, in order): those found in this index, or
        in every shard of a sharded archive."""
        lang = language(node.language)
        terms = dict.fromkeys(lang.stems([w for w in words if not lang.is_stop_word(w)]))
        found = tuple(Word(t, node.fields, node.boost) for t in terms)
        self.expanded[node] = found
        return found
