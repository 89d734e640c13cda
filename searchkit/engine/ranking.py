"""How searchkit ranks: the weighting model and the query-side ranking rules.

Measured on six classic IR test collections (benchmarks/relevance.py, results in
benchmarks/RESULTS.md). What the defaults are, and why:

- BM25 with Lucene's idf, log(1 + (N - n + .5) / (n + .5)): it approaches 0 for a word
  in nearly every document, where Whoosh's never falls below 1 and lets the filler
  words of a long request ("articles", "interested") swamp its content words.
- Query-term frequency: Whoosh's parser keeps each word once; a word typed twice
  counts twice here (its clause is boosted by its count), as in Lucene.
- Headline and text are scored as one document (BM25F, see FieldsWord), a headline
  occurrence of a word counting TITLE_BOOST (in querying.py, 1.75) times a text one,
  each field's frequency normalised by its own length against its average (b = 0.6
  for headlines, B = 0.5 for text), then saturated once with K1 = 2.0. Normalising
  the two fields' summed length instead (as before 2026-11-22, with k1 1.5, b .75,
  headline x1.5: .360 mean MAP) let short headline-only records (CACM) and long
  headlines (LISA) distort scores, and spoiled feedback: with it, CACM fell to .29.
  Measured with feedback (mean MAP; CACM, ADI, LISA): k1 1.5, b .75, headline .75,
  x1.5 .374 (.341, .396, .361); k1 2.0, b .5, headline .6, x1.75 .376 (.349, .403,
  .362). LISA moves by .008 between neighbouring headline b (.5 .353, .6 .362, .75
  .353, .9 .362): its 35 requests make it noisy.
- Proximity: for a query of at most PROXIMITY_MAX_WORDS words, a document where two
  consecutive query words stand within PROXIMITY_SLOP positions of each other, in
  order, earns PROXIMITY_BOOST times their scores again, so "stock exchange" outranks
  "stock" and "exchange" far apart. In long requests neighbouring words are rarely a
  phrase; measured (k1=1.2): .3565 mean MAP at 8 words, .3545 at 12, .3558 with none.
- All-words first: for a query of at most TIER_MAX_WORDS words, documents holding all
  of them rank above those holding some (what a news reader expects of a short query);
  a longer query is ranked as one list by score, since a document holding every word
  of a twenty-word request hardly exists and the strict tier then only adds noise.
  Measured: tiering at 4 words .3565 mean MAP, no tier at all .3562.
- Pseudo-relevance feedback (RM3, with_feedback) for requests of FEEDBACK_MIN_WORDS
  words or more: the FEEDBACK_TERMS words most typical of the FEEDBACK_DOCS best
  documents are added, with FEEDBACK_SHARE of the weight, and the request's matches
  ranked again. It lifts CRAN, CISI and MED by .02-.03 MAP; more of it hurts CACM and
  ADI (share .5, 20 words from 10 documents: cacm .295, adi .376); measured at k1 1.5:
  share .2, 10 words, 5 documents .374 mean; 3 documents .368; 20 words .370; share
  .3 .372; words chosen by weight x idf instead .373. Short queries are left alone.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections import Counter
from collections.abc import Iterator
from math import log

from whoosh import matching
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh import query as Q
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

from .postings import PostingLists

K1 = 2.0
B = 0.5
FIELD_B = {"title": 0.6}  # length normalisation per field in FieldsWord; others get B
PROXIMITY_SLOP = 3
PROXIMITY_BOOST = 0.25
TIER_MAX_WORDS = 4
PROXIMITY_MAX_WORDS = 8
FEEDBACK_MIN_WORDS = PROXIMITY_MAX_WORDS + 1  # requests this long are re-ranked by feedback
FEEDBACK_DOCS = 5  # the best documents of the first ranking that feedback learns from
FEEDBACK_TERMS = 10  # the words it adds
FEEDBACK_SHARE = 0.2  # of the expanded request's weight, the share of the added words

_QUOTED = re.compile(r'"[^"]*"')


class LuceneBM25(WeightingModel):
    """BM25 per field, with Lucene's idf (never negative, near 0 for ubiquitous words)."""

    def __init__(self, k1: float = K1, b: float = B) -> None:
        self.k1, self.b = k1, b

    def supports_block_quality(self) -> bool:
        return True

    def idf(self, searcher, fieldname: str, text) -> float:
        n = searcher.doc_frequency(fieldname, text)
        total = searcher.doc_count_all()
        return log(1.0 + (total - n + 0.5) / (n + 0.5))

    def scorer(self, searcher, fieldname: str, text, qf: int = 1):
        if not searcher.schema[fieldname].scorable:  # source:, place:, topic: keywords
            return WeightScorer.for_(searcher, fieldname, text)
        return _BM25Scorer(searcher, fieldname, text, self.k1, self.b)


