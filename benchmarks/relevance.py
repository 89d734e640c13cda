"""Ranking quality of searchkit on the classic IR test collections, beside SQLite FTS5 and Lucene.

    python -m benchmarks.relevance            # six collections, leave-one-out, short queries
    python -m benchmarks.relevance med adi    # some of them (no leave-one-out)

Each collection in ../shared/relevance is written as a JSON Lines archive (title and
text, as the Lucene reference indexed them), indexed and queried through the public API
(`searchkit.open(...).reindex()` and `.search()`, the code path of `searchkit query`),
retrieving the top 1000, any of the request's words (`match="any"`: a request is ranked
over the documents holding any of its words, as the Lucene reference ranks them). The
requests are long natural-language paragraphs, not query syntax, so each is handed over
as its plain words (lower-cased, punctuation dropped): a LISA
request's "AND" or a CACM "?" is prose, not an operator or a wildcard. SQLite FTS5
(`porter unicode61`, ranked by `bm25()`) gets the same words, OR-ed, on the same
documents; Lucene's BM25 is re-run here (`LuceneBM25`) so that all four measures can be
compared, its published MAP beside it. CRAN is scored twice: as is, and with each
query's source paper (judged rel 0) dropped from the runs, as the collection's README
explains.

Then the leave-one-out table (`candidates`): for each collection, the candidate default
chosen on the other five by its worst margin over Lucene, scored on the one left out.
Last, proximity on and off for short queries over Reuters-21578, judged by its topic
labels (`SHORT_QUERIES`).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import searchkit
from benchmarks.ir_eval import MEASURES, evaluate
from searchkit.engine.matching import Matcher
from searchkit.engine.ranking import DEFAULT, RankingParams, Scorer
from searchkit.engine.searcher import Searcher
from searchkit.models import SearchRequest

REPO = Path(__file__).resolve().parent.parent
RELEVANCE = REPO.parent / "shared" / "relevance"
COLLECTIONS = ("cran", "cisi", "med", "cacm", "adi", "lisa")
DEPTH = 1000
# Lucene BM25 (Anserini 1.7.1, k1=1.2, b=0.75, title+text), MAP, from the README.
LUCENE_MAP = {"cran": 0.295, "cran-nosrc": 0.348, "cisi": 0.208, "med": 0.526,
              "cacm": 0.341, "adi": 0.412, "lisa": 0.364}
_WORDS = re.compile(r"\w+")


@dataclass
class Collection:
    name: str
    docs: list[tuple[str, str, str]]  # (docno, title, text)
    queries: dict[str, str]  # judged queries only
    qrels: dict[str, dict[str, int]]


def load(name: str) -> Collection:
    folder = RELEVANCE / name
    docs = []
    with open(folder / "docs.jsonl", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            docs.append((str(record["docno"]), record.get("title", ""), record.get("text", "")))
    qrels: dict[str, dict[str, int]] = {}
    for line in (folder / "qrels.trec").read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, docno, rel = line.split()
            qrels.setdefault(qid, {})[docno] = int(rel)
    queries = {}
    for line in (folder / "queries.tsv").read_text(encoding="utf-8").splitlines():
        qid, _, text = line.partition("\t")
        if qid in qrels:
            queries[qid] = text
    return Collection(name, docs, queries, qrels)


def plain_words(text: str) -> str:
    """A request as words only: no operators, fields, wildcards or quotes."""
    return " ".join(_WORDS.findall(text.lower()))


def run_searchkit(coll: Collection, workdir: Path) -> tuple[dict[str, list[str]], float, Path, dict[str, str]]:
    """{qid: docnos best first} from searchkit, the mean seconds per query, the index
    and {article id: docno}."""
    archive = workdir / coll.name / "archive"
    archive.mkdir(parents=True)
    docno_of: dict[str, str] = {}
    with open(archive / f"{coll.name}.jsonl", "w", encoding="utf-8") as out:
        for line_no, (docno, title, text) in enumerate(coll.docs, start=1):
            out.write(json.dumps({"title": title, "text": text}) + "\n")
            docno_of[f"{coll.name}.jsonl#{line_no}"] = docno
    run: dict[str, list[str]] = {}
    with searchkit.open(workdir / coll.name / "index", archive) as ix:
        ix.reindex(full=True)
        started = time.perf_counter()
        for qid, text in coll.queries.items():
            response = ix.search(SearchRequest(text=plain_words(text), page_size=DEPTH, match="any"))
            run[qid] = [docno_of[hit.id] for hit in response.hits]
    return run, (time.perf_counter() - started) / max(1, len(coll.queries)), workdir / coll.name / "index", docno_of


def run_fts5(coll: Collection) -> dict[str, list[str]]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(docno UNINDEXED, title, body,"
               " tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", coll.docs)
    run = {}
    for qid, text in coll.queries.items():
        words = plain_words(text).split()
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute("SELECT docno FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                          (match, DEPTH)) if words else []
        run[qid] = [docno for (docno,) in rows]
    db.close()
    return run


class LuceneBM25:
    """Lucene's BM25 as the reference runs used it (Anserini's default English analysis:
    the standard tokenizer, possessives dropped, lower case, Lucene's 33 stop words,
    Porter's stemmer; k1 1.2, b .75; title and text as one field; each request word one
    clause, a repeated word counted again), written out so that every measure, not only
    the published MAP, can be reported beside searchkit's. Field lengths are exact where
    Lucene keeps a one-byte approximation: its MAP comes within a few thousandths of the
    published figures (see the table)."""

    STOP = frozenset({"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
                      "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
                      "there", "these", "they", "this", "to", "was", "will", "with"})
    TOKEN = re.compile(r"\w+(?:[.'’]\w+)*")

    def __init__(self, docs: list[tuple[str, str, str]], k1: float = 1.2, b: float = 0.75) -> None:
        import numpy as np
        import Stemmer

        self.np, self.k1, self.b = np, k1, b
        self._stemmer = Stemmer.Stemmer("porter")
        self._stems: dict[str, str] = {}
        self.docnos = [docno for docno, _, _ in docs]
        postings: dict[str, dict[int, int]] = {}
        lengths = []
        for n, (_, title, text) in enumerate(docs):
            terms = self.terms(f"{title}\n{text}")
            lengths.append(len(terms))
            for term in terms:
                row = postings.setdefault(term, {})
                row[n] = row.get(n, 0) + 1
        self.lengths = np.array(lengths, dtype=np.float64)
        self.postings = {t: (np.fromiter(r.keys(), np.int64), np.fromiter(r.values(), np.float64))
                         for t, r in postings.items()}

    def terms(self, text: str) -> list[str]:
        out = []
        for token in self.TOKEN.findall(text.lower().replace("’", "'")):
            if token.endswith("'s"):
                token = token[:-2]
            if token and token not in self.STOP:
                if token not in self._stems:
                    self._stems[token] = self._stemmer.stemWord(token)
                out.append(self._stems[token])
        return out

    def search(self, text: str, depth: int = DEPTH) -> list[str]:
        np = self.np
        n_docs = len(self.lengths)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.lengths.mean())
        scores = np.zeros(n_docs)
        for term in self.terms(text):
            if term in self.postings:
                docs, tf = self.postings[term]
                idf = np.log(1 + (n_docs - len(docs) + 0.5) / (len(docs) + 0.5))
                scores[docs] += idf * tf / (tf + norm[docs])
        held = np.flatnonzero(scores > 0)
        best = held[np.lexsort((held, -scores[held]))][:depth]
        return [self.docnos[i] for i in best.tolist()]


def run_lucene(coll: Collection) -> dict[str, list[str]]:
    ref = LuceneBM25(coll.docs)
    return {qid: ref.search(text) for qid, text in coll.queries.items()}  # its own analysis reads the prose


def without_sources(run: dict[str, list[str]], qrels) -> dict[str, list[str]]:
    """CRAN runs with each query's source paper (judged rel 0) left out."""
    return {qid: [d for d in docs if qrels.get(qid, {}).get(d) != 0] for qid, docs in run.items()}


