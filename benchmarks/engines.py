"""The three engines the benchmark compares, doing the same work per query.

Each query returns what the CLI and TUI show: the total of hits (duplicates removed),
facet counts for source, place and month over all hits, the top 10 (by relevance, or
newest first) and their 10 highlighted snippets.

The baselines read the archive with searchkit's own readers, so all three index the
same articles in the same (reading) order; searchkit's query language is translated
for them (see `translate`), with searchkit's matching rules:

- up to four plain words match the articles holding all of them; when no article
  does, the articles holding any of them (ranked);
- more plain words match any of them; explicit AND / OR / NOT mean what they say;
- `word~` / `word~N` is a fuzzy word (tantivy: its fuzzy term query on the stemmed
  word, as searchkit does; FTS5 has no fuzzy matching and searches the word as typed);
- `prefix*` is a prefix (FTS5 `pre*`, tantivy a regex on the indexed terms).

Run as a script, this module builds a baseline index or answers one query in a new
process (bench.py uses it for builds and cold starts):

    python benchmarks/engines.py build fts5 reuters INDEX
    python benchmarks/engines.py query fts5 INDEX said
"""

from __future__ import annotations

import bisect
import json
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

FACET_LIMIT = 25
FACETS = ("source", "place", "month")
PAGE = 10
SNIPPET_TOKENS = 40  # FTS5 snippet(): about searchkit's 240 characters
TITLE_WEIGHT = 2.0  # the baselines' title boost (searchkit's own is 1.75; speed is the same)
MAX_ALL_WORDS = 4  # plain-word queries up to this long match all words first
MAX_FUZZY_DISTANCE = 2  # as searchkit: a person never needs more than two edits

Join = Literal["all", "any"]


@dataclass
class Answer:
    """What one query returns, whichever engine answered it."""

    total: int
    facets: dict[str, list[tuple[str, int]]]
    hits: list[tuple[str, str, str]]  # (article id, title, highlighted snippet)


# -- the query language, translated for the baselines ---------------------------

_TOKEN = re.compile(r'date:\[[^\]]*\]|\w+:"[^"]*"|\w+:\S+|"[^"]*"|\S+')
_FUZZY = re.compile(r"^(?P<word>[^~]+)~(?P<distance>\d*)$")
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Item:
    """One searched thing: a word, a phrase, a prefix or a fuzzy word."""

    kind: Literal["word", "phrase", "prefix", "fuzzy"]
    text: str  # without quotes, `*` or `~N`
    column: str | None = None  # "title" / "body", or None for both
    distance: int = 1  # fuzzy only


@dataclass
class Translated:
    """A searchkit query in parts: items, how they join, filters."""

    positives: list[Item] = field(default_factory=list)
    negatives: list[Item] = field(default_factory=list)
    join: Join = "any"
    fallback: bool = False  # all words first; any word when no article holds them all
    filters: dict[str, str] = field(default_factory=dict)  # source/place → lower-cased value
    since: datetime | None = None
    until: datetime | None = None  # exclusive

    def fts5(self, join: Join) -> str:
        """The FTS5 MATCH expression, the positives joined by `join`."""
        items = [_fts5_item(i) for i in self.positives]
        expr = (" AND " if join == "all" else " OR ").join(items)
        if len(items) > 1:
            expr = f"({expr})"
        if self.negatives:
            expr += " NOT (" + " OR ".join(_fts5_item(n) for n in self.negatives) + ")"
        return expr


def _fts5_item(item: Item) -> str:
    quoted = '"' + item.text.replace('"', '""') + '"'
    if item.kind == "prefix":
        quoted += " *"
    return f"{item.column} : {quoted}" if item.column else quoted


def _item(token: str, column: str | None) -> Item:
    if token.startswith('"') and token.endswith('"') and len(token) > 1:
        return Item("phrase", token[1:-1], column)
    if token.endswith("*") and len(token) > 1:
        return Item("prefix", token.rstrip("*"), column)
    fuzzy = _FUZZY.match(token)
    if fuzzy:
        distance = int(fuzzy["distance"] or 1)
        return Item("fuzzy", fuzzy["word"], column, min(distance, MAX_FUZZY_DISTANCE))
    return Item("word", token, column)