class _BM25Scorer(WeightLengthScorer):
    def __init__(self, searcher, fieldname: str, text, k1: float, b: float) -> None:
        parent = searcher.get_parent()  # collection statistics come from the top searcher
        self.idf = parent.idf(fieldname, text)
        self.avgfl = parent.avg_field_length(fieldname) or 1.0
        self.k1, self.b = k1, b
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: float) -> float:
        norm = self.k1 * (1.0 - self.b + self.b * length / self.avgfl)
        return self.idf * weight * (self.k1 + 1.0) / (weight + norm)


class FieldsWord(Q.Or):
    """One word searched in several fields, scored as BM25F: one saturated score.

    The word's frequency in each field is normalised by that field's length (against
    the field's average, with the field's b from FIELD_B), times the field's boost;
    these are added and saturated once (see bm25f), with the idf of the documents
    holding the word in any field. Summing per-field BM25 scores instead would count a
    word in both headline and text twice and give headline words the idf of a short
    field. That document frequency is taken as the largest of the fields' (as Lucene's
    CombinedFieldQuery does): counting the union exactly would walk every posting of
    the word on every search.
    """

    def matcher(self, searcher, context=None):
        parts = [(t.fieldname, t.boost, Q.Term(t.fieldname, t.text).matcher(searcher, context))
                 for t in self.subqueries]
        parts = [part for part in parts if part[2].is_active()]
        if not parts:
            return matching.NullMatcher()
        parent = searcher.get_parent()  # collection statistics come from the top searcher
        reader = searcher.reader()
        fields = {t.fieldname: _FieldNorm(parent, t.fieldname) for t in self.subqueries}
        return _FieldsMatcher(parts, self.boost * fields_idf(parent, self.subqueries), fields,
                              lambda docid, field: reader.doc_field_length(docid, field, 0) or 0)


def fields_idf(searcher, terms) -> float:
    """Lucene's idf of a word over several fields, taking the largest document frequency."""
    held = max(searcher.doc_frequency(t.fieldname, t.text) for t in terms)
    total = searcher.doc_count_all()
    return log(1.0 + (total - held + 0.5) / (held + 0.5))


class _FieldNorm:
    """BM25's length normalisation in one field: tf / (1 - b + b * length / average)."""

    def __init__(self, searcher, fieldname: str) -> None:
        b = FIELD_B.get(fieldname, B)
        self.base = 1.0 - b
        self.per_length = b / (searcher.avg_field_length(fieldname) or 1.0)

    def __call__(self, tf: float, length: float) -> float:
        return tf / (self.base + self.per_length * length)


def bm25f(weight: float, tf: float) -> float:
    """A word's score from its length-normalised, boosted frequency summed over fields."""
    return weight * tf * (K1 + 1.0) / (tf + K1)


