"""Which documents a query matches, as a set of document numbers, without scoring.

Whoosh's `docs_for_query` walks a tree of matchers one posting at a time in Python:
for a two-word query over title and body that is four union matchers, and a date
range is a union of hundreds of numeric terms (most of the time of a slow query). Here
the same answer is computed with set algebra: each term's posting list is read a
block at a time, and/or/not become set operations. Date ranges are answered from the
per-generation date column. Query types without a set rule (phrases, spans) fall back
to Whoosh, restricted to the documents holding all their words.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from whoosh import query as Q
from whoosh.matching.wrappers import FilterMatcher

from .postings import PostingLists


class DocSets:
    """Matching-document sets for one searcher (one index generation)."""

    def __init__(self, searcher, dates: list[str], postings: PostingLists) -> None:
        self._searcher = searcher
        self._postings_of = postings
        self._reader = reader = searcher.reader()
        self._segments = reader.leaf_readers()  # [(segment reader, docnum offset)]
        self._size = reader.doc_count_all()
        self._deleted: frozenset[int] = frozenset()
        if reader.has_deletions():
            self._deleted = frozenset(range(self._size)) - frozenset(reader.all_doc_ids())
        self._dates = dates  # ISO date per docnum, "" if unknown
        self._by_date: tuple[list[str], list[int]] | None = None

    def docs(self, query: Q.Query) -> set[int]:
        """Live documents matching `query` (duplicates not removed here)."""
        docs = self._eval(query)
        if self._deleted:
            docs -= self._deleted
        return docs

    def _all(self) -> set[int]:
        return set(range(self._size))

    # The sets built below may include deleted documents; `docs` removes them once.

    def _eval(self, q: Q.Query) -> set[int]:
        if isinstance(q, Q.Term):
            return self._term(q.fieldname, q.text)
        if isinstance(q, Q.Every):
            return self._all()
        if isinstance(q, Q.NullQuery.__class__):
            return set()
        if isinstance(q, Q.DateRange):
            return self._date_range(q)
        if isinstance(q, (Q.Or, Q.DisjunctionMax)) and not getattr(q, "minmatch", 0):
            return _union(self._eval(sub) for sub in q.subqueries)
        if isinstance(q, Q.And):
            return self._all_of(q.subqueries)
        if isinstance(q, Q.AndNot):
            return self._eval(q.a) - self._eval(q.b)
        if isinstance(q, Q.AndMaybe):
            return self._eval(q.a)
        if isinstance(q, Q.Require):
            return self._eval(q.a) & self._eval(q.b)
        if isinstance(q, Q.Not):
            return self._all() - self._eval(q.query)
        if isinstance(q, Q.ConstantScoreQuery):
            return self._eval(q.child)
        if isinstance(q, Q.MultiTerm) and not isinstance(q, Q.NumericRange):
            # Wildcard, prefix, fuzzy: the words they reach, expanded per segment as
            # Whoosh does (a segment's fuzzy words come from its spelling list).
            return self._postings(q.fieldname, lambda segment: q._btexts(segment))
        return self._whoosh(q)

    def _all_of(self, subqueries: Iterable[Q.Query]) -> set[int]:
        positive = [s for s in subqueries if not isinstance(s, Q.Not)]
        negative = [s.query for s in subqueries if isinstance(s, Q.Not)]
        result = self._eval(positive[0]) if positive else self._all()
        for sub in positive[1:]:
            if not result:
                break
            result &= self._eval(sub)
        for sub in negative:
            if not result:
                break
            result -= self._eval(sub)
        return result

    def _term(self, fieldname: str, text) -> set[int]:
        return set(self._postings_of.get(fieldname, text)[0])

    def _postings(self, fieldname: str, words: Callable[[object], Iterable]) -> set[int]:
        """Documents holding any of `words(segment)` in `fieldname`, over all segments."""
        docs: set[int] = set()
        for segment, offset in self._segments:
            for text in words(segment):
                if (fieldname, text) not in segment:
                    continue
                matcher = segment.postings(fieldname, text)
                if isinstance(matcher, FilterMatcher):  # deletions: removed later, all at once
                    matcher = matcher.child
                docs.update(_ids(matcher) if not offset else (d + offset for d in _ids(matcher)))
        return docs

    def _date_range(self, q: Q.DateRange) -> set[int]:
        dates, docnums = self._sorted_dates()
        lo = 0
        if q.startdate is not None:
            start = q.startdate.isoformat()
            lo = (bisect.bisect_right if q.startexcl else bisect.bisect_left)(dates, start)
        hi = len(dates)
        if q.enddate is not None:
            end = q.enddate.isoformat()
            hi = (bisect.bisect_left if q.endexcl else bisect.bisect_right)(dates, end)
        return set(docnums[lo:hi])

    def _sorted_dates(self) -> tuple[list[str], list[int]]:
        """Dated documents in date order, built on the first date query of a generation."""
        if self._by_date is None:
            dates = self._dates
            order = sorted((d for d in range(len(dates)) if dates[d]), key=dates.__getitem__)
            self._by_date = ([dates[d] for d in order], order)
        return self._by_date

    def _whoosh(self, q: Q.Query) -> set[int]:
        """Whoosh's own walk, over the documents holding every word of `q` only."""
        words = [Q.Term(f, t) for f, t in q.terms()] if q.has_terms() else []
        if words and not isinstance(q, (Q.Or, Q.DisjunctionMax)):
            candidates = self._all_of(words)
            if not candidates:
                return set()
            return set(self._searcher.docs_for_query(q)) & candidates
        return set(self._searcher.docs_for_query(q))


def _ids(matcher) -> Iterable[int]:
    """Every document number of one term's postings, a block at a time where possible."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):  # whoosh3 block reader
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            yield from matcher._ids
            matcher._next_block()
    else:
        yield from matcher.all_ids()


def _union(sets: Iterable[set[int]]) -> set[int]:
    out: set[int] = set()
    for s in sets:
        out |= s
    return out