def translate(text: str) -> Translated:
    out = Translated()
    negate = explicit_and = explicit_or = False
    for token in _TOKEN.findall(text):
        if token in ("AND", "OR"):
            explicit_and |= token == "AND"
            explicit_or |= token == "OR"
            continue
        if token == "NOT":
            negate = True
            continue
        name, sep, value = token.partition(":")
        if sep and name == "date":
            out.since, out.until = _date_clause(value)
            continue
        if sep and name in ("source", "place"):
            out.filters[name] = value.strip('"').lower()
            continue
        column = name if sep and name in ("title", "body") else None
        item = _item(value if column else token, column)
        if negate:
            out.negatives.append(item)
            negate = False
        else:
            out.positives.append(item)
    if explicit_and:  # explicit operators mean what they say
        out.join = "all"
    elif not explicit_or and len(out.positives) <= MAX_ALL_WORDS:
        out.join, out.fallback = "all", len(out.positives) > 1
    return out


def _date_clause(value: str) -> tuple[datetime | None, datetime | None]:
    """`[2023-01-15 TO 2023-03-31]` or `2023-02` as [since, until)."""
    if value.startswith("["):
        start, end = (part.strip() for part in re.split(r"\s+TO\s+", value[1:-1], flags=re.IGNORECASE))
        return (_period(start)[0] if start not in ("", "*") else None,
                _period(end)[1] if end not in ("", "*") else None)
    return _period(value)


def _period(text: str) -> tuple[datetime, datetime]:
    """"2023", "2023-02" or "2023-02-15" as the [start, end) of that period."""
    parts = [int(p) for p in text.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    start = datetime(year, month, day)
    if len(parts) == 1:
        return start, datetime(year + 1, 1, 1)
    if len(parts) == 2:
        return start, datetime(year + month // 12, month % 12 + 1, 1)
    return start, datetime.fromordinal(start.toordinal() + 1)


def epoch_seconds(when: datetime) -> int:
    return int((when - EPOCH).total_seconds())


def _top_facets(counts: Counter, names: list[str]) -> list[tuple[str, int]]:
    """The FACET_LIMIT commonest values; code 0 (no value) left out."""
    ranked = sorted(((n, names[code]) for code, n in counts.items() if code), key=lambda x: (-x[0], x[1]))
    return [(name, n) for n, name in ranked[:FACET_LIMIT]]


# -- searchkit ---------------------------------------------------------------------


def open_searchkit(index: Path):
    """searchkit's public API when it has one (Engine v2), else today's Searcher."""
    import searchkit

    try:
        return searchkit.open(index=index)
    except AttributeError:  # today: searchkit has no open() yet
        from searchkit.engine.searcher import Searcher

        return Searcher(index)


class Searchkit:
    name = "searchkit"

    @staticmethod
    def build_command(corpus: str, archive: Path, index: Path) -> list[str]:
        """searchkit is built through its real command, as a person would."""
        return [sys.executable, "-m", "searchkit", "reindex", "--full", "--archive", str(archive),
                "--index", str(index), "--quiet"]

    @staticmethod
    def cold_command(index: Path, archive: Path, text: str) -> list[str]:
        return [sys.executable, "-m", "searchkit", "query", text, "--json", "--index", str(index),
                "--archive", str(archive)]

    def __init__(self, index: Path) -> None:
        self.ix = open_searchkit(index)

    def run(self, text: str, sort: str) -> Answer:
        from searchkit.models import SearchRequest

        r = self.ix.search(SearchRequest(text=text, sort=sort, page_size=PAGE))
        facets = {name: [(f.value, f.count) for f in r.facets.get(name, ())] for name in FACETS}
        hits = [(h.id, h.title, "".join(span.text for span in h.snippet)) for h in r.hits]
        return Answer(r.total, facets, hits)

    def close(self) -> None:
        self.ix.close()


# -- baselines: built by this module in a child process ------------------------------


class Baseline:
    name = ""

    @classmethod
    def build_command(cls, corpus: str, archive: Path, index: Path) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "build", cls.name, corpus, str(index)]

    @classmethod
    def cold_command(cls, index: Path, archive: Path, text: str) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "query", cls.name, str(index), text]