class _FieldsMatcher(matching.Matcher):
    """The union of one word's postings in several fields, scored by FieldsWord's rule."""

    def __init__(self, parts, weight, fields, field_length) -> None:
        self._parts, self._weight, self._fields = parts, weight, fields
        self._field_length = field_length

    def _active(self):
        return [m for _, _, m in self._parts if m.is_active()]

    def is_active(self) -> bool:
        return any(m.is_active() for _, _, m in self._parts)

    def id(self) -> int:
        return min(m.id() for m in self._active())

    def next(self) -> bool:
        current = self.id()
        for m in self._active():
            if m.id() == current:
                m.next()
        return False

    def skip_to(self, docid: int) -> bool:
        for m in self._active():
            if m.id() < docid:
                m.skip_to(docid)
        return False

    def reset(self) -> None:
        for _, _, m in self._parts:
            m.reset()

    def copy(self):
        parts = [(f, boost, m.copy()) for f, boost, m in self._parts]
        return _FieldsMatcher(parts, self._weight, self._fields, self._field_length)

    def supports(self, astype) -> bool:
        return all(m.supports(astype) for _, _, m in self._parts)

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self._weight * (K1 + 1.0)

    def weight(self) -> float:
        current = self.id()
        return sum(m.weight() for m in self._active() if m.id() == current)

    def score(self) -> float:
        docid = self.id()
        tf = 0.0
        for field, boost, m in self._parts:
            if m.is_active() and m.id() == docid:
                tf += boost * self._fields[field](m.weight(), self._field_length(docid, field))
        return bm25f(self._weight, tf)


def fielded(query: Q.Query) -> Q.Query:
    """`query` with each word searched in several fields scored as one (FieldsWord)."""

    def combine(clause: Q.Query) -> Q.Query:
        if clause.is_leaf():
            return clause
        return FieldsWord(list(clause.leaves()), boost=clause.boost)

    return _map_words(query, combine)


def weight_repeats(query: Q.Query, text: str, analyzer) -> Q.Query:
    """`query` with each word clause boosted by how often the word occurs in `text`."""
    counts = Counter(token.text for token in analyzer(_QUOTED.sub(" ", text)))
    if not any(n > 1 for n in counts.values()):
        return query

    def boost(clause: Q.Query) -> Q.Query:
        n = counts.get(word_of(clause), 1)
        return clause.with_boost(clause.boost * n) if n > 1 else clause

    return _map_words(query, boost)


def _map_words(query: Q.Query, fn) -> Q.Query:
    """`query` with `fn` applied to each word clause outside NOT."""
    if word_of(query) is not None:
        return fn(query)
    if isinstance(query, (Q.And, Q.Or)):
        return query.__class__([_map_words(c, fn) for c in query.subqueries], boost=query.boost)
    if isinstance(query, Q.AndNot):
        return Q.AndNot(_map_words(query.a, fn), query.b)
    return query


def word_clauses(query: Q.Query) -> list[Q.Query]:
    """The plain-word clauses of a query outside NOT, in the order they were typed."""
    found: list[Q.Query] = []
    _map_words(query, lambda clause: found.append(clause) or clause)
    return found


def word_of(clause: Q.Query) -> str | None:
    """The analysed word a clause searches for, in any field, or None if not one word."""
    if type(clause) is Q.Term:
        leaves = [clause]
    elif isinstance(clause, Q.Or) and all(type(c) is Q.Term for c in clause.subqueries):
        leaves = list(clause.subqueries)  # one word in title and body
    else:  # a phrase, a NOT, a wildcard...: not a plain word
        return None
    words = {leaf.text for leaf in leaves}
    return words.pop() if len(words) == 1 else None


def tiers(query: Q.Query, relaxed: Q.Query | None) -> tuple[Q.Query, Q.Query | None]:
    """(what ranks first, what ranks after it or None) for a compiled query.

    A query of at most TIER_MAX_WORDS words keeps its all-words tier; a longer one is
    ranked as one list, its any-word form by score. Proximity counts for queries of
    at most PROXIMITY_MAX_WORDS words.
    """
    words = len(word_clauses(query))

    def scored(q: Q.Query) -> Q.Query:
        q = fielded(q)
        return with_proximity(q) if words <= PROXIMITY_MAX_WORDS else q

    if relaxed is not None and words <= TIER_MAX_WORDS:
        return scored(query), scored(relaxed)
    return scored(relaxed or query), None


