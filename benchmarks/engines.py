"""The three engines the benchmark compares, doing the same work per query.

Each query returns what the CLI and TUI show: the total of hits (duplicates removed),
the top 10 (by relevance, or newest first), facet counts for source, place and month
over all hits, and 10 highlighted snippets.

The baselines read the archive with searchkit's own readers, so all three index the
same articles; only searchkit's query language is translated (see `translate`).
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from corpora import articles

FACET_LIMIT = 25
PAGE = 10


# -- the query language, translated for the baselines ---------------------------

_TOKEN = re.compile(r'date:\[[^\]]*\]|\w+:"[^"]*"|\w+:\S+|"[^"]*"|\S+')


@dataclass
class Translated:
    """A searchkit query in parts: text items, how they join, filters."""

    positives: list[tuple[str | None, str]] = field(default_factory=list)  # (column or None, text)
    negatives: list[str] = field(default_factory=list)
    all_required: bool = False  # explicit AND
    filters: dict[str, str] = field(default_factory=dict)  # source/place → lower-cased value
    since: datetime | None = None
    until: datetime | None = None  # exclusive

    def fts5(self) -> str:
        def quote(text: str) -> str:
            return '"' + text.strip('"').replace('"', '""') + '"'

        items = [f"{col} : {quote(t)}" if col else quote(t) for col, t in self.positives]
        expr = (" AND " if self.all_required else " OR ").join(items)
        if len(items) > 1:
            expr = f"({expr})"
        if self.negatives:
            expr += " NOT (" + " OR ".join(quote(n) for n in self.negatives) + ")"
        return expr

    def tantivy(self) -> str:
        def item(col: str | None, text: str) -> str:
            text = text.strip('"')
            return f'{col}:"{text}"' if col else f'"{text}"'

        items = [item(c, t) for c, t in self.positives]
        if self.all_required:
            expr = " ".join("+" + i for i in items)
        else:
            expr = "+(" + " ".join(items) + ")"
        expr += "".join(f' -"{n.strip(chr(34))}"' for n in self.negatives)
        for name, value in self.filters.items():
            expr += f' +{name}:"{value}"'
        if self.since or self.until:
            lo = self.since.isoformat() + "Z" if self.since else "*"
            hi = self.until.isoformat() + "Z" if self.until else "*"
            expr += f" +date:[{lo} TO {hi}}}"
        return expr


def translate(text: str) -> Translated:
    from searchkit.dates import parse_user_date

    out = Translated()
    negate = False
    for token in _TOKEN.findall(text):
        if token in ("AND", "OR"):
            out.all_required = out.all_required or token == "AND"
            continue
        if token == "NOT":
            negate = True
            continue
        if token.startswith("date:["):
            start, end = re.split(r"\s+TO\s+", token[6:-1])
            out.since, out.until = parse_user_date(start), parse_user_date(end, end=True)
            continue
        name, sep, value = token.partition(":")
        if sep and name in ("source", "place"):
            out.filters[name] = value.strip('"').lower()
            continue
        column = name if sep and name in ("title", "body") else None
        word = value if column else token
        if negate:
            out.negatives.append(word)
            negate = False
        else:
            out.positives.append((column, word))
    return out


# -- searchkit ---------------------------------------------------------------------


class Searchkit:
    name = "searchkit"

    @staticmethod
    def build(corpus: str, index: Path) -> int:
        from searchkit.engine.indexer import reindex

        from corpora import archive

        return reindex(archive(corpus), index, full=True).articles

    def __init__(self, index: Path) -> None:
        from searchkit.engine.searcher import Searcher

        self.searcher = Searcher(index)

    def run(self, text: str, sort: str) -> int:
        from searchkit.models import SearchRequest

        response = self.searcher.search(SearchRequest(text=text, sort=sort, page_size=PAGE))
        assert all(hit.snippet is not None for hit in response.hits)
        return response.total

    def raw_count(self, text: str) -> int:
        """Matches before duplicates are removed (which copy of a story is kept differs
        between engines, so totals after de-duplication may differ by a few)."""
        from searchkit.models import SearchRequest

        s = self.searcher
        compiled = s.parse(text)
        docs = s._docsets.docs(compiled.matching)
        for restriction in (s._filter_query(SearchRequest(text=text)), compiled.date_filter):
            if restriction is not None:
                docs &= s._docsets.docs(restriction)
        return len(docs)

    def close(self) -> None:
        self.searcher.close()


# -- SQLite FTS5 -----------------------------------------------------------------


class Fts5:
    """FTS5 (porter unicode61) for text, bm25() for rank, snippet(), GROUP BY facets.

    `meta` holds what the facets and filters need; `dup` marks later copies of a story
    (searchkit's de-duplication key, in reading order), left out as searchkit does.
    """

    name = "fts5"

    @staticmethod
    def build(corpus: str, index: Path) -> int:
        from searchkit.engine.schema import dedup_key

        index.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(index / "fts.db")
        db.executescript("""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61');
            CREATE TABLE meta (rowid INTEGER PRIMARY KEY, id TEXT, source TEXT, place TEXT,
                               month TEXT, date TEXT, dup INTEGER);
        """)
        seen: set[bytes] = set()
        count = 0

        def rows():
            nonlocal count
            for a in articles(corpus):
                count += 1
                key = dedup_key(a)
                dup = int(key in seen)
                seen.add(key)
                date = a.date.isoformat() if a.date else ""
                yield (count, a.title, a.body, a.id, (a.source or "").lower(), (a.place or "").lower(),
                       date[:7], date, dup)

        with db:
            for row in rows():
                db.execute("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)", row[:3])
                db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?)", (row[0],) + row[3:])
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.execute("CREATE INDEX meta_date ON meta(date)")
        db.commit()
        db.execute("VACUUM")
        db.close()
        return count

    def __init__(self, index: Path) -> None:
        self.db = sqlite3.connect(index / "fts.db")

    def raw_count(self, text: str) -> int:
        """Matches before duplicates are removed."""
        q = translate(text)
        where, args = self._where(q, dedup=False)
        return self.db.execute(f"""SELECT COUNT(*) FROM meta m WHERE {where} AND m.rowid IN
                                   (SELECT rowid FROM fts WHERE fts MATCH ?)""",
                               args + [q.fts5()]).fetchone()[0]

    def _where(self, q: Translated, dedup: bool = True) -> tuple[str, list]:
        sql, args = ["m.dup = 0" if dedup else "1"], []
        for name, value in q.filters.items():
            sql.append(f"m.{name} = ?")
            args.append(value)
        if q.since:
            sql.append("m.date >= ?")
            args.append(q.since.isoformat())
        if q.until:
            sql.append("m.date < ?")
            args.append(q.until.isoformat())
        return " AND ".join(sql), args

    def run(self, text: str, sort: str) -> int:
        q = translate(text)
        match = q.fts5()
        where, args = self._where(q)
        db = self.db
        db.execute("DROP TABLE IF EXISTS temp.hits")
        db.execute(f"""CREATE TEMP TABLE hits AS SELECT m.rowid AS rowid, m.source, m.place, m.month
                       FROM meta m WHERE m.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)
                       AND {where}""", [match] + args)
        total = db.execute("SELECT COUNT(*) FROM hits").fetchone()[0]
        for column in ("source", "place", "month"):
            db.execute(f"""SELECT {column}, COUNT(*) AS n FROM hits WHERE {column} != ''
                           GROUP BY {column} ORDER BY n DESC LIMIT {FACET_LIMIT}""").fetchall()
        order = "bm25(fts, 2.0, 1.0)" if sort == "relevance" else "m.date DESC"
        db.execute(f"""SELECT m.id, fts.title, snippet(fts, 1, '<em>', '</em>', '…', 40)
                       FROM fts JOIN meta m ON m.rowid = fts.rowid
                       WHERE fts MATCH ? AND m.rowid IN (SELECT rowid FROM hits)
                       ORDER BY {order} LIMIT {PAGE}""", [match]).fetchall()
        return total

    def close(self) -> None:
        self.db.close()


# -- tantivy ---------------------------------------------------------------------


class Tantivy:
    """tantivy (en_stem) with fast fields for facets and dates, SnippetGenerator."""

    name = "tantivy"

    @staticmethod
    def _schema():
        import tantivy

        b = tantivy.SchemaBuilder()
        b.add_text_field("title", stored=True, tokenizer_name="en_stem")
        b.add_text_field("body", stored=True, tokenizer_name="en_stem")
        b.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in ("source", "place", "month"):
            b.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
        b.add_date_field("date", stored=False, indexed=True, fast=True)
        b.add_unsigned_field("dup", stored=False, indexed=True, fast=False)
        return b.build()

    @staticmethod
    def build(corpus: str, index: Path) -> int:
        import tantivy
        from searchkit.engine.schema import dedup_key

        index.mkdir(parents=True, exist_ok=True)
        ix = tantivy.Index(Tantivy._schema(), path=str(index))
        writer = ix.writer(heap_size=256_000_000, num_threads=2)
        seen: set[bytes] = set()
        count = 0
        for a in articles(corpus):
            count += 1
            key = dedup_key(a)
            doc = tantivy.Document(
                title=a.title, body=a.body, id=a.id, source=(a.source or "").lower(),
                place=(a.place or "").lower(), month=a.date.strftime("%Y-%m") if a.date else "",
            )
            doc.add_unsigned("dup", int(key in seen))
            if a.date:
                doc.add_date("date", a.date)
            seen.add(key)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        return count

    def __init__(self, index: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.index = tantivy.Index.open(str(index))
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = self.index.schema

    def run(self, text: str, sort: str) -> int:
        t = self.tantivy
        q = translate(text)
        query = self.index.parse_query(q.tantivy() + " -dup:1", ["title", "body"], {"title": 2.0})
        s = self.searcher
        aggs = {name: {"terms": {"field": name, "size": FACET_LIMIT}} for name in ("source", "place", "month")}
        s.aggregate(query, aggs)
        if sort == "relevance":
            result = s.search(query, PAGE, count=True)
        else:
            result = s.search(query, PAGE, count=True, order_by_field="date", order=t.Order.Desc)
        generator = t.SnippetGenerator.create(s, query, self.schema, "body")
        for _, address in result.hits:
            generator.snippet_from_doc(s.doc(address)).to_html()
        return result.count

    def close(self) -> None:
        pass


ENGINES = {e.name: e for e in (Searchkit, Fts5, Tantivy)}


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - started, value
