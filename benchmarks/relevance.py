"""Ranking quality of searchkit on the classic IR test collections, beside SQLite FTS5.

    python -m benchmarks.relevance            # all six collections, prints the table
    python -m benchmarks.relevance med adi    # some of them

Each collection in ../shared/relevance is written as a JSON Lines archive (title and
text, as the Lucene reference indexed them), indexed and queried through the public API
(`searchkit.open(...).reindex()` and `.search()`, the code path of `searchkit query`),
retrieving the top 1000, any of the request's words (`match="any"`: a request is ranked
over the documents holding any of its words, as the Lucene reference ranks them). The
requests are long natural-language paragraphs, not query syntax, so each is handed over
as its plain words (lower-cased, punctuation dropped): a LISA
request's "AND" or a CACM "?" is prose, not an operator or a wildcard. SQLite FTS5
(`porter unicode61`, ranked by `bm25()`) gets the same words, OR-ed, on the same
documents. CRAN is scored twice: as is, and with each query's source paper (judged
rel 0) dropped from the runs, as the collection's README explains.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import searchkit
from benchmarks.ir_eval import MEASURES, evaluate
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


def run_searchkit(coll: Collection, workdir: Path) -> tuple[dict[str, list[str]], float]:
    """{qid: docnos best first} from searchkit, and the mean seconds per query."""
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
    return run, (time.perf_counter() - started) / max(1, len(coll.queries))


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


def without_sources(run: dict[str, list[str]], qrels) -> dict[str, list[str]]:
    """CRAN runs with each query's source paper (judged rel 0) left out."""
    return {qid: [d for d in docs if qrels.get(qid, {}).get(d) != 0] for qid, docs in run.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collections", nargs="*", help=f"some of {', '.join(COLLECTIONS)} (default: all)")
    args = parser.parse_args(argv)
    names = args.collections or list(COLLECTIONS)
    unknown = sorted(set(names) - set(COLLECTIONS))
    if unknown:
        parser.error(f"unknown collection {unknown[0]!r}: choose from {', '.join(COLLECTIONS)}")
    if not RELEVANCE.is_dir():
        print(f"{RELEVANCE} is not there", file=sys.stderr)
        return 2
    rows: list[tuple[str, dict, dict, float | None]] = []
    with tempfile.TemporaryDirectory(prefix="searchkit-relevance-") as tmp:
        for name in names:
            coll = load(name)
            ours, per_query_s = run_searchkit(coll, Path(tmp))
            fts = run_fts5(coll)
            rows.append((name, evaluate(ours, coll.qrels), evaluate(fts, coll.qrels), per_query_s))
            if name == "cran":
                rows.append(("cran-nosrc", evaluate(without_sources(ours, coll.qrels), coll.qrels),
                             evaluate(without_sources(fts, coll.qrels), coll.qrels), None))
            print(f"{name}: {len(coll.docs)} docs, {len(coll.queries)} queries, "
                  f"{per_query_s * 1000:.0f} ms/query", file=sys.stderr)
    print(table(rows))
    return 0


def table(rows) -> str:
    """The results as a Markdown table, with the mean of the six (CRAN as is)."""
    head = ["collection"] + [f"searchkit {m}" for m in MEASURES] + \
           [f"FTS5 {m}" for m in MEASURES] + ["Lucene MAP"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]

    def fmt(name, ours, fts, lucene):
        cells = [name] + [f"{ours[m]:.3f}" for m in MEASURES] + [f"{fts[m]:.3f}" for m in MEASURES]
        cells.append(f"{lucene:.3f}" if lucene is not None else "")
        return "| " + " | ".join(cells) + " |"

    for name, ours, fts, _ in rows:
        lines.append(fmt(name, ours, fts, LUCENE_MAP.get(name)))
    main_rows = [r for r in rows if r[0] in COLLECTIONS]
    if len(main_rows) == len(COLLECTIONS):
        mean = lambda i: {m: sum(r[i][m] for r in main_rows) / len(main_rows) for m in MEASURES}  # noqa: E731
        lucene = sum(LUCENE_MAP[r[0]] for r in main_rows) / len(main_rows)
        lines.append(fmt("**mean of six**", mean(1), mean(2), lucene))
    lines.append(f"\n({date.today().isoformat()}; top {DEPTH} per query; CRAN-nosrc: source papers dropped)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
