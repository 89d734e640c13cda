"""Answers SearchRequests with SearchResponses; no Whoosh object leaves this module.

How a search runs (see WHOOSH-NOTES for why):
- the query is parsed once; its matches are counted without scoring, and facets are
  counted from per-generation column arrays, not from stored fields;
- only the page of hits is loaded and highlighted; scores come from ranking.WordScorer
  for plain words, else from Whoosh's top-N collector;
- for short queries, documents holding all the words rank above those holding only
  some (ranking.tiers): the all-words query is ranked first, the remainder after it.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
import time
from collections import Counter
from dataclasses import replace
from itertools import chain
from operator import itemgetter
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q

from ..dates import parse_user_date
from ..errors import IndexDamagedError, QueryError, UserError
from ..models import Article, FacetCount, Hit, IndexStats, SearchRequest, SearchResponse, Span
from . import ranking, snippets, store
from .docsets import DocSets
from .postings import PostingLists
from .querying import TEXT_FIELDS, CompiledQuery, compile_query, make_parser
from .schema import MULTI_SEP, column_values, stem

FACET_LIMIT = 25
OPEN_ATTEMPTS = 3
MAX_EXPANDED_TERMS = 500  # words a wildcard may highlight
MAX_SUGGESTED_WORD = 40  # respelling a longer "word" costs seconds and finds nothing
_WORD = re.compile(r"(?<![\w:~*?])([^\W\d_]{3,})(?![\w:~*?])")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


class _Columns:
    """Per-document values read once per index generation: facets, dates, duplicates.

    Built with whole-column reads and C-level maps (see `column_values`): a value at a
    time through Whoosh's column readers took most of a cold `searchkit query`.
    """

    def __init__(self, reader) -> None:
        self.source_values, self.source = _ordinals(column_values(reader, "c_source"))
        self.place_values, self.place = _ordinals(column_values(reader, "c_place"))
        self.topic_values, self.topics = self._multi(column_values(reader, "c_topics"))
        # ISO dates ("2022-01-19T00:00:00"), "" where unknown; they sort as text.
        self.date = list(map(bytes.decode, column_values(reader, "c_date")))
        # Months as ordinals: counting small ints is quicker than strings, and the
        # year facet is summed from the month counts rather than counted again.
        self.month_values, self.month = _ordinals([d[:7] for d in self.date], decode=False)
        self.duplicates = self._duplicates(reader, column_values(reader, "c_dedup"))

    @staticmethod
    def _multi(raw: list[bytes]) -> tuple[list[str], list[tuple[int, ...]]]:
        values: dict[str, int] = {}
        parsed: dict[bytes, tuple[int, ...]] = {}
        for value in dict.fromkeys(raw):
            parsed[value] = tuple(
                values.setdefault(v, len(values)) for v in value.decode("utf-8").split(MULTI_SEP)
            ) if value else ()
        return list(values), list(map(parsed.__getitem__, raw))

    @staticmethod
    def _duplicates(reader, keys: list[bytes]) -> frozenset[int]:
        """Later copies of the same story: every live document but the first per key."""
        live = list(reader.all_doc_ids()) if reader.has_deletions() else range(len(keys))
        live_keys = map(keys.__getitem__, live)
        # Built backwards, each key ends up holding its first live document.
        first = dict(zip(reversed(list(live_keys)), reversed(live)))
        return frozenset(set(live) - set(first.values()))


def _ordinals(raw: list, decode: bool = True) -> tuple[list[str], list[int]]:
    """(distinct values in first-seen order, each document's value as an index into them)."""
    index = {value: i for i, value in enumerate(dict.fromkeys(raw))}
    names = [v.decode("utf-8") for v in index] if decode else list(index)
    return names, list(map(index.__getitem__, raw))


def _reads_index(method):
    """Report a damaged index found during a search as IndexDamagedError.

    Whoosh reads much of the index lazily (stored fields, postings), so a damaged
    segment can pass opening and fail only when a search reaches it; corrupt bytes
    then raise almost anything (zlib.error, EOFError, UnpicklingError, struct.error...).

    A `reindex --full` may also switch generations and delete the one being read
    (Whoosh opens some segment files only when a search first needs them): then the
    method runs again once, on the new generation.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UserError:
            raise
        except Exception as exc:
            if self._gen == store.current_generation(self.index_dir):
                raise _damaged(self.index_dir, exc) from None
        self._open()
        try:
            return method(self, *args, **kwargs)
        except UserError:
            raise
        except Exception as exc:
            raise _damaged(self.index_dir, exc) from None

    return wrapper


class Searcher:
    """A read-only view of the index; reopens itself when a reindex commits."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._gen: Path | None = None
        self._searcher = None
        self._columns: _Columns | None = None
        self._docsets: DocSets | None = None
        self._parser = None
        self._open()

    # -- opening and refreshing -------------------------------------------------

    def _open(self) -> None:
        gen = store.require_generation(self.index_dir)
        for _ in range(OPEN_ATTEMPTS):
            try:
                ix = whoosh_index.open_dir(gen)
                store.check_segment_files(gen, [s.segment_id() for s in ix._segments()])
                searcher = ix.searcher(weighting=ranking.LuceneBM25())
                columns = _Columns(searcher.reader())
                postings = PostingLists(searcher.reader())
                docsets = DocSets(searcher, columns.date, postings)
                break
            except Exception as exc:  # whoosh raises many kinds for missing/truncated files
                # Whoosh retries by itself when a commit deletes files as it opens them;
                # a --full reindex may also switch generations and delete this one.
                newer = store.require_generation(self.index_dir)
                if newer == gen:
                    damaged = exc if isinstance(exc, IndexDamagedError) else _damaged(self.index_dir, exc)
                    raise damaged from None
                gen = newer
        else:
            raise IndexDamagedError(f"the index at {self.index_dir} keeps changing; try again")
        self.close()
        self._gen, self._searcher, self._columns, self._docsets = gen, searcher, columns, docsets
        self._word_scorer = ranking.WordScorer(searcher, postings)
        self._parser = make_parser(ix.schema)
        self.archive_dir = store.read_meta(gen).get("archive")

    @_reads_index
    def refresh(self) -> bool:
        """Pick up a committed reindex; True if the view changed."""
        gen = store.require_generation(self.index_dir)
        if gen != self._gen:
            self._open()
            return True
        if not self._searcher.up_to_date():
            try:
                searcher = self._searcher.refresh()
                columns = _Columns(searcher.reader())
                postings = PostingLists(searcher.reader())
                docsets = DocSets(searcher, columns.date, postings)
            except Exception:
                self._open()
                return True
            self._searcher, self._columns, self._docsets = searcher, columns, docsets
            self._word_scorer = ranking.WordScorer(searcher, postings)
            return True
        return False

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries -----------------------------------------------------------------

    def parse(self, text: str) -> CompiledQuery:
        """The compiled query for `text`; raises QueryError with a plain reason."""
        return compile_query(self._parser, text)

    def _filter_query(self, request: SearchRequest) -> Q.Query | None:
        parts: list[Q.Query] = []
        for field, values in (("source", request.source), ("place", request.place),
                              ("topics", request.topic)):
            if values:
                parts.append(Q.Or([Q.Term(field, v.strip().lower()) for v in values]))
        periods = [_period(value) for value in request.year + request.month]
        if periods:
            parts.append(Q.Or([Q.DateRange("date", a, b, endexcl=True) for a, b in periods]))
        if request.since or request.until:
            parts.append(Q.DateRange("date", request.since, request.until, endexcl=True))
        return Q.And(parts) if parts else None

    @_reads_index
    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        compiled, docs = self._matching(request)
        query, relaxed = compiled.query, compiled.relaxed
        total = len(docs)

        sort = request.sort
        if sort == "relevance" and compiled.is_everything:
            sort = "newest"  # browsing: nothing to rank by
        offset, wanted = _page_bounds(request)
        if offset >= total:
            page: list[tuple[int, float]] = []
        elif sort == "relevance":
            first, rest = ranking.tiers(query, relaxed)
            page = self._ranked(self._with_feedback(first, docs), rest, docs, wanted)[offset:wanted]
        else:
            page = self._by_date(query, docs, wanted, newest=(sort == "newest"))[offset:wanted]

        terms = self._highlight_terms(query)
        hits = tuple(self._hit(docnum, score, terms, request.snippet_chars) for docnum, score in page)
        facets = self._facets(docs)
        suggestion = self._suggest(request, total) if total < 5 else None
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResponse(request, total, round(took_ms, 2), hits, facets, suggestion)

    def _matching(self, request: SearchRequest) -> tuple[CompiledQuery, set[int]]:
        """The compiled query and every document the request matches (no scoring)."""
        compiled = self.parse(request.text)
        docs = self._docsets.docs(compiled.matching)
        return compiled, self._restricted(docs, request, compiled.date_filter)

    def _restricted(self, docs: set[int], request: SearchRequest, *more: Q.Query | None) -> set[int]:
        """`docs` narrowed by the request's filters and any `more`, duplicates left out."""
        for restriction in (self._filter_query(request), *more):
            if restriction is not None and docs:
                docs &= self._docsets.docs(restriction)
        return docs - self._columns.duplicates

    def _ranked(self, query, relaxed, docs: set[int], wanted: int) -> list[tuple[int, float]]:
        """Top `wanted` by score: all-words matches first, then the rest."""
        if relaxed is None:
            return self._top(query, docs, wanted)
        all_words = docs & self._docsets.docs(query)
        ranked = self._top(query, all_words, wanted) if all_words else []
        if len(ranked) < wanted:
            rest = docs - all_words
            if rest:
                ranked += self._top(relaxed, rest, wanted - len(all_words))
        return ranked

    def _with_feedback(self, query, docs: set[int]):
        """A long plain-word request expanded with the words of its best documents
        (ranking.with_feedback); any other query as it is."""
        if ranking.feedback_base(query) is None:
            return query
        analyzer = self._searcher.schema["body"].analyzer
        top = []
        for docnum, score in self._top(query, docs, ranking.FEEDBACK_DOCS):
            fields = self._searcher.stored_fields(docnum)
            text = f"{fields.get('title', '')}\n{fields.get('body', '')}"
            tokens = [token.text for token in analyzer(text)]
            if tokens:
                top.append((tokens, score))
        return ranking.with_feedback(query, top)

    def _top(self, query, docs: set[int], wanted: int) -> list[tuple[int, float]]:
        """The best `wanted` of `docs` by score: the fast word scorer, else Whoosh's."""
        fast = self._word_scorer.top(query, docs, wanted)
        if fast is not None:
            return fast
        results = self._searcher.search(query, limit=wanted, filter=docs)
        return [(hit.docnum, hit.score) for hit in results]

    def _by_date(self, query, docs: set[int], wanted: int, newest: bool) -> list[tuple[int, float]]:
        dates = self._columns.date
        if newest:
            top = heapq.nlargest(wanted, docs, key=lambda d: (dates[d], -d))
        else:  # undated articles last, not first
            top = heapq.nsmallest(wanted, docs, key=lambda d: (dates[d] or "~", d))
        scored = ranking.tiers(query, None)[0]  # the same scores as a relevance search
        scores = self._scores(scored, top) if not isinstance(query, Q.Every) and top else {}
        return [(d, scores.get(d, 0.0)) for d in top]

    def _scores(self, query, docnums: list[int]) -> dict[int, float]:
        """The scores of a few documents: a matcher skips to each one, rather than
        scoring every match of the query to keep a handful."""
        searcher = self._searcher
        context = searcher.context(weighting=searcher.weighting)
        wanted = sorted(docnums)
        scores: dict[int, float] = {}
        for sub, offset in searcher.leaf_searchers():
            end = offset + sub.doc_count_all()
            matcher = query.matcher(sub, context)
            for docnum in wanted:
                if not offset <= docnum < end:
                    continue
                if not matcher.is_active():
                    break
                if matcher.id() < docnum - offset:
                    matcher.skip_to(docnum - offset)
                if matcher.is_active() and matcher.id() == docnum - offset:
                    scores[docnum] = matcher.score()
        return scores

    def _facets(self, docs: set[int]) -> dict[str, tuple[FacetCount, ...]]:
        c = self._columns

        def ranked(counter: Counter, names: list[str] | None) -> tuple[FacetCount, ...]:
            items = [(names[k] if names is not None else k, n) for k, n in counter.items()]
            items = [(name, n) for name, n in items if name]
            items.sort(key=lambda item: (-item[1], item[0]))
            return tuple(FacetCount(name, n) for name, n in items[:FACET_LIMIT])

        def chronological(counter: Counter) -> tuple[FacetCount, ...]:
            return tuple(FacetCount(k, n) for k, n in sorted(counter.items(), reverse=True) if k)

        if not docs:
            pick = lambda column: ()  # noqa: E731
        elif len(docs) == 1:
            (only,) = docs
            pick = lambda column: (column[only],)  # noqa: E731
        else:
            pick = itemgetter(*docs)  # one C call per column, not one per document

        months: Counter = Counter()
        for ordinal, n in Counter(pick(c.month)).items():
            months[c.month_values[ordinal]] += n
        years: Counter = Counter()
        for month, n in months.items():
            years[month[:4]] += n
        return {
            "source": ranked(Counter(pick(c.source)), c.source_values),
            "place": ranked(Counter(pick(c.place)), c.place_values),
            "topic": ranked(Counter(chain.from_iterable(pick(c.topics))), c.topic_values),
            "year": chronological(years),
            "month": chronological(months),
        }

    def _highlight_terms(self, query: Q.Query) -> frozenset[str]:
        """The analysed words to mark in titles and bodies (wildcards expanded)."""
        if isinstance(query, Q.Every):
            return frozenset()
        reader = self._searcher.reader()
        out: set[str] = set()
        leaves = [query] if query.is_leaf() else query.leaves()
        for leaf in leaves:
            if getattr(leaf, "fieldname", None) not in TEXT_FIELDS:
                continue
            if isinstance(leaf, Q.MultiTerm):  # wildcard, prefix, fuzzy: the words they reach
                words = itertools.islice(leaf._btexts(reader), MAX_EXPANDED_TERMS)
                out.update(w.decode("utf-8") if isinstance(w, bytes) else w for w in words)
            else:
                out.update(text for field, text in leaf.terms() if field in TEXT_FIELDS)
        return frozenset(out)

    def _hit(self, docnum: int, score: float, terms: frozenset[str], width: int) -> Hit:
        fields = self._searcher.stored_fields(docnum)
        title = fields.get("title", "")
        return Hit(
            id=fields["id"],
            path=self._display_path(fields["path"]),
            date=fields.get("date"),
            source=fields.get("s_source"),
            place=fields.get("s_place"),
            title=title,
            score=round(float(score), 4),
            snippet=snippets.snippet(fields.get("body", ""), terms, width),
            topics=tuple(fields.get("s_topics") or ()),
            url=fields.get("url"),
            title_spans=snippets.highlight(title, terms),
        )

    def _display_path(self, rel: str) -> str:
        """The article's file as the person can open it: relative to here if inside it."""
        if not self.archive_dir:
            return rel
        full = Path(self.archive_dir, rel)
        try:
            return str(full.relative_to(Path.cwd()))
        except ValueError:
            return str(full)

    # -- did you mean ------------------------------------------------------------

    def _suggest(self, request: SearchRequest, total: int) -> str | None:
        """A respelling of the query's words that finds more, or None."""
        text = request.text
        if not text.strip() or text.strip() == "*":
            return None
        reader = self._searcher.reader()
        corrector = self._searcher.corrector("body")
        changed = False

        def fix(match: re.Match) -> str:
            nonlocal changed
            word = match.group(1)
            if word in _OPERATORS or len(word) > MAX_SUGGESTED_WORD:
                return word
            stemmed = stem(word.lower())
            if reader.doc_frequency("body", stemmed) or reader.doc_frequency("title", stemmed):
                return word
            options = corrector.suggest(word.lower(), limit=1, maxdist=2)
            if not options:
                return word
            changed = True
            return options[0]

        corrected = _WORD.sub(fix, text)
        if not changed or corrected == text:
            return None
        try:  # only the count matters: no ranking, snippets or facets
            _, better = self._matching(replace(request, text=corrected))
        except QueryError:
            return None
        return corrected if len(better) > total else None

    # -- single articles and the whole index -------------------------------------

    def _docnum(self, article_id: str) -> int | None:
        return self._searcher.document_number(id=article_id)

    @_reads_index
    def article(self, article_id: str) -> Article | None:
        docnum = self._docnum(article_id)
        if docnum is None:
            return None
        f = self._searcher.stored_fields(docnum)
        return Article(
            id=f["id"],
            path=self._display_path(f["path"]),
            body=f.get("body", ""),
            title=f.get("title", ""),
            source=f.get("s_source"),
            date=f.get("date"),
            place=f.get("s_place"),
            places=tuple(f.get("s_places") or ()),
            topics=tuple(f.get("s_topics") or ()),
            url=f.get("url"),
        )

    @_reads_index
    def highlight_article(self, article: Article, text: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """(title spans, body spans) of an article, every match of `text` marked."""
        terms = self._highlight_terms(self.parse(text).query)
        return snippets.highlight(article.title, terms), snippets.highlight(article.body, terms)

    @_reads_index
    def similar_terms(self, article_id: str, count: int = 10) -> list[str]:
        """The words that best characterise an article (for "more like this")."""
        docnum = self._docnum(article_id)
        if docnum is None:
            return []
        fields = self._searcher.stored_fields(docnum)
        text = f"{fields.get('title', '')}\n{fields.get('body', '')}"
        keys = self._searcher.key_terms_from_text("body", text, numterms=count)
        return [word for word, _ in keys]

    @_reads_index
    def more_like(self, article_id: str, request: SearchRequest) -> SearchResponse:
        """Articles similar to one: its key terms, any of them, the article itself left out."""
        words = self.similar_terms(article_id)
        own = self._docnum(article_id)
        started = time.perf_counter()
        query = Q.Or([Q.Term("body", w) for w in words] + [Q.Term("title", w) for w in words])
        docs = self._restricted(self._docsets.docs(query) if words else set(), request)
        docs.discard(own)
        offset, wanted = _page_bounds(request)
        page = self._ranked(query, None, docs, wanted)[offset:]
        terms = frozenset(words)
        hits = tuple(self._hit(d, s, terms, request.snippet_chars) for d, s in page)
        took_ms = (time.perf_counter() - started) * 1000
        return SearchResponse(request, len(docs), round(took_ms, 2), hits, self._facets(docs))

    @_reads_index
    def stats(self) -> IndexStats:
        c = self._columns
        reader = self._searcher.reader()
        live = list(reader.all_doc_ids())
        dates = [c.date[d] for d in live if c.date[d]]
        sources = Counter(c.source[d] for d in live)
        meta = store.read_meta(self._gen)
        updated = meta.get("updated")
        return IndexStats(
            articles=len(live),
            sources=len([s for s in sources if c.source_values[s]]),
            places=len({c.place[d] for d in live if c.place_values[c.place[d]]}),
            first_date=datetime.fromisoformat(min(dates)) if dates else None,
            last_date=datetime.fromisoformat(max(dates)) if dates else None,
            size_bytes=store.directory_size(self._gen),
            updated=datetime.fromisoformat(updated) if updated else None,
            index_dir=str(self.index_dir),
            archive_dir=meta.get("archive"),
            top_sources=tuple(
                FacetCount(c.source_values[s], n) for s, n in sources.most_common(10)
                if c.source_values[s]
            ),
        )


def _damaged(index_dir: Path, exc: Exception) -> IndexDamagedError:
    return IndexDamagedError(
        f"the index at {index_dir} is damaged ({type(exc).__name__}: {exc}); "
        "run `searchkit reindex --full` to rebuild it"
    )


def _page_bounds(request: SearchRequest) -> tuple[int, int]:
    """(offset of the page's first hit, number of ranked hits needed to fill it)."""
    offset = (max(1, request.page) - 1) * request.page_size
    return offset, offset + request.page_size


def _period(value: str) -> tuple[datetime, datetime]:
    """"2022" or "2022-01" as [start, end)."""
    return parse_user_date(value), parse_user_date(value, end=True)
