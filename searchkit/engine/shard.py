"""One shard of a sharded archive, answering the steps of a distributed search.

A sharded search runs in steps, so that the scores equal those of one index over
every article (cluster/coordinator.py runs them over all shards and merges):

1. `prepare`: how many articles match, and the statistics ranking needs (live
   articles, total field lengths, each query word's document frequency);
2. `feedback_sources` (long requests only): this shard's best documents for
   pseudo-relevance feedback, with their words;
3. `rank`: with the whole archive's statistics, the total, full facet counts and the
   best `wanted` documents with the keys they are merged by;
4. `hits`: the chosen page's documents, highlighted.

Steps 2 to 4 answer from the same commit as step 1 (a `token` names it), so a commit
between steps cannot mix documents of two commits; a token no longer kept raises
`StaleView` and the coordinator starts the search again. Everything returned is plain
data (tuples, dicts, frozen dataclasses): it crosses process and machine lines.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import TypeVar, cast

import numpy as np

from ..models import Article, Hit, IndexStats, SearchRequest, Span
from .facets import facet_counts
from .fields import TEXT_FIELD_NAMES, keyword
from .matching import MAX_EXPANSION, Matcher
from .querying import Any, CompiledQuery, Expansion, Node, Word
from .ranking import (
    DEFAULT,
    CollectionStats,
    FeedbackSource,
    RankingParams,
    Scorer,
    _recency,
    by_date,
    scored_leaves,
    scores_in_order,
)
from .searcher import Searcher, _reads_index
from .segment import NO_DATE
from .spelling import SpellingCandidates
from .view import IndexView

VIEWS_KEPT = 4  # commits a shard keeps answering from while a search is under way
SEARCHES_KEPT = 32  # searches whose plans and matches a shard keeps between their steps
_T = TypeVar("_T")
ROOT_FILE = "searchkit-shards.json"  # in the sharded index's folder, above the shards

# A merge key sorts ascending: best first.
MergeKey = tuple[float | int, ...]
Candidate = tuple[int, float, MergeKey]  # (document in this shard's commit, score, key)


class StaleView(Exception):
    """The commit a search started on is no longer kept: start the search again."""


@dataclass(frozen=True)
class QuerySpec:
    """What to search: a request, or "more like" an article (its words, itself left out)."""

    request: SearchRequest
    like: tuple[str, ...] | None = None
    exclude: str | None = None
    # The words each wildcard or fuzzy clause reaches in the whole archive (merged from
    # every shard's `Prepared.expansions`), so each shard matches and ranks the same words.
    expansions: tuple[tuple[Expansion, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Prepared:
    token: str
    generation: str  # the generation folder this shard answers from
    expected: str | None  # the one the sharded index's switch names for this shard
    articles: int
    length_sums: dict[str, int]
    doc_frequencies: dict[tuple[str, str], int]
    total: int  # matches of the request
    feedback: tuple[bool, bool]  # whether feedback applies: (request, its fallback)
    has_fallback: bool
    words: int  # words typed (for did-you-mean)
    browse: bool
    matched: str  # what the request's own plan finds: "all" or "any" of the words
    # Each wildcard or fuzzy clause: the words it reaches here, (word, edits, documents).
    expansions: dict[Expansion, tuple[tuple[str, int, int], ...]]


@dataclass(frozen=True)
class Ranked:
    total: int
    facets: dict[str, tuple[tuple[str, str, int], ...]]  # facet → (key, value shown, count)
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class ShardStats:
    stats: IndexStats
    sources: tuple[tuple[str, str, int], ...]  # every source: (key, shown, count)
    places: tuple[tuple[str, str, int], ...]


class ShardService:
    """A shard's index folder, opened; safe to share between threads."""

    def __init__(self, index_dir: Path, params: RankingParams = DEFAULT) -> None:
        self.index_dir = Path(index_dir)
        self.searcher = Searcher(self.index_dir, params)
        self.params = params
        self._views: OrderedDict[str, IndexView] = OrderedDict()
        self._plan_cache: OrderedDict[QuerySpec, tuple] = OrderedDict()
        self._doc_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    # Commits --------------------------------------------------------------------------

    def _current(self) -> tuple[str, IndexView]:
        view = self.searcher.view()
        token = f"{view.folder.name}:{view.generation}"
        with self._lock:
            self._views[token] = view
            self._views.move_to_end(token)
            while len(self._views) > VIEWS_KEPT:
                self._views.popitem(last=False)
        return token, view

    def _view(self, token: str) -> IndexView:
        with self._lock:
            view = self._views.get(token)
        if view is None:
            raise StaleView(token)
        return view

    def _expected_generation(self) -> str | None:
        """The generation the sharded index's last switch names for this shard."""
        try:
            root = json.loads((self.index_dir.parent / ROOT_FILE).read_text(encoding="utf-8"))
            return str(root["generations"][self.index_dir.name])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    # Plans ----------------------------------------------------------------------------

    def _plans(self, spec: QuerySpec) -> tuple[Node, Node | None, Node | None, bool, int]:
        """(plan, its fallback, filters, browse, words typed)."""
        plan, fallback, filters, browse, words, _, _ = self._plans_matched(spec)
        return plan, fallback, filters, browse, words

    def _plans_matched(self, spec: QuerySpec) -> tuple[Node, Node | None, Node | None, bool, int, str,
                                                         CompiledQuery]:
        # Each step of one search needs the same plans: parsed once per shard.
        return self._remembered(self._plan_cache, spec, lambda: self._parse(spec))

    def _parse(self, spec: QuerySpec) -> tuple[Node, Node | None, Node | None, bool, int, str, CompiledQuery]:
        """(plan, its fallback, filters, browse, words typed, what the plan matches, the
        compiled query)."""
        s = self.searcher
        if spec.like is not None:
            plan: Node = Any(tuple(Word(w, TEXT_FIELD_NAMES) for w in spec.like))
            nothing = s.parse("")
            return plan, None, s._filters(spec.request, nothing), False, 0, "all", nothing
        compiled = s.parse(spec.request.text, spec.request.match)
        plan, matched = compiled.first()
        return (plan, compiled.fallback(), s._filters(spec.request, compiled), compiled.is_everything,
                compiled.words, matched, compiled)

    def _docs(self, view: IndexView, matcher: Matcher, spec: QuerySpec, plan: Node, filters: Node | None) -> np.ndarray:
        # The steps of one search match the same plan on the same commit: matched once.
        key = (view.folder.name, view.generation, spec, plan)
        return self._remembered(self._doc_cache, key, lambda: self._match(view, matcher, spec, plan, filters))

    def _remembered(self, cache: OrderedDict, key: Hashable, make: Callable[[], _T]) -> _T:
        with self._lock:
            if key in cache:
                cache.move_to_end(key)
                return cast(_T, cache[key])
        value = make()
        with self._lock:
            cache[key] = value
            while len(cache) > SEARCHES_KEPT:
                cache.popitem(last=False)
        return value

    def _match(self, view: IndexView, matcher: Matcher, spec: QuerySpec, plan: Node,
               filters: Node | None) -> np.ndarray:
        docs = self.searcher._matching(view, matcher, plan, filters)
        if spec.exclude is not None:
            own = view.find(spec.exclude)
            if own is not None:
                docs = docs[docs != own]
        return docs

    def _deadline_matcher(self, view: IndexView, spec: QuerySpec | None = None) -> Matcher:
        matcher = Matcher(view, time.monotonic() + self.searcher.time_budget)
        for node, words in spec.expansions if spec is not None else ():
            matcher.set_expansion(node, words)
        return matcher

    # The steps ------------------------------------------------------------------------

    @_reads_index
    def prepare(self, spec: QuerySpec) -> Prepared:
        token, view = self._current()
        matcher = self._deadline_matcher(view, spec)
        plan, fallback, filters, browse, words, matched, _ = self._plans_matched(spec)
        docs = self._docs(view, matcher, spec, plan, filters)
        frequencies: dict[tuple[str, str], int] = {}
        flags = []
        scorer = Scorer(view, matcher, self.params, self.searcher.language(view))
        for p in (plan, fallback):
            if p is None:
                flags.append(False)
                continue
            leaves = scored_leaves(p, matcher)
            flags.append(scorer._feedback_applies(p, leaves))
            for leaf in leaves:
                terms = (leaf.term,) if isinstance(leaf, Word) else leaf.terms
                for fieldname in leaf.fields:
                    for term in terms:
                        frequencies[(fieldname, term)] = view.doc_frequency(fieldname, term)
        given = dict(spec.expansions)
        expansions = {node: _reach(view, node) for p in (plan, fallback) if p is not None
                      for node in expansions_in(p) if node not in given}
        return Prepared(token, view.folder.name, self._expected_generation(), view.live_count,
                        self._length_sums(token, view), frequencies, len(docs), (flags[0], flags[1]),
                        fallback is not None, words, browse, matched, expansions)

    def _length_sums(self, token: str, view: IndexView) -> dict[str, int]:
        return {name: int(view.lengths(name)[view.live].sum(dtype=np.int64)) for name in TEXT_FIELD_NAMES}

    @_reads_index
    def doc_frequencies(self, token: str | None,
                        keys: tuple[tuple[str, str], ...]) -> tuple[int, dict[tuple[str, str], int]]:
        """(live articles, each (field, term)'s document frequency) in the commit `token`
        (None: the newest)."""
        view = self._view(token) if token is not None else self.searcher.view()
        return view.live_count, {(f, t): view.doc_frequency(f, t) for f, t in keys}

    @_reads_index
    def feedback_sources(self, token: str, spec: QuerySpec, use_fallback: bool,
                         stats: CollectionStats) -> list[FeedbackSource]:
        view = self._view(token)
        matcher = self._deadline_matcher(view, spec)
        plan, fallback, filters, _, _ = self._plans(spec)
        chosen = fallback if use_fallback and fallback is not None else plan
        docs = self._docs(view, matcher, spec, chosen, filters)
        scorer = Scorer(view, matcher, self.params, self.searcher.language(view), stats)
        total, _ = scorer.scores(scored_leaves(chosen, matcher), docs)
        return scorer.feedback_sources(docs, total)

    @_reads_index
    def rank(self, token: str, spec: QuerySpec, use_fallback: bool, stats: CollectionStats,
             wanted: int) -> Ranked:
        view = self._view(token)
        matcher = self._deadline_matcher(view, spec)
        plan, fallback, filters, browse, _, _, compiled = self._plans_matched(spec)
        most_words_first = use_fallback and fallback is not None
        chosen = fallback if most_words_first and fallback is not None else plan
        docs = self._docs(view, matcher, spec, chosen, filters)
        # Each facet with a selection is counted without it (as one index counts them).
        _, over = self.searcher._narrowed(view, matcher, chosen, spec.request, compiled)
        own = view.find(spec.exclude) if spec.exclude is not None else None
        if own is not None:
            over = {name: subset[subset != own] for name, subset in over.items()}
        counted, _ = facet_counts(view, docs, limit=None, over=over)
        facets = {name: tuple((_key(f.value), f.value, f.count) for f in counts) for name, counts in counted.items()}
        scorer = Scorer(view, matcher, self.params, self.searcher.language(view), stats)
        request = spec.request
        sort = "newest" if request.sort == "relevance" and browse else request.sort
        candidates: list[Candidate] = []
        if not len(docs):
            pass
        elif sort == "relevance":
            best, scores = scorer.rank(chosen, docs, wanted, most_words_first=most_words_first)
            recency = _recency(view.dates[best])
            held = np.zeros(len(best), dtype=np.int64)
            if most_words_first:  # how many clauses each holds (scoring wants documents ascending)
                order = np.argsort(best, kind="stable")
                held[order] = scorer.scores(scored_leaves(chosen, matcher), best[order])[1]
            for doc, score, r, h, n in zip(best.tolist(), scores.tolist(), recency.tolist(),
                                           view.idhash[best].tolist(), held.tolist()):
                key: MergeKey = (-n, -score, r, h) if most_words_first else (-score, r, h)
                candidates.append((doc, score, key))
        else:
            newest = sort == "newest"
            shown = by_date(view, docs, wanted, newest=newest)
            scores = scores_in_order(scorer, scored_leaves(chosen, matcher), shown) if not browse \
                else np.zeros(len(shown))
            dates = view.dates[shown]
            when = _recency(dates) if newest else np.where(dates == NO_DATE, np.iinfo(np.int64).max, dates)
            for doc, score, w, h in zip(shown.tolist(), scores.tolist(), when.tolist(),
                                        view.idhash[shown].tolist()):
                candidates.append((doc, score, (w, h)))
        return Ranked(len(docs), facets, tuple(candidates))

    @_reads_index
    def hits(self, token: str, spec: QuerySpec, use_fallback: bool,
             page: tuple[tuple[int, float], ...]) -> tuple[Hit, ...]:
        view = self._view(token)
        matcher = self._deadline_matcher(view, spec)
        plan, fallback, _, _, _ = self._plans(spec)
        chosen = fallback if use_fallback and fallback is not None else plan
        return self.searcher._hits(view, matcher, chosen, list(page), spec.request.snippet_chars)

    # Did you mean ---------------------------------------------------------------------

    @_reads_index
    def spelling(self, token: str, words: tuple[str, ...]) -> dict[str, SpellingCandidates | None]:
        view = self._view(token)
        return {w: view.spelling.candidates(w) for w in words}

    @_reads_index
    def count(self, token: str, spec: QuerySpec) -> tuple[int, int | None]:
        """(matches of the request, of its fallback) for a respelt request."""
        view = self._view(token)
        matcher = self._deadline_matcher(view, spec)
        plan, fallback, filters, _, _ = self._plans(spec)
        first = len(self._docs(view, matcher, spec, plan, filters))
        second = len(self._docs(view, matcher, spec, fallback, filters)) if fallback is not None else None
        return first, second

    # Articles and the whole shard -----------------------------------------------------

    def article(self, article_id: str) -> Article | None:
        return self.searcher.article(article_id)

    def highlight(self, article: Article, text: str) -> tuple[tuple[Span, ...], tuple[Span, ...]] | None:
        """The article's spans with `text` marked; None when the article is not here."""
        if self.searcher.view().find(article.id) is None:
            return None
        return self.searcher.highlight_article(article, text)

    @_reads_index
    def article_terms(self, article_id: str) -> dict[str, int] | None:
        """How often each word occurs in the article (for "more like this"), None if the
        article is not in this shard."""
        view = self.searcher.view()
        doc = view.find(article_id)
        if doc is None:
            return None
        stored = view.stored(doc)
        text = f"{stored.get('title') or ''}\n{stored.get('body') or ''}"
        return dict(Counter(self.searcher.language(view).terms_of(text)))

    @_reads_index
    def stats(self) -> ShardStats:
        view = self.searcher.view()
        live = np.flatnonzero(view.live)
        counts, _ = facet_counts(view, live, limit=None)
        return ShardStats(self.searcher.stats(),
                          tuple((_key(f.value), f.value, f.count) for f in counts["source"]),
                          tuple((_key(f.value), f.value, f.count) for f in counts["place"]))

    def refresh(self) -> bool:
        return self.searcher.refresh()

    def close(self) -> None:
        self.searcher.close()


def expansions_in(node: Node) -> list[Expansion]:
    """The wildcard and fuzzy clauses of a plan, NOT included."""
    if isinstance(node, Expansion):
        return [node]
    out: list[Expansion] = []
    names: list[str] = [f.name for f in fields(node)] if is_dataclass(node) else []
    for name in names:
        value = getattr(node, name)
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if isinstance(child, Node):
                out.extend(expansions_in(child))
    return out


def _reach(view: IndexView, node: Expansion) -> tuple[tuple[str, int, int], ...]:
    """The words a clause reaches in this shard: (word, edits, documents)."""
    if node.kind == "fuzzy":
        found, _ = view.spelling.within(node.pattern, node.distance, limit=MAX_EXPANSION + 1)
        return tuple(found)
    return tuple((w, 0, 0) for w in view.words_matching(node.pattern, node.kind)[:MAX_EXPANSION + 1])


def _key(value: str) -> str:
    return keyword(value)