# -- SQLite FTS5 -----------------------------------------------------------------


FTS5_SCHEMA = f"""
    -- The text lives in the FTS5 table itself (no external content): snippet() and
    -- the page's titles need no join. `id` is returned, never searched.
    CREATE VIRTUAL TABLE fts USING fts5(title, body, id UNINDEXED, tokenize = 'porter unicode61');
    -- bm25() weights (title, body, id) as the table's rank (ad-hoc `ORDER BY rank`).
    INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25({TITLE_WEIGHT}, 1.0, 0.0)');
    -- What facets and filters need, keyed by the same rowid, as small integer codes.
    -- `cell` numbers each (source, place, month) triple that occurs: the facets are one
    -- GROUP BY on one integer, summed per facet afterwards.
    CREATE TABLE doc (rowid INTEGER PRIMARY KEY, dup INTEGER NOT NULL, source INTEGER NOT NULL,
                      place INTEGER NOT NULL, cell INTEGER NOT NULL, date INTEGER);
    CREATE TABLE cell (code INTEGER PRIMARY KEY, source INTEGER NOT NULL, place INTEGER NOT NULL,
                       month INTEGER NOT NULL);
    CREATE TABLE source (code INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE place (code INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE month (code INTEGER PRIMARY KEY, name TEXT NOT NULL);
"""
BM25 = f"bm25(fts, {TITLE_WEIGHT}, 1.0, 0.0)"
SNIPPET = f"snippet(fts, 1, '<b>', '</b>', '…', {SNIPPET_TOKENS})"
UNDATED = -(1 << 62)  # sorts before every date


