"""Answers SearchRequests with SearchResponses; no Whoosh object or array leaves here.

How a search runs:
- the text is compiled to a plan (querying.py); a short query means all its words, and
  falls back to any of them when no article holds all (the response says which);
- the plan, the filters and `valid` (live, not a later copy of a story) give the
  matching documents as one sorted array (matching.py): the total, the facets
  (facets.py) and the date orders all describe that set;
- the page is ranked (ranking.py) or sorted by date, then only the page's articles
  are read and highlighted from positions (snippets.py).

A `Searcher` is safe to share between threads. Each search uses the view of the
newest commit (view.py); a reindex that commits is seen at the next search.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

import numpy as np
from whoosh.qparser import MultifieldParser

from ..dates import parse_user_date
from ..errors import IndexDamagedError, QueryError, UserError
from ..models import Article, FacetCount, Hit, IndexStats, MatchMode, SearchRequest, SearchResponse, Span
from . import snippets, store, whoosh_compat
from .analysis import Language, language
from .arrays import DamagedFile, FormatMismatch
from .facets import DATE_FACETS, facet_counts
from .fields import FACETS, TEXT_FIELD_NAMES, keyword
from .matching import Matcher, intersect, member
from .querying import (
    ALL_WORDS_MAX,
    All,
    Any,
    CompiledQuery,
    FacetValue,
    Node,
    Phrase,
    Word,
    compile_query,
    date_range,
    make_parser,
)
from .ranking import DEFAULT, Leaf, RankingParams, Scorer, by_date, scored_leaves, scores_in_order
from .segment import NO_DATE, from_micros
from .spelling import respell
from .view import IndexView, OldFormatError

OPEN_ATTEMPTS = 3
# Seconds a search may run before it is stopped and reported as too broad (QueryTimeout).
# On 2 cores the slowest of 10,000 generated queries on Reuters-21578 took far less.
TIME_BUDGET = 2.0
SUGGEST_BELOW = 5  # a query finding fewer articles than this may get "did you mean"
SIMILAR_TERMS = 10

T = TypeVar("T")
P = ParamSpec("P")


class _ReadsIndex(Protocol):
    index_dir: Path


R = TypeVar("R", bound=_ReadsIndex)  # a Searcher, or a shard's service built on one


def _reads_index(method: Callable[Concatenate[R, P], T]) -> Callable[Concatenate[R, P], T]:
    """Damage met while reading (a truncated or corrupt file) is reported as
    IndexDamagedError; any other exception is a fault of searchkit's and goes up as it is."""

    @functools.wraps(method)
    def wrapper(self: R, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except FormatMismatch:
            raise UserError(f"the index at {self.index_dir} was built by another version of searchkit: "
                            "run `searchkit reindex --full` to rebuild it") from None
        except DamagedFile as exc:
            raise _damaged(self.index_dir, exc) from None

    return wrapper


def _damaged(index_dir: Path, exc: Exception) -> IndexDamagedError:
    return IndexDamagedError(
        f"the index at {index_dir} is damaged ({exc}); run `searchkit reindex --full` to rebuild it"
    )


class Searcher:
    """A read-only view of the index at `index_dir`, following its commits."""

    def __init__(self, index_dir: Path, params: RankingParams = DEFAULT,
                 time_budget: float = TIME_BUDGET) -> None:
        self.index_dir = Path(index_dir)
        self.params = params
        self.time_budget = time_budget
        self._lock = threading.Lock()
        self._parse_lock = threading.Lock()  # Whoosh's parser keeps state while it runs
        self._parsers: dict[str, MultifieldParser] = {}  # by language
        self._languages: dict[Path, Language] = {}  # by generation folder
        self._view: IndexView | None = None
        self._view = self._open()
        # The parser is made now, with the index: what lives as long as the searcher is
        # built before a long-lived reader (the TUI) freezes it out of garbage collection.
        self._parser(self.language(self._view).code)

    # Opening and following commits -----------------------------------------------------

    def _open(self) -> IndexView:
        for _ in range(OPEN_ATTEMPTS):
            gen = store.require_generation(self.index_dir)
            commit = whoosh_compat.latest_generation(gen) if gen.is_dir() else -1
            try:
                return IndexView(gen)
            except OldFormatError:
                raise UserError(f"the index at {self.index_dir} was built by another version of searchkit: "
                                "run `searchkit reindex --full` to rebuild it") from None
            except (DamagedFile, whoosh_compat.EmptyIndexError, whoosh_compat.TocError, OSError) as exc:
                # A commit or a --full rebuild may have replaced files as they were
                # opened: then try again; if nothing changed, the files are damaged.
                if store.require_generation(self.index_dir) == gen and (
                        not gen.is_dir() or whoosh_compat.latest_generation(gen) == commit):
                    raise _damaged(self.index_dir, exc) from None
        raise IndexDamagedError(f"the index at {self.index_dir} keeps changing; try again")

    def view(self) -> IndexView:
        """The view of the newest commit (reopened when a reindex has committed)."""
        view = self._view
        gen = store.require_generation(self.index_dir)
        if view is None or gen != view.folder or whoosh_compat.latest_generation(gen) != view.generation:
            with self._lock:
                view = self._view
                if view is None or gen != view.folder or whoosh_compat.latest_generation(gen) != view.generation:
                    view = self._view = self._open()
        return view

    def refresh(self) -> bool:
        """Pick up a committed reindex now; True if the view changed."""
        before = self._view
        return self.view() is not before

    def close(self) -> None:
        self._view = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def archive_dir(self) -> str | None:
        return store.read_meta(self.view().folder).get("archive")

    # Queries ------------------------------------------------------------------------------

    def language(self, view: IndexView) -> Language:
        """The language the view's text was analysed in, as its generation records it
        (a change of language is a full rebuild: a new generation)."""
        found = self._languages.get(view.folder)
        if found is None:
            found = self._languages[view.folder] = language(store.read_meta(view.folder).get("language"))
        return found

    def parse(self, text: str, mode: MatchMode = "auto", view: IndexView | None = None) -> CompiledQuery:
        """The compiled query for `text` (analysed in the language of `view`, else of the
        newest commit); raises QueryError with a plain reason."""
        parser = self._parser(self.language(view or self.view()).code)
        with self._parse_lock:
            return compile_query(parser, text, mode)

    def _parser(self, language_code: str) -> MultifieldParser:
        with self._parse_lock:
            parser = self._parsers.get(language_code)
            if parser is None:
                parser = self._parsers[language_code] = make_parser(language_code)
            return parser

    def _filters(self, request: SearchRequest, compiled: CompiledQuery) -> Node | None:
        """Every filter of the request as one node: the facets' selections and the dates."""
        parts = [*self._choices(request).values(), *self._date_filters(request, compiled)]
        return All(tuple(parts)) if parts else None

    def _choices(self, request: SearchRequest) -> dict[str, Node]:
        """Per facet with a selection, the node of its chosen values, any of them.
        Years and months are one facet ("date"): a month narrows the timeline as a year does."""
        out: dict[str, Node] = {}
        for facet in FACETS:
            values = getattr(request, facet.name, ())
            if values:
                out[facet.name] = Any(tuple(FacetValue(facet.name, keyword(v)) for v in values))
        periods = [_period(value) for value in request.year + request.month]
        if periods:
            out["date"] = Any(tuple(date_range(a, b) for a, b in periods))
        return out

    def _date_filters(self, request: SearchRequest, compiled: CompiledQuery) -> list[Node]:
        """Since/until and the query's `date:` clauses: filters, not facets."""
        parts: list[Node] = []
        if request.since or request.until:
            parts.append(date_range(request.since, request.until))
        if compiled.dates is not None:
            parts.append(compiled.dates)
        return parts

    def _matching(self, view: IndexView, matcher: Matcher, plan: Node, filters: Node | None) -> np.ndarray:
        """Every valid document the plan and the filters match, ascending."""
        docs = matcher.docs(plan)
        if filters is not None and len(docs):
            docs = intersect(docs, matcher.docs(filters))
        return docs[view.valid[docs]]

    def _narrowed(self, view: IndexView, matcher: Matcher, plan: Node, request: SearchRequest,
                  compiled: CompiledQuery) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(the matching documents, per facet with a selection the documents to count it
        over): the result narrowed by every other facet's selection, not its own (one
        membership test per chosen facet over the unfaceted result)."""
        dates = self._date_filters(request, compiled)
        base = self._matching(view, matcher, plan, All(tuple(dates)) if dates else None)
        choices = self._choices(request)
        if not choices or not len(base):
            return base, {}
        held = {name: member(base, matcher.docs(node)) for name, node in choices.items()}
        docs = base[np.logical_and.reduce(list(held.values()))]
        over: dict[str, np.ndarray] = {}
        for name in held:
            others = [mask for other, mask in held.items() if other != name]
            subset = base[np.logical_and.reduce(others)] if others else base
            for facet in DATE_FACETS if name == "date" else (name,):
                over[facet] = subset
        return docs, over

    def _counts(self, view: IndexView, docs: np.ndarray, over: dict[str, np.ndarray],
                request: SearchRequest) -> tuple[dict[str, tuple[FacetCount, ...]], dict[str, int]]:
        keep = {facet.name: getattr(request, facet.name, ()) for facet in FACETS}
        return facet_counts(view, docs, request.facet_limit, over=over, whole=request.facet_all, keep=keep)

    @_reads_index
    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        view = self.view()
        compiled = self.parse(request.text, request.match, view)
        deadline = time.monotonic() + self.time_budget
        matcher = Matcher(view, deadline)
        plan, matched = compiled.first()
        docs, over = self._narrowed(view, matcher, plan, request, compiled)
        fallback = compiled.fallback()
        if not len(docs) and fallback is not None:
            plan, matched = fallback, "any"
            docs, over = self._narrowed(view, matcher, plan, request, compiled)
        page = self._page(view, matcher, plan, docs, request, browse=compiled.is_everything,
                          most_words_first=plan is fallback)
        hits = self._hits(view, matcher, plan, page, request.snippet_chars)
        total = len(docs)
        # A respelling is looked for when little is found, or when no article holds
        # every word typed (a misspelt word is often the one no article holds).
        wanted = total < SUGGEST_BELOW or (matched == "any" and compiled.words <= ALL_WORDS_MAX)
        suggestion = self._suggest(view, request, total, deadline) if wanted else None
        took_ms = (time.perf_counter() - started) * 1000
        facets, sizes = self._counts(view, docs, over, request)
        return SearchResponse(request, total, round(took_ms, 2), hits, facets, suggestion, matched,
                              facet_sizes=sizes)

    def _page(self, view: IndexView, matcher: Matcher, plan: Node, docs: np.ndarray,
              request: SearchRequest, *, browse: bool, most_words_first: bool = False) -> list[tuple[int, float]]:
        """The (document, score) pairs of the requested page."""
        offset, wanted = _page_bounds(request)
        if offset >= len(docs):
            return []
        scorer = Scorer(view, matcher, self.params, self.language(view))
        sort = "newest" if request.sort == "relevance" and browse else request.sort
        if sort == "relevance":
            best, scores = scorer.rank(plan, docs, wanted, most_words_first=most_words_first)
            return list(zip(best.tolist()[offset:], scores.tolist()[offset:]))
        shown = by_date(view, docs, wanted, newest=(sort == "newest"))[offset:]
        scores = scores_in_order(scorer, scored_leaves(plan, matcher), shown) if not browse \
            else np.zeros(len(shown))
        return list(zip(shown.tolist(), scores.tolist()))

    # Hits and highlighting ------------------------------------------------------------------

    def _hits(self, view: IndexView, matcher: Matcher, plan: Node, page: list[tuple[int, float]],
              width: int) -> tuple[Hit, ...]:
        if not page:
            return ()
        docs = np.array(sorted(d for d, _ in page), dtype=np.int64)
        marks = _marks(view, matcher, scored_leaves(plan, matcher), docs)
        archive = self._archive_of(view)
        here = Path.cwd()
        hits = []
        for doc, score in page:
            stored = view.stored(doc)
            title, body = str(stored.get("title") or ""), str(stored.get("body") or "")
            title_marks, body_marks = marks["title"].get(doc, []), marks["body"].get(doc, [])
            hits.append(Hit(
                id=str(stored["id"]),
                path=_display_path(archive, str(stored["path"]), here),
                date=stored["date"],
                source=stored.get("source"),
                place=stored.get("place"),
                title=title,
                score=round(float(score), 4),
                snippet=snippets.snippet(body, body_marks, view.checkpoints("body", doc), width),
                topics=tuple(stored.get("topics") or ()),
                url=stored.get("url"),
                title_spans=snippets.highlight(title, sorted({p for p, _ in title_marks}), None),
            ))
        return tuple(hits)

    def _archive_of(self, view: IndexView) -> str | None:
        return store.read_meta(view.folder).get("archive")

    # Did you mean ---------------------------------------------------------------------------

    def _suggest(self, view: IndexView, request: SearchRequest, total: int, deadline: float) -> str | None:
        """A respelling of the query's words that finds more, or None."""
        text = request.text
        if not text.strip() or text.strip() == "*":
            return None
        corrected = respell(text, view.spelling.suggest)
        if corrected is None:
            return None
        try:  # only the count matters: no ranking, snippets or facets
            compiled = self.parse(corrected, request.match, view)
        except QueryError:
            return None
        matcher = Matcher(view, deadline)
        plan, _ = compiled.first()
        better = self._matching(view, matcher, plan, self._filters(request, compiled))
        fallback = compiled.fallback()
        if not len(better) and fallback is not None:
            better = self._matching(view, matcher, fallback, self._filters(request, compiled))
        return corrected if len(better) > total else None

    # Single articles, similar ones, the whole index ---------------------------------------

    @_reads_index
    def article(self, article_id: str) -> Article | None:
        view = self.view()
        doc = view.find(article_id)
        if doc is None:
            return None
        f = view.stored(doc)
        return Article(
            id=str(f["id"]),
            path=_display_path(self._archive_of(view), str(f["path"])),
            body=str(f.get("body") or ""),
            title=str(f.get("title") or ""),
            source=f.get("source"),
            date=f.get("date"),
            place=f.get("place"),
            places=tuple(f.get("places") or ()),
            topics=tuple(f.get("topics") or ()),
            url=f.get("url"),
        )

    @_reads_index
    def highlight_article(self, article: Article, text: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """(title spans, body spans) of an article, every match of `text` marked."""
        view = self.view()
        doc = view.find(article.id)
        plain = ((Span(article.title),) if article.title else (), (Span(article.body),) if article.body else ())
        if doc is None or not text.strip():
            return plain
        compiled = self.parse(text, view=view)
        matcher = Matcher(view)
        plan, _ = compiled.first()
        marks = _marks(view, matcher, scored_leaves(plan, matcher), np.array([doc], dtype=np.int64))
        title_positions = sorted({p for p, _ in marks["title"].get(doc, [])})
        body_positions = sorted({p for p, _ in marks["body"].get(doc, [])})
        return (snippets.highlight(article.title, title_positions, None),
                snippets.highlight(article.body, body_positions, view.checkpoints("body", doc)))

    @_reads_index
    def similar_terms(self, article_id: str, count: int = SIMILAR_TERMS) -> list[str]:
        """The words that best characterise an article (for "more like this"): the most
        frequent in it, weighed by how rare they are in the archive."""
        view = self.view()
        doc = view.find(article_id)
        if doc is None:
            return []
        stored = view.stored(doc)
        lang = self.language(view)
        terms = Counter(lang.terms_of(f"{stored.get('title') or ''}\n{stored.get('body') or ''}"))
        scorer = Scorer(view, Matcher(view), self.params, lang)
        weighed = {t: n * scorer.idf(TEXT_FIELD_NAMES, t) for t, n in terms.items() if len(t) > 1}
        return [t for t, _ in sorted(weighed.items(), key=lambda item: (-item[1], item[0]))[:count]]

    @_reads_index
    def more_like(self, article_id: str, request: SearchRequest) -> SearchResponse:
        """Articles similar to one: its key words, any of them, the article itself left out."""
        started = time.perf_counter()
        view = self.view()
        words = self.similar_terms(article_id)
        own = view.find(article_id)
        plan: Node = Any(tuple(Word(w, TEXT_FIELD_NAMES) for w in words))
        matcher = Matcher(view)
        docs, over = self._narrowed(view, matcher, plan, request, self.parse("", view=view))
        if own is not None:
            docs = docs[docs != own]
            over = {name: subset[subset != own] for name, subset in over.items()}
        page = self._page(view, matcher, plan, docs, request, browse=False)
        hits = self._hits(view, matcher, plan, page, request.snippet_chars)
        took_ms = (time.perf_counter() - started) * 1000
        facets, sizes = self._counts(view, docs, over, request)
        return SearchResponse(request, len(docs), round(took_ms, 2), hits, facets, facet_sizes=sizes)

    @_reads_index
    def stats(self) -> IndexStats:
        view = self.view()
        live = np.flatnonzero(view.live)
        dates = view.dates[live]
        dates = dates[dates != NO_DATE]
        source_counts, _ = facet_counts(view, live, limit=None)
        meta = store.read_meta(view.folder)
        updated = meta.get("updated")
        return IndexStats(
            articles=len(live),
            sources=len(source_counts["source"]),
            places=len(source_counts["place"]),
            first_date=from_micros(int(dates.min())) if len(dates) else None,
            last_date=from_micros(int(dates.max())) if len(dates) else None,
            size_bytes=view.size_bytes(),
            updated=datetime.fromisoformat(updated) if updated else None,
            index_dir=str(self.index_dir),
            archive_dir=meta.get("archive"),
            top_sources=tuple(FacetCount(f.value, f.count) for f in source_counts["source"][:10]),
        )


def _marks(view: IndexView, matcher: Matcher, leaves: list[Leaf],
           docs: np.ndarray) -> dict[str, dict[int, list[tuple[int, str]]]]:
    """Per text field and document of `docs`, the (position, label) of every match:
    each word where it stands, each phrase at every word of each occurrence."""
    out: dict[str, dict[int, list[tuple[int, str]]]] = {name: {} for name in TEXT_FIELD_NAMES}
    for leaf in leaves:
        for fieldname in leaf.fields:
            per_doc = out[fieldname]
            if isinstance(leaf, Word):
                keys = view.positions(fieldname, leaf.term, docs)
                label = leaf.term
                for doc, position in zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist()):
                    per_doc.setdefault(doc, []).append((position, label))
            elif isinstance(leaf, Phrase):
                label = " ".join(leaf.terms)
                for doc in docs.tolist():
                    for start in matcher.phrase_starts(leaf, fieldname, doc).tolist():
                        per_doc.setdefault(doc, []).extend((start + o, label) for o in leaf.offsets)
    for per_doc in out.values():
        for doc in per_doc:
            per_doc[doc].sort()
    return out


def _display_path(archive: str | None, rel: str, here: Path | None = None) -> str:
    """The article's file as the person can open it: relative to here if inside it."""
    if not archive:
        return rel
    full = Path(archive, rel)
    try:
        return str(full.relative_to(here or Path.cwd()))
    except ValueError:
        return str(full)


def _page_bounds(request: SearchRequest) -> tuple[int, int]:
    """(offset of the page's first hit, number of ranked hits needed to fill it)."""
    offset = (max(1, request.page) - 1) * request.page_size
    return offset, offset + request.page_size


def _period(value: str) -> tuple[datetime, datetime]:
    """"2022" or "2022-01" as [start, end)."""
    return parse_user_date(value), parse_user_date(value, end=True)

