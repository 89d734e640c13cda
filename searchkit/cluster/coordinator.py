"""Searching a sharded archive: fan out the steps of engine/shard.py, merge the answers.

The merge keeps one index's behaviour:

- ranking uses the whole archive's statistics (articles, field lengths, document
  frequencies, gathered first), and feedback learns from the whole archive's best
  documents, so scores and order equal those of one index over the same articles;
- a short query falls back to "any of the words" only when no shard holds them all;
- totals are summed, facets summed from each shard's full counts, hits merged by the
  keys one index sorts by (score, recency, id hash; or date), for pages down to
  MAX_DEPTH hits;
- did-you-mean adds up each candidate word's frequency over the shards;
- "more like this" takes its words from the shard holding the article, weighed with
  the archive's frequencies, and asks every shard.

A shard that does not answer (its node lost) is left out and named: the response is
`partial` with its `missing_shards`. A shard answering from another generation than
the one the last switch named (a reindex switching right now) makes the search wait
for the switch and start again, so no answer mixes old and new shards.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import log
from typing import Any, Protocol

from ..engine.fields import TEXT_FIELD_NAMES, keyword
from ..engine.matching import MAX_EXPANSION
from ..engine.querying import ALL_WORDS_MAX, Expansion
from ..engine.ranking import DEFAULT, CollectionStats, FeedbackSource, RankingParams, choose_feedback
from ..engine.searcher import SIMILAR_TERMS, SUGGEST_BELOW
from ..engine.shard import Candidate, Prepared, QuerySpec, Ranked, ShardStats, StaleView
from ..engine.spelling import SpellingCandidates, choose_respelling, merge_candidates, query_words, respell
from ..errors import IndexBusyError, QueryError, UserError
from ..models import Article, FacetCount, Hit, IndexStats, SearchRequest, SearchResponse, Span

MAX_DEPTH = 10_000  # the deepest hit a page may reach: each shard ranks this many at most
ATTEMPTS = 5  # a search restarted because a shard moved to a new commit mid-way
SWITCH_WAIT = 10.0  # seconds a search waits for the shards of a switch to agree


class Fanout(Protocol):
    """Calls one method of engine/shard.py's ShardService on several shards.

    `call` returns each shard's answer; a shard that could not answer (its process or
    node gone) is absent from the result. A UserError a shard raises (a bad query, one
    too broad) is raised as it is.
    """

    shards: int

    def call(self, method: str, args: Mapping[int, tuple[Any, ...]]) -> dict[int, Any]: ...

    def close(self) -> None: ...


@dataclass
class _Search:
    """What one search learned along its steps."""

    spec: QuerySpec
    prepared: dict[int, Prepared]
    missing: tuple[int, ...]
    use_fallback: bool
    stats: CollectionStats

    def token(self, k: int) -> str:
        return self.prepared[k].token


class ShardedSearcher:
    """The sharded counterpart of engine/searcher.Searcher: the same methods and answers."""

    def __init__(self, fanout: Fanout, index_dir: str, params: RankingParams = DEFAULT) -> None:
        self.fanout = fanout
        self.index_dir = index_dir
        self.params = params

    def _all(self, method: str, *args: Any) -> dict[int, Any]:
        return self.fanout.call(method, {k: args for k in range(self.fanout.shards)})

    # Searching ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResponse:
        return self._run(QuerySpec(request), suggest=True)

    def more_like(self, article_id: str, request: SearchRequest) -> SearchResponse:
        words = tuple(self.similar_terms(article_id))
        return self._run(QuerySpec(request, like=words, exclude=article_id), suggest=False)

    def _run(self, spec: QuerySpec, *, suggest: bool) -> SearchResponse:
        started = time.perf_counter()
        offset = (max(1, spec.request.page) - 1) * spec.request.page_size
        if offset + spec.request.page_size > MAX_DEPTH:
            raise UserError(f"pages reach at most hit {MAX_DEPTH:,} of a sharded archive; narrow the query")
        for _ in range(ATTEMPTS):
            try:
                return self._attempt(spec, suggest, started)
            except StaleView:
                continue
        raise IndexBusyError("the index keeps changing under this search; try again")

    def _prepare(self, spec: QuerySpec) -> tuple[dict[int, Prepared], tuple[int, ...]]:
        """Step 1 on every shard, once they all answer from the generations of one switch."""
        deadline = time.monotonic() + SWITCH_WAIT
        while True:
            prepared: dict[int, Prepared] = self._all("prepare", spec)
            if all(p.expected is None or p.expected == p.generation for p in prepared.values()):
                break
            if time.monotonic() > deadline:
                raise IndexBusyError(f"the shards of {self.index_dir} are being switched to a new "
                                     "generation; try again (or run `searchkit reindex`)")
            time.sleep(0.05)
        missing = tuple(k for k in range(self.fanout.shards) if k not in prepared)
        return prepared, missing

    def _attempt(self, spec: QuerySpec, suggest: bool, started: float) -> SearchResponse:
        request = spec.request
        prepared, missing = self._prepare(spec)
        reached = [p.expansions for p in prepared.values() if p.expansions]
        if reached:  # wildcards and fuzzy words reach the words of the whole archive
            spec = replace(spec, expansions=merge_expansions(reached))
            prepared, missing = self._prepare(spec)
        if not prepared:
            return SearchResponse(request, 0, _ms(started), (), {}, None, "all", missing_shards=missing)
        first = next(iter(prepared.values()))
        found = sum(p.total for p in prepared.values())
        use_fallback = found == 0 and first.has_fallback
        search = _Search(spec, prepared, missing, use_fallback, _collection_stats(prepared.values()))
        if first.feedback[1 if use_fallback else 0]:
            search.stats = self._with_feedback(search)
        offset = (max(1, request.page) - 1) * request.page_size
        wanted = offset + request.page_size
        ranked: dict[int, Ranked] = self.fanout.call(
            "rank", {k: (search.token(k), spec, use_fallback, search.stats, wanted) for k in prepared})
        search.missing = _missing(self.fanout.shards, ranked, search.missing)
        total = sum(r.total for r in ranked.values())
        merged = sorted(((c[2], k, c) for k, r in ranked.items() for c in r.candidates), key=lambda x: x[0])
        page = [(k, c) for _, k, c in merged[offset:wanted]]
        hits = self._hits(search, page)
        matched = "any" if use_fallback else first.matched
        suggestion = None
        if suggest and (total < SUGGEST_BELOW or (matched == "any" and first.words <= ALL_WORDS_MAX)):
            suggestion = self._suggest(search, total)
        facets, sizes = _merge_facets([r.facets for r in ranked.values()], request)
        return SearchResponse(request, total, _ms(started), hits, facets, suggestion,
                              "any" if matched == "any" else "all", facet_sizes=sizes, missing_shards=search.missing)

    def _with_feedback(self, search: _Search) -> CollectionStats:
        """The statistics with feedback words chosen from the whole archive's best documents."""
        spec, stats = search.spec, search.stats
        answers: dict[int, list[FeedbackSource]] = self.fanout.call(
            "feedback_sources", {k: (search.token(k), spec, search.use_fallback, stats) for k in search.prepared})
        chosen = choose_feedback([s for sources in answers.values() for s in sources], self.params)
        keys = tuple((f, t) for t, _ in chosen for f in TEXT_FIELD_NAMES)
        counted = self.fanout.call("doc_frequencies", {k: (search.token(k), keys) for k in search.prepared})
        frequencies = dict(stats.doc_frequencies)
        for key in keys:
            frequencies[key] = sum(dfs[key] for _, dfs in counted.values())
        return replace(stats, doc_frequencies=frequencies, feedback=tuple(chosen))

    def _hits(self, search: _Search, page: list[tuple[int, Candidate]]) -> tuple[Hit, ...]:
        by_shard: dict[int, list[tuple[int, float]]] = {}
        for k, (doc, score, _) in page:
            by_shard.setdefault(k, []).append((doc, score))
        answers: dict[int, tuple[Hit, ...]] = self.fanout.call(
            "hits", {k: (search.token(k), search.spec, search.use_fallback, tuple(docs))
                     for k, docs in by_shard.items()})
        search.missing = _missing(self.fanout.shards, answers, search.missing, asked=by_shard)
        found: dict[tuple[int, int], Hit] = {}
        for k, hits in answers.items():
            for (doc, _), hit in zip(by_shard[k], hits):
                found[(k, doc)] = hit
        return tuple(found[(k, c[0])] for k, c in page if (k, c[0]) in found)

    def _suggest(self, search: _Search, total: int) -> str | None:
        text = search.spec.request.text
        if not text.strip() or text.strip() == "*":
            return None
        words = tuple(query_words(text))  # folded, as one index looks them up
        if not words:
            return None
        answers: dict[int, dict[str, SpellingCandidates | None]] = self.fanout.call(
            "spelling", {k: (search.token(k), words) for k in search.prepared})
        better: dict[str, str | None] = {}
        for word in words:
            merged = merge_candidates([a[word] for a in answers.values()])
            better[word] = choose_respelling(merged, merged.min_suggested) if merged is not None else None
        corrected = respell(text, better.get)
        if corrected is None:
            return None
        spec = replace(search.spec, request=replace(search.spec.request, text=corrected))
        try:
            counts: dict[int, tuple[int, int | None]] = self.fanout.call(
                "count", {k: (search.token(k), spec) for k in search.prepared})
        except QueryError:
            return None
        found = sum(first for first, _ in counts.values())
        if not found:
            found = sum(second or 0 for _, second in counts.values())
        return corrected if found > total else None

    # Articles -------------------------------------------------------------------------

    def article(self, article_id: str) -> Article | None:
        for _, article in sorted(self._all("article", article_id).items()):
            if article is not None:
                return article
        return None

    def highlight_article(self, article: Article, text: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        for _, spans in sorted(self._all("highlight", article, text).items()):
            if spans is not None:
                return spans
        return ((Span(article.title),) if article.title else (), (Span(article.body),) if article.body else ())

    def similar_terms(self, article_id: str, count: int = SIMILAR_TERMS) -> list[str]:
        """The article's most telling words (see Searcher.similar_terms), weighed by how
        rare they are in the whole archive."""
        owned = [terms for _, terms in sorted(self._all("article_terms", article_id).items()) if terms is not None]
        if not owned:
            return []
        terms = {t: n for t, n in owned[0].items() if len(t) > 1}
        keys = tuple((f, t) for t in terms for f in TEXT_FIELD_NAMES)
        counted = self._all("doc_frequencies", None, keys)
        articles = max(sum(n for n, _ in counted.values()), 1)
        frequencies = {key: sum(dfs[key] for _, dfs in counted.values()) for key in keys}

        def idf(term: str) -> float:
            held = max(frequencies[(f, term)] for f in TEXT_FIELD_NAMES)
            return log(1.0 + (articles - held + 0.5) / (held + 0.5))

        weighed = {t: n * idf(t) for t, n in terms.items()}
        return [t for t, _ in sorted(weighed.items(), key=lambda item: (-item[1], item[0]))[:count]]

    def stats(self) -> IndexStats:
        parts: list[ShardStats] = [s for _, s in sorted(self._all("stats").items())]
        if not parts:
            raise UserError(f"no shard of {self.index_dir} answers")
        sources = _merge_counts([p.sources for p in parts])
        places = _merge_counts([p.places for p in parts])
        firsts = [p.stats.first_date for p in parts if p.stats.first_date is not None]
        lasts = [p.stats.last_date for p in parts if p.stats.last_date is not None]
        updated = [p.stats.updated for p in parts if p.stats.updated is not None]
        return IndexStats(
            articles=sum(p.stats.articles for p in parts),
            sources=len(sources),
            places=len(places),
            first_date=min(firsts) if firsts else None,
            last_date=max(lasts) if lasts else None,
            size_bytes=sum(p.stats.size_bytes for p in parts),
            updated=max(updated) if updated else None,
            index_dir=self.index_dir,
            archive_dir=parts[0].stats.archive_dir,
            top_sources=tuple(sources[:10]),
        )

    @property
    def archive_dir(self) -> str | None:
        return self.stats().archive_dir

    def refresh(self) -> bool:
        return any(self._all("refresh").values())

    def close(self) -> None:
        self.fanout.close()


def merge_expansions(parts: Sequence[Mapping[Expansion, tuple[tuple[str, int, int], ...]]]
                     ) -> tuple[tuple[Expansion, tuple[str, ...]], ...]:
    """Each clause's words over every shard, in the order one index lists them: a
    wildcard's alphabetically, a fuzzy word's nearest, then most frequent, first."""
    out = []
    for node in dict.fromkeys(n for part in parts for n in part):
        freqs: dict[str, int] = {}
        edits: dict[str, int] = {}
        for part in parts:
            for word, distance, n in part.get(node, ()):
                freqs[word] = freqs.get(word, 0) + n
                edits[word] = distance
        if node.kind == "fuzzy":
            words = sorted(freqs, key=lambda w: (edits[w], -freqs[w], len(w), not w.isascii(), w.encode()))
        else:
            words = sorted(freqs)
        if len(words) > MAX_EXPANSION:
            shown = f"{node.pattern}~{node.distance}" if node.kind == "fuzzy" else node.pattern
            raise QueryError(f"too broad: {shown} reaches over {MAX_EXPANSION:,} words; make it narrower")
        out.append((node, tuple(words)))
    return tuple(out)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _missing(shards: int, answers: Mapping[int, object], before: tuple[int, ...],
             asked: Mapping[int, object] | None = None) -> tuple[int, ...]:
    lost = {k for k in (asked if asked is not None else range(shards)) if k not in answers and k not in before}
    return tuple(sorted(set(before) | lost))


def _collection_stats(prepared: Sequence[Prepared] | Any) -> CollectionStats:
    parts = list(prepared)
    sums: dict[str, int] = {}
    frequencies: dict[tuple[str, str], int] = {}
    for p in parts:
        for name, n in p.length_sums.items():
            sums[name] = sums.get(name, 0) + n
    keys = {key for p in parts for key in p.doc_frequencies}
    for p in parts:
        for key, n in p.doc_frequencies.items():
            frequencies[key] = frequencies.get(key, 0) + n
    for key in keys:  # a word one shard's expansion reached and another's did not
        frequencies.setdefault(key, 0)
    return CollectionStats(sum(p.articles for p in parts), sums, frequencies)


def _merge_counts(parts: Sequence[tuple[tuple[str, str, int], ...]]) -> list[FacetCount]:
    """Counts of (key, shown) values added up: most frequent first, ties by key (the
    order of one index's value table)."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for part in parts:
        for key, value, n in part:
            counts[key] = counts.get(key, 0) + n
            shown.setdefault(key, value)
    return [FacetCount(shown[k], counts[k]) for k in sorted(counts, key=lambda k: (-counts[k], k))]


def _merge_facets(parts: Sequence[dict[str, tuple[tuple[str, str, int], ...]]],
                  request: SearchRequest) -> tuple[dict[str, tuple[FacetCount, ...]], dict[str, int]]:
    """Each shard's full counts summed, then listed as one index lists them: at most the
    request's `facet_limit` values (its `facet_all` facets whole), a chosen value kept past
    the limit; years and months whole, newest first. With the number of values of each."""
    if not parts:
        return {}, {}
    out: dict[str, tuple[FacetCount, ...]] = {}
    sizes: dict[str, int] = {}
    for name in parts[0]:
        if name in ("year", "month"):  # by period, newest first, every one
            counts: dict[str, int] = {}
            for part in parts:
                for _, value, n in part[name]:
                    counts[value] = counts.get(value, 0) + n
            merged = [FacetCount(v, counts[v]) for v in sorted(counts, reverse=True)]
            sizes[name] = len(merged)
        else:
            merged = _merge_counts([part[name] for part in parts])
            sizes[name] = len(merged)
            limit = None if name in request.facet_all else request.facet_limit
            chosen = {keyword(v) for v in getattr(request, name, ())}
            if limit is not None and len(merged) > limit:
                merged = [f for n, f in enumerate(merged) if n < max(0, limit) or keyword(f.value) in chosen]
        out[name] = tuple(merged)
    return out, sizes