class _Dates(Sequence):
    """doc.date by rowid - 1, for bisect: rowids are in date order, undated first."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.count = db.execute("SELECT count(*) FROM doc").fetchone()[0]

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i):  # type: ignore[override]  (ints only: bisect needs no slices)
        (date,) = self.db.execute("SELECT date FROM doc WHERE rowid = ?", (i + 1,)).fetchone()
        return UNDATED if date is None else date


class Fts5(Baseline):
    """SQLite FTS5 as an SQLite expert would set it up for this work (see RESULTS.md).

    Rowids are given in date order (undated articles first), so "newest first" is
    FTS5's own `ORDER BY rowid DESC`, which walks the match backwards and stops after
    10 (ORDER BY a joined date column must visit and sort every hit), and a date range
    is a rowid range FTS5 applies inside the match. Which copy of a story is the
    duplicate is still decided in reading order, as searchkit does.
    """

    name = "fts5"

    # -- building

    @staticmethod
    def build(corpus: str, index: Path) -> int:
        from corpora import articles, duplicates

        index.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(index / "fts.db", isolation_level=None)
        # A one-off bulk load: no journal, no syncs. A 16 MB page cache: 256 MB built
        # no faster (all674k: 68 s CPU against 59 s) and tripled the peak memory.
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                         "PRAGMA cache_size = -16384; PRAGMA temp_store = FILE;")
        db.executescript(FTS5_SCHEMA)
        db.execute("BEGIN")
        # Pass 1, in reading order: the text into a staging table, the rest into lists.
        db.execute("CREATE TEMP TABLE raw (rowid INTEGER PRIMARY KEY, title TEXT, body TEXT, id TEXT)")
        codes: dict[str, dict] = {name: {"": 0} for name in (*FACETS, "cell")}
        meta: list[tuple[int, int, int, int, int]] = []  # (date, dup, source, place, cell)
        dups = duplicates(corpus)

        def code(facet: str, value) -> int:
            return codes[facet].setdefault(value, len(codes[facet]))

        def staged():
            for n, a in enumerate(articles(corpus)):
                source, place = code("source", (a.source or "").lower()), code("place", (a.place or "").lower())
                month = code("month", a.date.strftime("%Y-%m") if a.date else "")
                meta.append((epoch_seconds(a.date) if a.date else UNDATED, int(n in dups),
                             source, place, code("cell", (source, place, month))))
                yield n, a.title, a.body, a.id

        db.executemany("INSERT INTO temp.raw VALUES (?, ?, ?, ?)", staged())
        # Pass 2: rowids in date order; FTS5 builds fastest when fed in rowid order.
        order = sorted(range(len(meta)), key=lambda n: (meta[n][0], n))
        db.execute("CREATE TEMP TABLE ord (rowid INTEGER PRIMARY KEY, n INTEGER)")
        db.executemany("INSERT INTO temp.ord VALUES (?, ?)", enumerate(order, 1))
        db.execute("""INSERT INTO fts (rowid, title, body, id)
                      SELECT o.rowid, r.title, r.body, r.id FROM temp.ord o
                      JOIN temp.raw r ON r.rowid = o.n ORDER BY o.rowid""")
        db.executemany("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?)",
                       ((rowid, *meta[n][1:], meta[n][0] if meta[n][0] != UNDATED else None)
                        for rowid, n in enumerate(order, 1)))
        del codes["cell"][""]
        db.executemany("INSERT INTO cell VALUES (?, ?, ?, ?)", ((c, *k) for k, c in codes.pop("cell").items()))
        for facet, values in codes.items():
            db.executemany(f"INSERT INTO {facet} VALUES (?, ?)", ((c, v) for v, c in values.items()))
        db.execute("COMMIT")
        db.execute("DROP TABLE temp.raw")
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")  # one b-tree per term
        db.execute("VACUUM")
        db.close()
        return len(meta)

    # -- querying

    def __init__(self, index: Path) -> None:
        uri = (index / "fts.db").resolve().as_uri() + "?mode=ro"
        self.db = sqlite3.connect(uri, uri=True)
        # Read-only querying: the file memory-mapped (no read() copies), a large page
        # cache, sorters in memory.
        self.db.executescript("PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -131072;"
                              "PRAGMA temp_store = MEMORY; PRAGMA query_only = ON;")
        names = {f: dict(self.db.execute(f"SELECT code, name FROM {f}")) for f in FACETS}
        self.codes = {f: {v: c for c, v in n.items()} for f, n in names.items()}
        self.names = {f: [n.get(c, "") for c in range(max(n) + 1)] for f, n in names.items()}
        self.cells = {code: triple for code, *triple in self.db.execute("SELECT * FROM cell")}
        self.dates = _Dates(self.db)

    def _where(self, q: Translated) -> tuple[str, list]:
        """Filters on the side table, and a date range as a rowid range; duplicates are
        left out by the side table's flag."""
        sql, args = ["d.dup = 0"], []
        for name, value in q.filters.items():
            sql.append(f"d.{name} = ?")
            args.append(self.codes[name].get(value, -1))
        if q.since or q.until:
            first = bisect.bisect_left(self.dates, epoch_seconds(q.since) if q.since else UNDATED + 1)
            last = bisect.bisect_left(self.dates, epoch_seconds(q.until)) if q.until else len(self.dates)
            sql.append("fts.rowid BETWEEN ? AND ?")
            args += [first + 1, last]
        return " AND ".join(sql), args

    def _counts(self, match: str, where: str, args: list) -> tuple[int, dict]:
        """Total and all three facets in one pass over the hits."""
        rows = self.db.execute(
            f"""SELECT d.cell, count(*) FROM fts JOIN doc d ON d.rowid = fts.rowid
                WHERE fts MATCH ? AND {where} GROUP BY d.cell""", [match, *args]).fetchall()
        counts = {f: Counter() for f in FACETS}
        for cell, n in rows:
            for facet, value in zip(FACETS, self.cells[cell]):
                counts[facet][value] += n
        total = sum(n for _, n in rows)
        return total, {f: _top_facets(c, self.names[f]) for f, c in counts.items()}

    def _page(self, match: str, where: str, args: list, sort: str) -> list[tuple[str, str, str]]:
        if sort == "newest":  # FTS5 walks the match backwards: no sorter, 10 snippets
            return self.db.execute(
                f"""SELECT fts.id, fts.title, {SNIPPET} FROM fts JOIN doc d ON d.rowid = fts.rowid
                    WHERE fts MATCH ? AND {where} ORDER BY fts.rowid DESC LIMIT {PAGE}""",
                [match, *args]).fetchall()
        # The best 10 rowids by bm25() first (SQLite keeps a 10-row sorter), then the
        # snippets of those 10: in one statement snippet() would run for every hit
        # before the sort. `ORDER BY rank` (the same weights, set in the table's rank
        # config) was measured slower: FTS5 sorts every hit in its own sorter, no LIMIT.
        rowids = [r for (r,) in self.db.execute(
            f"""SELECT fts.rowid FROM fts JOIN doc d ON d.rowid = fts.rowid
                WHERE fts MATCH ? AND {where} ORDER BY {BM25} LIMIT {PAGE}""", [match, *args])]
        rows = {r[0]: r[1:] for r in self.db.execute(
            f"""SELECT rowid, id, title, {SNIPPET} FROM fts
                WHERE fts MATCH ? AND rowid IN ({",".join("?" * len(rowids))})""", [match, *rowids])}
        return [rows[r] for r in rowids]

    def run(self, text: str, sort: str) -> Answer:
        q = translate(text)
        where, args = self._where(q)
        match = q.fts5(q.join)
        total, facets = self._counts(match, where, args)
        if total == 0 and q.fallback:  # no article holds all the words: any of them
            match = q.fts5("any")
            total, facets = self._counts(match, where, args)
        hits = self._page(match, where, args, sort) if total else []
        return Answer(total, facets, hits)

    def close(self) -> None:
        self.db.close()


