"""One opened index shared by threads answers each of them exactly as it answers one.

8 threads run a few thousand mixed queries (words, phrases, NOT, OR, wildcards, fuzzy
words, fields, date clauses, filters, both sorts, pages) through one `searchkit.Index`;
every answer (total, hits with scores and snippets, facets, suggestion) must equal the
answer the same index gave to the same request in a single thread.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import searchkit
from searchkit.models import SearchRequest

from .wire import PLACES, WORDS, make_archive, marker

ARTICLES = 1500
QUERIES = 2400
THREADS = 8


def _requests(rnd: random.Random) -> list[SearchRequest]:
    def word() -> str:
        return rnd.choice(WORDS)

    shapes = [
        lambda: word(),
        lambda: f"{word()} {word()}",
        lambda: f"{word()} {word()} {word()} {word()} {word()} {word()}",
        lambda: f'"{word()} {word()}"',
        lambda: f"{word()} NOT {word()}",
        lambda: f"{word()} OR {word()}",
        lambda: f"{word()[:4]}*",
        lambda: f"{word()[:-1]}~",
        lambda: f"{word()} place:{rnd.choice(PLACES).lower()}",
        lambda: f"{word()} date:2022-{rnd.randint(1, 12):02d}",
        lambda: marker(rnd.randrange(ARTICLES)),
        lambda: "",
    ]
    out = []
    for _ in range(QUERIES):
        extra = rnd.choice([{}, {"place": (rnd.choice(PLACES),)}, {"month": ("2022-03",)}])
        out.append(SearchRequest(rnd.choice(shapes)(), sort=rnd.choice(["relevance", "newest"]),
                                 page=rnd.choice([1, 1, 2]), **extra))
    return out


def _answer(response) -> tuple:
    return (response.total, response.matched, response.suggestion,
            tuple((h.id, h.score, h.snippet, h.title_spans) for h in response.hits),
            tuple(sorted((k, v) for k, v in response.facets.items())))


def test_one_index_answers_eight_threads_as_it_answers_one(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    make_archive(archive, ARTICLES, words=40)
    requests = _requests(random.Random(11))
    with searchkit.open(tmp_path / "index", archive) as ix:
        ix.reindex()
        alone = [_answer(ix.search(r)) for r in requests]
    # Opened anew, then shared.
    with searchkit.open(tmp_path / "index", archive) as shared, ThreadPoolExecutor(THREADS) as pool:
        together = list(pool.map(lambda r: _answer(shared.search(r)), requests))
    assert sum(1 for a in alone if a[0]) > QUERIES // 2  # most queries find something
    mismatches = [r.text for r, a, b in zip(requests, alone, together) if a != b]
    assert not mismatches, f"{len(mismatches)} answers differ, e.g. {mismatches[:5]}"
