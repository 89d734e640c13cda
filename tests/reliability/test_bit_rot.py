"""Bytes flipped at random in every kind of index file: answers are right or the damage
is named; never a wrong answer, never a traceback.

Each trial copies a clean index, flips a few bytes in one of its files (a segment, the
commit file, the table of contents, the generation's metadata, CURRENT, the marker),
then asks a set of queries through a fresh `searchkit.Index` and compares each answer
with the clean index's: the same answer, or IndexDamagedError naming the damage. Then an
incremental reindex must either say the index is damaged or leave it answering right.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

import searchkit
from searchkit.engine import store
from searchkit.errors import IndexDamagedError
from searchkit.models import SearchRequest

from .wire import make_archive, marker

TRIALS = 300
QUERIES = ["peacekeepers", "grain harvest", '"trade talks"', "budget NOT election", "parliment~",
           "pipe*", "", marker(7), "exports place:minsk", "security date:2022-03"]


def _answers(index_dir: Path) -> list[tuple]:
    with searchkit.open(index_dir) as ix:
        out = []
        for q in QUERIES:
            r = ix.search(SearchRequest(q, page_size=20))
            out.append((r.total, r.matched, r.suggestion, [(h.id, h.path, h.score, h.snippet) for h in r.hits],
                        sorted(r.facets.items())))
        article = ix.article("00/a000000.txt")
        out.append((article.body, article.place) if article else None)
        return out


def _files(index_dir: Path) -> dict[str, list[Path]]:
    gen = store.current_generation(index_dir)
    return {
        "segment": sorted(gen.glob("MAIN_*.arrays")),
        "commit file": sorted(gen.glob("commit-*.arrays")),
        "table of contents": sorted(gen.glob("_MAIN_*.toc")),
        "generation metadata": [gen / store.META],
        "CURRENT": [index_dir / store.CURRENT],
        "marker": [index_dir / store.MARKER],
    }


def _flip(path: Path, rnd: random.Random) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(rnd.randint(1, 3)):
        at = rnd.randrange(len(data))
        data[at] ^= 1 << rnd.randrange(8)
    path.write_bytes(bytes(data))


@pytest.mark.heavy
def test_flipped_bytes_give_right_answers_or_named_damage(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    make_archive(archive, 300, words=30)
    clean = tmp_path / "clean"
    with searchkit.open(clean, archive) as ix:
        ix.reindex()
    expected = _answers(clean)
    rnd = random.Random(17)
    kinds = list(_files(clean))
    outcomes: Counter[str] = Counter()
    for trial in range(TRIALS):
        index_dir = tmp_path / "trial"
        shutil.rmtree(index_dir, ignore_errors=True)
        shutil.copytree(clean, index_dir)
        kind = kinds[trial % len(kinds)]
        _flip(rnd.choice(_files(index_dir)[kind]), rnd)
        try:
            answers = _answers(index_dir)
        except IndexDamagedError as exc:
            assert "damaged" in str(exc)
            outcomes["damage named"] += 1
        else:
            assert answers == expected, f"trial {trial}: a flip in the {kind} gave a wrong answer"
            outcomes["answered right"] += 1
        # An incremental reindex never reports success over a damaged index.
        try:
            with searchkit.open(index_dir, archive) as ix:
                ix.reindex()
        except IndexDamagedError:
            outcomes["reindex named the damage"] += 1
        else:
            assert _answers(index_dir) == expected, f"trial {trial}: reindex left the {kind} wrong"
            outcomes["reindex left it right"] += 1
    print(f"\n{TRIALS} trials: {dict(outcomes)}")
    assert outcomes["damage named"] > TRIALS // 3 and outcomes["answered right"] > 0