# -- tantivy ---------------------------------------------------------------------


class Tantivy(Baseline):
    """tantivy (en_stem) with fast fields for facets and date order, SnippetGenerator."""

    name = "tantivy"

    @staticmethod
    def _schema():
        import tantivy

        b = tantivy.SchemaBuilder()
        b.add_text_field("title", stored=True, tokenizer_name="en_stem")
        b.add_text_field("body", stored=True, tokenizer_name="en_stem")
        b.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
        for name in FACETS:  # fast: the terms aggregation reads the column, not postings
            b.add_text_field(name, stored=False, tokenizer_name="raw", fast=True, index_option="basic")
        b.add_date_field("date", stored=False, indexed=False, fast=True)
        b.add_unsigned_field("dup", stored=False, indexed=True, fast=False)
        return b.build()

    @staticmethod
    def build(corpus: str, index: Path) -> int:
        import tantivy
        from corpora import articles, duplicates

        index.mkdir(parents=True, exist_ok=True)
        ix = tantivy.Index(Tantivy._schema(), path=str(index))
        writer = ix.writer(heap_size=256_000_000, num_threads=2)
        dups = duplicates(corpus)
        count = 0
        for n, a in enumerate(articles(corpus)):
            count += 1
            doc = tantivy.Document(title=a.title, body=a.body, id=a.id)
            for name, value in (("source", a.source), ("place", a.place),
                                ("month", a.date.strftime("%Y-%m") if a.date else "")):
                if value:  # no value: not counted in the facet
                    doc.add_text(name, value.lower())
            if a.date:
                doc.add_date("date", a.date)
            doc.add_unsigned("dup", int(n in dups))
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        return count

    def __init__(self, index: Path) -> None:
        import tantivy

        self.t = tantivy
        self.index = tantivy.Index.open(str(index))
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = self.index.schema
        # The en_stem analyzer, to stem a fuzzy word as the index's words were.
        self.stemmer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                        .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
                        .filter(tantivy.Filter.stemmer("english")).build())
        self.not_dup = tantivy.Query.term_query(self.schema, "dup", 1)
        self.aggs = {f: {"terms": {"field": f, "size": FACET_LIMIT}} for f in FACETS}

    def _both_fields(self, make) -> object:
        """`make(field)` over title (boosted) and body, either may match."""
        Q, Occur = self.t.Query, self.t.Occur
        return Q.boolean_query([(Occur.Should, Q.boost_query(make("title"), TITLE_WEIGHT)),
                                (Occur.Should, make("body"))])

    def _item(self, item: Item):
        Q = self.t.Query
        if item.kind in ("word", "phrase"):
            text = item.text.replace('"', " ").replace("\\", " ")
            quoted = f'{item.column}:"{text}"' if item.column else f'"{text}"'
            return self.index.parse_query(quoted, ["title", "body"], {"title": TITLE_WEIGHT})
        stems = self.stemmer.analyze(item.text) or [item.text.lower()]
        pattern = re.escape(item.text.lower()) + ".*"  # prefixes are not stemmed (as in searchkit)

        def make(field: str):
            if item.kind == "fuzzy":
                return Q.fuzzy_term_query(self.schema, field, stems[0], item.distance)
            return Q.regex_query(self.schema, field, pattern)

        return make(item.column) if item.column else self._both_fields(make)

    def _query(self, q: Translated, join: Join):
        Q, Occur = self.t.Query, self.t.Occur
        items = [self._item(i) for i in q.positives]
        if len(items) == 1:
            text = items[0]
        else:
            occur = Occur.Must if join == "all" else Occur.Should
            text = Q.boolean_query([(occur, i) for i in items])
        clauses = [(Occur.Must, text), (Occur.MustNot, self.not_dup)]
        clauses += [(Occur.MustNot, self._item(n)) for n in q.negatives]
        clauses += [(Occur.Must, Q.term_query(self.schema, name, value)) for name, value in q.filters.items()]
        if q.since or q.until:
            clauses.append((Occur.Must, Q.range_query(
                self.schema, "date", self.t.FieldType.Date, q.since, q.until,
                include_lower=True, include_upper=q.until is None)))
        return Q.boolean_query(clauses)

    def _search(self, query, sort: str):
        if sort == "relevance":
            return self.searcher.search(query, PAGE, count=True)
        return self.searcher.search(query, PAGE, count=True, order_by_field="date",
                                    order=self.t.Order.Desc)

    def run(self, text: str, sort: str) -> Answer:
        q = translate(text)
        query = self._query(q, q.join)
        result = self._search(query, sort)  # the top 10 and the total in one call
        if result.count == 0 and q.fallback:  # no article holds all the words: any of them
            query = self._query(q, "any")
            result = self._search(query, sort)
        facets = {f: [] for f in FACETS}
        if result.count:
            found = self.searcher.aggregate(query, self.aggs)
            facets = {f: [(b["key"], b["doc_count"]) for b in found[f]["buckets"]] for f in FACETS}
        generator = self.t.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        hits = []
        for _, address in result.hits:
            doc = self.searcher.doc(address)
            hits.append((doc["id"][0], (doc["title"] or [""])[0],
                         generator.snippet_from_doc(doc).to_html()))
        return Answer(result.count, facets, hits)

    def close(self) -> None:
        pass


ENGINES = {e.name: e for e in (Searchkit, Fts5, Tantivy)}


def timed(fn, *args) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, value) of one call.

    CPU is process time, not thread time, so work an engine hands to its own threads
    counts too; nothing else runs in the benchmark process meanwhile.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main(argv: list[str]) -> None:
    """(child process) `build ENGINE CORPUS INDEX` or `query ENGINE INDEX TEXT`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if argv[0] == "build":
        count = ENGINES[argv[1]].build(argv[2], Path(argv[3]))
        print(json.dumps({"articles": count}))
    elif argv[0] == "query":
        engine = ENGINES[argv[1]](Path(argv[2]))
        answer = engine.run(argv[3], "relevance")
        engine.close()
        print(json.dumps({"total": answer.total, "facets": answer.facets, "hits": answer.hits}))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