def with_proximity(query: Q.Query) -> Q.Query:
    """`query`, scored higher where consecutive words of it stand close together.

    Matches exactly what `query` matches: the proximity clauses only add to scores.
    """
    clauses = word_clauses(query)
    pairs = []
    for first, second in zip(clauses, clauses[1:]):
        for a, b in zip(_terms(first), _terms(second)):
            if a.fieldname == b.fieldname and a.text != b.text:
                pairs.append(Q.Phrase(a.fieldname, [a.text, b.text], slop=PROXIMITY_SLOP,
                                      boost=PROXIMITY_BOOST * a.boost))
    if not pairs or PROXIMITY_BOOST <= 0:
        return query
    return Q.AndMaybe(query, Q.Or(pairs))


def feedback_base(query: Q.Query) -> list[FieldsWord] | None:
    """The word clauses feedback would expand in a scored query (from `tiers`), or None.

    Only a long request of plain words qualifies: a natural-language request, ranked as
    one list by score, where a word the top documents share is likely on its topic.
    """
    base = query.a if isinstance(query, Q.AndNot) else query
    words = getattr(base, "subqueries", None)
    if type(base) is not Q.Or or not words or len(words) < FEEDBACK_MIN_WORDS \
            or not all(isinstance(w, FieldsWord) for w in words):
        return None
    return list(words)


def with_feedback(query: Q.Query, top: list[tuple[list[str], float]]) -> Q.Query:
    """`query` (see feedback_base) expanded with the words of its best documents (RM3).

    `top` holds each of the best documents' analysed words with its first score. A
    word weighs what it is of each document's words, times that document's score,
    summed; the FEEDBACK_TERMS heaviest share FEEDBACK_SHARE of the expanded query's
    weight. The documents searched are not changed (the searcher ranks the request's
    matches), only their order.
    """
    words = feedback_base(query)
    if words is None or not top:
        return query
    weights: Counter[str] = Counter()
    for tokens, score in top:
        for word, n in Counter(tokens).items():
            weights[word] += score * n / len(tokens)
    chosen = weights.most_common(FEEDBACK_TERMS)
    total = sum(w for _, w in chosen)
    if total <= 0:
        return query
    typed = sum(w.boost for w in words)
    scale = typed * FEEDBACK_SHARE / (1.0 - FEEDBACK_SHARE) / total
    boosts = {word_of(w): w.boost for w in words}
    for word, weight in chosen:
        boosts[word] = boosts.get(word, 0.0) + weight * scale
    template = words[0]
    expanded = Q.Or([
        FieldsWord([Q.Term(t.fieldname, word, boost=t.boost) for t in template.subqueries], boost=boost)
        for word, boost in boosts.items()
    ])
    return Q.AndNot(expanded, query.b) if isinstance(query, Q.AndNot) else expanded


def _terms(clause: Q.Query) -> list[Q.Term]:
    return [clause] if clause.is_leaf() else list(clause.leaves())