# Leave-one-out: the candidate defaults. Each is scored on all six collections; for each
# collection in turn, the candidate with the best worst margin over Lucene on the other
# five is chosen and scored on the one left out. The grid spans the usual BM25 ranges
# and the choices the ranking makes (headline weight, feedback), not fine steps: a
# choice that needs fine steps to win does not carry to another archive.
def candidates() -> dict[str, RankingParams]:
    out = {}
    for k1 in (0.9, 1.2, 1.5):
        for b in (0.6, 0.75):
            for title in (1.0, 1.5):
                for feedback in (False, True):
                    name = f"k1 {k1}, b {b}, headline ×{title}, feedback {'on' if feedback else 'off'}"
                    out[name] = replace(DEFAULT, k1=k1, b={"title": b, "body": b},
                                        field_weight={"title": title, "body": 1.0},
                                        feedback_min_words=DEFAULT.feedback_min_words if feedback else 10**9)
    return out


def ranked_only(index_dir: Path, coll: Collection, docno_of: dict[str, str],
                params: RankingParams) -> dict[str, list[str]]:
    """The same ranking as `run_searchkit` (any word, top DEPTH), without building hits
    and snippets: the searcher's plan, matching and scorer, under other parameters."""
    run: dict[str, list[str]] = {}
    with Searcher(index_dir, params) as searcher:
        view = searcher.view()
        lang = searcher.language(view)
        ids = [docno_of[str(view.stored(doc)["id"])] for doc in range(len(view.valid))]
        for qid, text in coll.queries.items():
            plan, _ = searcher.parse(plain_words(text), "any", view).first()
            matcher = Matcher(view)
            docs = matcher.docs(plan)
            docs = docs[view.valid[docs]]
            best, _ = Scorer(view, matcher, params, lang).rank(plan, docs, DEPTH)
            run[qid] = [ids[doc] for doc in best.tolist()]
    return run


