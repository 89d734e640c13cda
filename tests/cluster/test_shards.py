"""A sharded index answers as one index over the same articles (searched in one process)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import searchkit
from searchkit.cluster import coordinator
from searchkit.cluster.layout import read_layout, shard_name, write_layout
from searchkit.engine.view import IndexView
from searchkit.errors import IndexBusyError, UserError
from searchkit.models import SearchRequest

from ..conftest import Cli, needs_shared

pytestmark = needs_shared

# Words, a phrase, booleans, a wildcard, a fuzzy word, typos (did you mean), a request long
# enough for feedback (RM3), words no article holds together (the fallback), browsing.
QUERIES = [
    "oil prices", "wheat exports", "\"crude oil\"", "gold AND silver", "bank NOT japan", "opec*",
    "barrel~", "cofee", "tokio exports", "yen dollar sterling", "coffee xylophonezz",
    "reports on failed wheat harvests in the southern provinces of the country", "",
    "interest rates fell sharply in march", "place:tokyo yen",
]


def _summary(response):
    return (response.total, [h.id for h in response.hits], [h.score for h in response.hits],
            response.facets, response.suggestion, response.matched, [h.snippet for h in response.hits])


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_sharded_index_answers_as_one_index(reuters_index: Path, reuters_shards: Path, sort: str) -> None:
    with searchkit.open(reuters_index) as one, searchkit.open(reuters_shards) as four:
        assert four.sharded and read_layout(reuters_shards).shards == 4
        for text in QUERIES:
            for page in (1, 4):
                request = SearchRequest(text, sort=sort, page=page, page_size=20)
                single, sharded = one.search(request), four.search(request)
                assert _summary(sharded) == _summary(single), (text, page)
                assert not sharded.partial
        # Filters and the facets they leave; a suggestion is found the same way.
        request = SearchRequest("grain", place=("usa",), topic=("wheat",), sort=sort)
        assert _summary(four.search(request)) == _summary(one.search(request))
        assert four.search("cofee").suggestion == one.search("cofee").suggestion == "coffee"


def test_show_stats_and_more_like_this_agree(reuters_index: Path, reuters_shards: Path) -> None:
    with searchkit.open(reuters_index) as one, searchkit.open(reuters_shards) as four:
        hit = one.search("cocoa buffer stock").hits[0]
        assert four.article(hit.id) == one.article(hit.id)
        assert four.article("no-such-article") is None
        assert four.similar_terms(hit.id) == one.similar_terms(hit.id)
        assert _summary(four.more_like(hit.id)) == _summary(one.more_like(hit.id))
        assert four.highlight(one.article(hit.id), "cocoa") == one.highlight(one.article(hit.id), "cocoa")
        a, b = one.stats(), four.stats()
        assert (b.articles, b.sources, b.places, b.first_date, b.last_date, b.top_sources) == \
            (a.articles, a.sources, a.places, a.first_date, a.last_date, a.top_sources)


def test_copies_of_a_story_share_a_shard(reuters_index: Path, reuters_shards: Path) -> None:
    """Each shard holds only articles whose duplicate key hashes to it, and every article
    of the archive is in exactly one shard (so duplicates collapse as in one index)."""
    single = IndexView(Path(reuters_index, (reuters_index / "CURRENT").read_text().strip()))
    layout = read_layout(reuters_shards)
    total = 0
    for k in range(layout.shards):
        folder = reuters_shards / shard_name(k)
        view = IndexView(folder / (folder / "CURRENT").read_text().strip())
        keys = np.concatenate([s["doc.dedup"] for s in view.segments])
        assert np.all(keys % np.uint64(layout.shards) == k)
        assert view.commit.dup.size <= single.commit.dup.size
        total += view.live_count
    assert total == single.live_count
    assert sum(IndexView(reuters_shards / shard_name(k) / read_layout(reuters_shards).generations[shard_name(k)])
               .valid.sum() for k in range(4)) == single.valid.sum()


def test_deep_pages_are_bounded(reuters_shards: Path) -> None:
    with searchkit.open(reuters_shards) as four, pytest.raises(UserError, match="at most hit"):
        four.search(SearchRequest("oil", page=1001, page_size=10))


def test_reindex_switches_every_shard_together(archive: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "index"
    searchkit.open(index_dir, archive).reindex(shards=4)
    ix = searchkit.open(index_dir, archive)
    before = read_layout(index_dir)
    assert ix.search("zanzibarite").total == 0
    (archive / "extra.jsonl").write_text(json.dumps({
        "date": "2023-05-01", "source": "Wire", "title": "Zanzibarite found",
        "body": "A new mineral, zanzibarite, was found near the coast by a survey team."}) + "\n")
    summary = ix.reindex()
    assert summary.new == 1 and summary.added_articles == 1
    after = read_layout(index_dir)
    assert after.epoch == before.epoch + 1
    # Every shard read the new file (each keeps the archive's file list); all switched.
    changed = [name for name in after.names() if after.generations[name] != before.generations[name]]
    assert changed == after.names()
    assert summary.articles == ix.stats().articles
    assert ix.search("zanzibarite").total == 1
    assert ix.reindex().added_articles == 0 and read_layout(index_dir).generations == after.generations
    # A switch half done (a shard named at a generation it does not answer from): the search
    # waits for the switch to finish rather than mixing old and new shards.
    monkeypatch.setattr(coordinator, "SWITCH_WAIT", 0.2)
    stale = dict(after.generations, **{changed[0]: before.generations[changed[0]]})
    write_layout(index_dir, type(after)(after.shards, stale, after.epoch))
    with pytest.raises(IndexBusyError, match="being switched"):
        ix.search("zanzibarite")
    ix.close()


def test_cli_builds_and_searches_a_sharded_index(archive: Path, tmp_path: Path) -> None:
    run = Cli(archive, tmp_path / "index")
    result = run("reindex", "--shards", "3")
    assert result.exit_code == 0, result.output
    assert read_layout(tmp_path / "index").shards == 3
    single = Cli(archive, tmp_path / "single")
    assert single("reindex").exit_code == 0
    for args in (("query", "peacekeepers", "--json"), ("query", "--json"), ("stats", "--json")):
        a, b = json.loads(run(*args).output), json.loads(single(*args).output)
        for data in (a, b):
            data.pop("took_ms", None)
            data.pop("index", None)
            data.pop("size_bytes", None)
            data.pop("updated", None)
        assert a == b
    hit = json.loads(run("query", "peacekeepers", "--json").output)["hits"][0]["id"]
    assert run("show", hit).output == single("show", hit).output
    # A single index stays single; a sharded one keeps its shards.
    refused = single("reindex", "--shards", "2")
    assert refused.exit_code == 2 and "single index" in refused.output
    refused = run("reindex", "--shards", "2")
    assert refused.exit_code == 2 and "has 3 shards" in refused.output


def test_check_reads_every_shard(archive: Path, tmp_path: Path) -> None:
    run = Cli(archive, tmp_path / "index")
    assert run("reindex", "--shards", "2").exit_code == 0
    report = json.loads(run("check", "--json").output)
    assert report["whole"] and report["articles"] == json.loads(run("stats", "--json").output)["articles"]
    layout = read_layout(tmp_path / "index")
    segments = [(name, segment) for name in layout.names()
                for segment in (tmp_path / "index" / name / layout.generations[name]).glob("MAIN_*.arrays")]
    name, segment = max(segments, key=lambda item: item[1].stat().st_size)
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    damaged = run("check")
    assert damaged.exit_code == 2 and name in damaged.output