class WordScorer:
    """Top hits of plain-word queries, scored a posting list at a time.

    Whoosh scores through a tree of matchers, one Python call per posting and field:
    250 ms for `said` over Reuters. For the common query, words only (what `tiers`
    builds from FieldsWord clauses), the same FieldsWord scores are computed here by
    walking each word's postings block by block, then ranking the candidates. Anything
    else (phrases, wildcards, field clauses) returns None and goes to Whoosh.
    """

    def __init__(self, searcher, postings: PostingLists) -> None:
        self._searcher = searcher
        self._posting_lists = postings
        self._segments = searcher.reader().leaf_readers()  # [(segment reader, offset)]
        self._lengths: dict[tuple[str, ...], list[int]] = {}

    def top(self, query: Q.Query, docs: set[int], wanted: int) -> list[tuple[int, float]] | None:
        """The `wanted` best of `docs` for `query`, or None if it is not words only.

        A proximity bonus (AndMaybe) is left out of the fast pass, then added to the
        few documents it could lift into the top (see _with_bonus).
        """
        base, bonus = (query.a, query.b) if isinstance(query, Q.AndMaybe) else (query, None)
        if isinstance(base, Q.AndNot):  # NOT only removes documents; `docs` has done that
            base = base.a
        words = [base] if isinstance(base, FieldsWord) else getattr(base, "subqueries", None)
        if not words or not isinstance(base, (FieldsWord, Q.And, Q.Or)) \
                or not all(isinstance(w, FieldsWord) for w in words):
            return None
        scores: dict[int, float] = {}
        for word in words:
            for docnum, score in self._word_scores(word).items():
                scores[docnum] = scores.get(docnum, 0.0) + score
        def order(d: int) -> tuple[float, int]:
            return (-scores.get(d, 0.0), d)

        if bonus is None:
            return [(d, scores.get(d, 0.0)) for d in heapq.nsmallest(wanted, docs, key=order)]
        return self._with_bonus(bonus, docs, scores, wanted)

    def _with_bonus(self, bonus: Q.Query, docs: set[int], scores: dict[int, float],
                    wanted: int) -> list[tuple[int, float]]:
        """The best `wanted` of `docs` once the proximity bonus is added to `scores`.

        A pair's bonus in a document is its boost times what its two words score in
        that field when they stand close (Whoosh's Phrase with PROXIMITY_SLOP, see
        with_proximity), else nothing. That score is each document's ceiling, and only
        documents holding a pair have one. Those are checked for closeness most
        hopeful first, until none left could enter the top even with its whole ceiling.
        """
        pairs = self._pairs(bonus, docs)
        ceilings: dict[int, float] = {}
        for _, _, _, scored in pairs:
            for d, score in scored.items():
                ceilings[d] = ceilings.get(d, 0.0) + score
        # The best score each could reach (a hair more, against rounding), best first.
        reach = {d: scores.get(d, 0.0) + ceiling * (1 + 1e-9) for d, ceiling in ceilings.items()}
        hopeful = sorted(reach, key=lambda d: (-reach[d], d))
        bonuses: dict[int, float] = {}

        def final(d: int) -> float:
            return scores.get(d, 0.0) + bonuses.get(d, 0.0)

        checked, batch = 0, max(wanted, 20)
        while checked < len(hopeful):
            if checked:  # the `wanted`-th best so far; unchecked documents count without bonus
                best = heapq.nlargest(wanted, map(final, docs))
                if len(best) == wanted and reach[hopeful[checked]] < best[-1]:
                    break
            bonuses.update(self._bonuses(pairs, sorted(hopeful[checked:checked + batch])))
            checked += batch
            batch *= 2
        return [(d, final(d)) for d in heapq.nsmallest(wanted, docs, key=lambda d: (-final(d), d))]

    def _pairs(self, bonus: Q.Query, docs: set[int]) -> list[tuple[str, str, str, dict[int, float]]]:
        """(field, first word, second word, {document: the pair's bonus if close}) for
        each proximity pair, over the `docs` holding both words in that field."""
        pairs = []
        for phrase in bonus.leaves() if not bonus.is_leaf() else [bonus]:
            first, second = phrase.words
            a, b = (self._field_scores(phrase.fieldname, word) for word in phrase.words)
            scored = {d: phrase.boost * (a[d] + b[d]) for d in a.keys() & b.keys() & docs}
            pairs.append((phrase.fieldname, first, second, scored))
        return pairs

    def _bonuses(self, pairs, docnums: list[int]) -> dict[int, float]:
        """The proximity bonus of each of `docnums` (ascending): the pairs whose first
        word stands 1 to PROXIMITY_SLOP positions before the second, as Whoosh's
        SpanNear2 (ordered, mindist 1) decides it."""
        bonuses: dict[int, float] = {}
        for fieldname, first, second, scored in pairs:
            wanted = [d for d in docnums if d in scored]
            before = self._positions(fieldname, first, wanted)
            after = self._positions(fieldname, second, wanted)
            for d in wanted:
                if _close(before.get(d, ()), after.get(d, ())):
                    bonuses[d] = bonuses.get(d, 0.0) + scored[d]
        return bonuses

    def _positions(self, fieldname: str, text: str, docnums: list[int]) -> dict[int, list[int]]:
        """Where a word stands in a field of each of `docnums` (ascending) holding it."""
        btext = text.encode("utf-8")
        found: dict[int, list[int]] = {}
        for segment, offset in self._segments:
            end = offset + segment.doc_count_all()
            here = [d - offset for d in docnums if offset <= d < end]
            if not here or (fieldname, btext) not in segment:
                continue
            matcher = segment.postings(fieldname, btext)
            for docnum in here:
                if matcher.is_active() and matcher.id() < docnum:
                    matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
                if matcher.id() == docnum:
                    found[docnum + offset] = matcher.value_as("positions")
        return found

    def _field_scores(self, fieldname: str, text: str) -> dict[int, float]:
        """A word's BM25 in one field (as LuceneBM25 scores a Term) for every document holding it."""
        searcher = self._searcher
        idf = searcher.idf(fieldname, text)
        per_length = K1 * B / (searcher.avg_field_length(fieldname) or 1.0)
        lengths = self._doc_lengths((fieldname,))
        return {d: idf * w * (K1 + 1.0) / (w + K1 * (1.0 - B) + per_length * lengths[d])
                for d, w in self._postings(fieldname, text)}

    def _word_scores(self, word: FieldsWord) -> dict[int, float]:
        """FieldsWord's score (see _FieldsMatcher.score) for every document holding it."""
        searcher = self._searcher
        terms = list(word.subqueries)
        tf: dict[int, float] = {}
        for t in terms:
            norm = _FieldNorm(searcher, t.fieldname)
            base, per_length = norm.base, norm.per_length
            lengths = self._doc_lengths((t.fieldname,))
            for docnum, weight in self._postings(t.fieldname, t.text):
                tf[docnum] = tf.get(docnum, 0.0) + t.boost * (weight / (base + per_length * lengths[docnum]))
        if not tf:
            return {}
        weight = word.boost * fields_idf(searcher, terms)
        return {d: bm25f(weight, f) for d, f in tf.items()}

    def _postings(self, fieldname: str, text: str) -> Iterator[tuple[int, float]]:
        """(document number, weight) of one term over all segments, deletions included."""
        return zip(*self._posting_lists.get(fieldname, text))

    def _doc_lengths(self, fields: tuple[str, ...]) -> list[int]:
        """Every document's length over `fields`, read once per index generation."""
        lengths = self._lengths.get(fields)
        if lengths is None:
            lengths = []
            for segment, _ in self._segments:
                per_field = [_field_lengths(segment, f) for f in fields]
                lengths.extend(map(sum, zip(*per_field)))
            self._lengths[fields] = lengths
        return lengths


def _close(before: list[int], after: list[int]) -> bool:
    """Whether some position in `after` is 1 to PROXIMITY_SLOP past one in `before`."""
    for position in before:
        i = bisect.bisect_right(after, position)
        if i < len(after) and after[i] - position <= PROXIMITY_SLOP:
            return True
    return False


_BYTE_TO_LENGTH = [byte_to_length(b) for b in range(256)]


def _field_lengths(segment, fieldname: str) -> list[int]:
    """One segment's field lengths, from its length column read whole where possible."""
    size = segment.doc_count_all()
    try:  # whoosh3 keeps a byte-coded length column per field
        column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        coded = column.load() if column is not None else None
    except AttributeError:
        coded = None
    if coded is None or len(coded) != size:
        return [segment.doc_field_length(d, fieldname, 0) or 0 for d in range(size)]
    return [_BYTE_TO_LENGTH[b] for b in coded]
