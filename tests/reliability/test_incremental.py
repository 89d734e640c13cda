"""An index updated by many incremental reindexes answers exactly as one built whole.

Rounds of random changes to an archive (new, changed, removed files, reissued copies
of stories, a multi-article JSON Lines file growing and shrinking): after each
incremental reindex, which adds segments, deletes articles and merges segments, the
answers to a set of queries equal those of a fresh full build of the same archive:
totals, hit ids in order, scores, snippets and facet counts.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

import searchkit
from searchkit.models import SearchRequest

from .wire import WORDS, article_text, write_article

ROUNDS = 8
QUERIES = ["peacekeepers", "grain harvest", '"trade talks"', "budget NOT election", "summit OR treaty",
           "pipe*", "parliment~", "", "exports place:minsk", "security date:2022-03",
           "council minister talks treaty border trade"]


def _answers(index_dir: Path) -> list[tuple]:
    with searchkit.open(index_dir) as ix:
        out = []
        for q in QUERIES:
            for sort in ("relevance", "oldest"):
                r = ix.search(SearchRequest(q, sort=sort, page_size=15))
                out.append((q, sort, r.total, r.matched, [(h.id, h.score, h.snippet) for h in r.hits],
                            sorted(r.facets.items())))
        return out


@pytest.mark.heavy
def test_incremental_reindexes_answer_as_a_full_build(tmp_path: Path) -> None:
    rnd = random.Random(3)
    archive = tmp_path / "archive"
    alive = {n: 0 for n in range(300)}
    for n in alive:
        write_article(archive, n, words=30)
    index_dir = tmp_path / "index"
    with searchkit.open(index_dir, archive) as ix:
        ix.reindex()
        for round_no in range(ROUNDS):
            for n in rnd.sample(sorted(alive), 25):  # changed
                alive[n] += 1
                write_article(archive, n, alive[n], words=30)
            for n in rnd.sample(sorted(alive), 20):  # removed
                (archive / f"{n % 20:02d}/a{n:06d}.txt").unlink()
                del alive[n]
            for n in range(max(alive) + 1, max(alive) + 1 + rnd.randint(5, 60)):  # new
                alive[n] = 0
                write_article(archive, n, words=30)
            copy = rnd.choice(sorted(alive))  # a story reissued under another name
            (archive / f"copy{round_no}.txt").write_text(article_text(copy, alive[copy], 30), encoding="utf-8")
            lines = [json.dumps({"title": f"Brief {round_no} {i}", "body": " ".join(rnd.choices(WORDS, k=12)),
                                 "date": f"2022-0{1 + i % 9}-01", "place": "Minsk"})
                     for i in range(rnd.randint(0, 40))]
            (archive / "briefs.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            summary = ix.reindex()
            assert not summary.full
            rebuilt = tmp_path / f"rebuilt{round_no}"
            shutil.rmtree(rebuilt, ignore_errors=True)
            with searchkit.open(rebuilt, archive) as fresh:
                fresh.reindex(full=True)
            assert _answers(index_dir) == _answers(rebuilt), f"round {round_no}"