def leave_one_out(maps: dict[str, dict[str, float]]) -> list[tuple[str, str, float, float]]:
    """For each collection: (collection, the candidate chosen on the other five by its
    worst margin over Lucene (then its mean), its MAP on the one left out, the margin)."""
    rows = []
    for held in COLLECTIONS:
        others = [c for c in COLLECTIONS if c != held]

        def worth(name: str, others: list[str] = others) -> tuple[float, float]:
            margins = [maps[name][c] - LUCENE_MAP[c] for c in others]
            return min(margins), sum(margins) / len(margins)

        chosen = max(maps, key=worth)
        rows.append((held, chosen, maps[chosen][held], maps[chosen][held] - LUCENE_MAP[held]))
    return rows


# Short queries as a news reader types them, judged by the topic labels Reuters' editors
# gave the stories (an article is relevant when it carries the topic): the collections
# above have long requests only, and proximity is for short queries.
SHORT_QUERIES = {
    "money supply": "money-supply", "foreign exchange": "money-fx", "interest rates": "interest",
    "trade deficit": "trade", "crude oil": "crude", "natural gas": "nat-gas", "gross national product": "gnp",
    "consumer prices": "cpi", "wholesale prices": "wpi", "industrial production": "ipi",
    "retail sales": "retail", "housing starts": "housing", "capacity utilization": "cpu",
    "balance of payments": "bop", "unemployment rate": "jobs", "grain exports": "grain",
    "wheat exports": "wheat", "sugar prices": "sugar", "coffee prices": "coffee", "gold prices": "gold",
    "cocoa prices": "cocoa", "vegetable oil": "veg-oil", "oil reserves": "crude", "ship strike": "ship",
    "stock split": "earn", "merger talks": "acq", "copper prices": "copper", "interest rate cut": "interest",
    "dollar exchange rate": "money-fx", "oilseed exports": "oilseed", "soybean crop": "soybean",
    "corn crop": "corn", "rubber prices": "rubber", "tin prices": "tin", "cotton crop": "cotton",
    "livestock prices": "livestock", "budget deficit": "trade",
}
REUTERS = REPO.parent / "shared" / "corpus" / "reuters21578" / "reuters21578.tar.xz"


def short_queries(workdir: Path) -> str:
    """Proximity on and off for SHORT_QUERIES over Reuters-21578 (all words, as typed)."""
    import tarfile

    archive = workdir / "reuters"
    with tarfile.open(REUTERS) as tar:
        tar.extractall(archive, members=[m for m in tar.getmembers() if m.name.endswith(".sgm")], filter="data")
    index_dir = workdir / "reuters-index"
    searchkit.open(index_dir, archive).reindex()
    qrels: dict[str, dict[str, int]] = {}
    with Searcher(index_dir) as searcher:
        view = searcher.view()
        for doc in map(int, view.valid.nonzero()[0]):
            stored = view.stored(doc)
            for query, topic in SHORT_QUERIES.items():
                if topic in (stored.get("topics") or ()):
                    qrels.setdefault(query, {})[str(stored["id"])] = 1
    lines = ["| short queries on Reuters-21578 | " + " | ".join(MEASURES) + " |",
             "|" + " --- |" * (len(MEASURES) + 1)]
    for label, params in (("proximity (the default)", DEFAULT), ("no proximity", replace(DEFAULT, proximity_boost=0))):
        with searchkit.open(index_dir, params=params) as ix:
            run = {q: [h.id for h in ix.search(SearchRequest(q, page_size=DEPTH, snippet_chars=0)).hits]
                   for q in SHORT_QUERIES}
        result = evaluate(run, qrels)
        lines.append(f"| {label} | " + " | ".join(f"{result[m]:.4f}" for m in MEASURES) + " |")
    lines.append(f"\n({len(qrels)} queries of two or three words; relevant: the stories labelled with the topic)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collections", nargs="*", help=f"some of {', '.join(COLLECTIONS)} (default: all)")
    parser.add_argument("--no-loo", action="store_true", help="skip the leave-one-out table")
    args = parser.parse_args(argv)
    names = args.collections or list(COLLECTIONS)
    unknown = sorted(set(names) - set(COLLECTIONS))
    if unknown:
        parser.error(f"unknown collection {unknown[0]!r}: choose from {', '.join(COLLECTIONS)}")
    if not RELEVANCE.is_dir():
        print(f"{RELEVANCE} is not there", file=sys.stderr)
        return 2
    rows: list[tuple[str, dict, dict, dict]] = []
    maps: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="searchkit-relevance-") as tmp:
        built = {}
        for name in names:
            coll = load(name)
            ours, per_query_s, index_dir, docno_of = run_searchkit(coll, Path(tmp))
            built[name] = (coll, index_dir, docno_of)
            fts, lucene = run_fts5(coll), run_lucene(coll)
            rows.append((name, *(evaluate(run, coll.qrels) for run in (ours, fts, lucene))))
            if name == "cran":
                rows.append(("cran-nosrc", *(evaluate(without_sources(run, coll.qrels), coll.qrels)
                                             for run in (ours, fts, lucene))))
            print(f"{name}: {len(coll.docs)} docs, {len(coll.queries)} queries, "
                  f"{per_query_s * 1000:.0f} ms/query", file=sys.stderr)
        print(table(rows))
        if args.no_loo or set(names) != set(COLLECTIONS):
            return 0
        for label, params in candidates().items():
            maps[label] = {name: evaluate(ranked_only(index_dir, coll, docno_of, params), coll.qrels)["map"]
                           for name, (coll, index_dir, docno_of) in built.items()}
            print(f"candidate {label}: " + " ".join(f"{c} {m:.4f}" for c, m in maps[label].items()),
                  file=sys.stderr)
        print()
        print(loo_table(maps))
        if REUTERS.is_file():
            print()
            print(short_queries(Path(tmp)))
    return 0


def loo_table(maps: dict[str, dict[str, float]]) -> str:
    lines = ["| left out | chosen on the other five (best worst margin over Lucene) | its MAP there | "
             "Lucene | margin | the default's MAP | margin |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    default = next(label for label, p in candidates().items() if _same(p, DEFAULT))
    for held, chosen, value, margin in leave_one_out(maps):
        ours = maps[default][held]
        lines.append(f"| {held} | {chosen} | {value:.4f} | {LUCENE_MAP[held]:.3f} | {margin:+.4f} | "
                     f"{ours:.4f} | {ours - LUCENE_MAP[held]:+.4f} |")
    lines.append(f"\n(the default is the candidate `{default}`; {len(maps)} candidates)")
    return "\n".join(lines)


def _same(a: RankingParams, b: RankingParams) -> bool:
    feedback = (a.feedback_min_words < 10**9) == (b.feedback_min_words < 10**9)
    return (a.k1, a.b, a.field_weight) == (b.k1, b.b, b.field_weight) and feedback


def table(rows) -> str:
    """The results as a Markdown table, with the mean of the six (CRAN as is)."""
    engines = ("searchkit", "FTS5", "Lucene BM25")
    head = ["collection"] + [f"{e} {m}" for e in engines for m in MEASURES] + ["Lucene MAP published"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]

    def fmt(name, *results, published=None):
        cells = [name] + [f"{r[m]:.3f}" for r in results for m in MEASURES]
        cells.append(f"{published:.3f}" if published is not None else "")
        return "| " + " | ".join(cells) + " |"

    for name, *results in rows:
        lines.append(fmt(name, *results, published=LUCENE_MAP.get(name)))
    main_rows = [r for r in rows if r[0] in COLLECTIONS]
    if len(main_rows) == len(COLLECTIONS):
        means = [{m: sum(r[i][m] for r in main_rows) / len(main_rows) for m in MEASURES} for i in (1, 2, 3)]
        lucene = sum(LUCENE_MAP[r[0]] for r in main_rows) / len(main_rows)
        lines.append(fmt("**mean of six**", *means, published=lucene))
    lines.append(f"\n({date.today().isoformat()}; top {DEPTH} per query; CRAN-nosrc: source papers dropped; "
                 "Lucene BM25: the reference re-run here (LuceneBM25), beside its published MAP)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
