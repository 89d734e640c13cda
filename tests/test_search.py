"""The searcher on the shipped seeds and small archives made for the test."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher
from searchkit.errors import QueryError
from searchkit.models import SearchRequest

MOSCOW_ID = "000_705ae3be991c31b8.txt"  # 2022-01-19, MOSCOW
MINSK_ID = "003_a64b384920c9e53b.txt"  # 2022-01-10, MINSK


def ids(response) -> list[str]:
    return [h.id for h in response.hits]


def facet(response, name) -> dict[str, int]:
    return {f.value: f.count for f in response.facets[name]}


def marked(hit) -> list[str]:
    return [s.text for s in hit.snippet if s.match]


def test_peacekeepers_almaty_finds_both_with_facets(seed_searcher):
    response = seed_searcher.search(SearchRequest("peacekeepers Almaty"))
    assert response.total == 2
    assert set(ids(response)) == {MOSCOW_ID, MINSK_ID}
    assert facet(response, "source") == {"TASS": 2}
    assert facet(response, "place") == {"MOSCOW": 1, "MINSK": 1}
    assert facet(response, "month") == {"2022-01": 2}
    assert facet(response, "year") == {"2022": 2}
    for hit in response.hits:
        words = {w.lower() for w in marked(hit)}
        assert "almaty" in words  # the passage shown holds both words
        assert words & {"peacekeepers", "peacekeeper", "peacekeeping"}


def test_stemming_matches_other_forms(seed_searcher):
    response = seed_searcher.search(SearchRequest("peacekeeper"))
    assert response.total == 2
    assert "peacekeepers" in {w.lower() for h in response.hits for w in marked(h)}


def test_a_short_query_means_all_its_words_then_any(seed_searcher):
    # Only the Minsk story mentions Blinken; both mention Almaty.
    response = seed_searcher.search(SearchRequest("Almaty Blinken"))
    assert (ids(response), response.total, response.matched) == ([MINSK_ID], 1, "all")
    assert facet(response, "place") == {"MINSK": 1}
    # Nobody mentions Serdyukov and Blinken together: any of the words, said so.
    response = seed_searcher.search(SearchRequest("Serdyukov Blinken"))
    assert (set(ids(response)), response.matched) == ({MOSCOW_ID, MINSK_ID}, "any")
    assert seed_searcher.search(SearchRequest("Almaty Blinken", match="any")).total == 2


def test_phrase_not_or_field_wildcard_fuzzy(seed_searcher):
    def found(text):
        return set(ids(seed_searcher.search(SearchRequest(text))))

    assert found('"hybrid wars"') == {MINSK_ID}
    assert found('"wars hybrid"') == set()
    assert found("peacekeepers NOT Blinken") == {MOSCOW_ID}
    assert found("Serdyukov OR Volfovich") == {MOSCOW_ID, MINSK_ID}
    assert found("Serdyukov AND Volfovich") == set()
    assert found("place:minsk") == {MINSK_ID}
    assert found("place:MINSK peacekeepers") == {MINSK_ID}
    assert found("source:TASS") == {MOSCOW_ID, MINSK_ID}
    assert found("title:Volfovich") == {MINSK_ID}
    assert found("Serdyuk*") == {MOSCOW_ID}
    assert found("Serdykov~") == {MOSCOW_ID}
    assert found("date:2022-01-19") == {MOSCOW_ID}
    assert found("date:[2022-01-01 TO 2022-01-15] CSTO") == {MINSK_ID}
    assert found("date:>2022-01-10") == {MOSCOW_ID}


def test_wildcard_highlights_what_it_reached(seed_searcher):
    (hit,) = seed_searcher.search(SearchRequest("Serdyuk*")).hits
    assert "Serdyukov" in marked(hit)


def test_filters(seed_searcher):
    def found(**kwargs):
        return set(ids(seed_searcher.search(SearchRequest("CSTO", **kwargs))))

    assert found(place=("Minsk",)) == {MINSK_ID}
    assert found(place=("MOSCOW", "minsk")) == {MOSCOW_ID, MINSK_ID}
    assert found(source=("Reuters",)) == set()
    assert found(since=datetime(2022, 1, 11)) == {MOSCOW_ID}
    assert found(until=datetime(2022, 1, 11)) == {MINSK_ID}
    assert found(month=("2022-01",)) == {MOSCOW_ID, MINSK_ID}
    assert found(year=("2021",)) == set()


def test_filters_narrow_the_facet_counts(seed_searcher):
    response = seed_searcher.search(SearchRequest("CSTO", place=("MINSK",)))
    assert facet(response, "source") == {"TASS": 1}
    assert response.total == 1
    # The place facet is counted without its own selection: Moscow can be added to it.
    assert facet(response, "place") == {"MINSK": 1, "MOSCOW": 1}


def test_sort_and_pages(seed_searcher):
    newest = seed_searcher.search(SearchRequest("Kazakhstan", sort="newest"))
    oldest = seed_searcher.search(SearchRequest("Kazakhstan", sort="oldest"))
    assert ids(newest) == [MOSCOW_ID, MINSK_ID]
    assert ids(oldest) == [MINSK_ID, MOSCOW_ID]
    assert all(h.score > 0 for h in newest.hits)

    first = seed_searcher.search(SearchRequest("Kazakhstan", sort="newest", page_size=1))
    second = seed_searcher.search(SearchRequest("Kazakhstan", sort="newest", page_size=1, page=2))
    third = seed_searcher.search(SearchRequest("Kazakhstan", sort="newest", page_size=1, page=3))
    assert (ids(first), ids(second), ids(third)) == ([MOSCOW_ID], [MINSK_ID], [])
    assert first.total == second.total == third.total == 2
    assert first.pages == 2
    # Facets cover the whole result set, not the page.
    assert facet(first, "place") == {"MOSCOW": 1, "MINSK": 1}


def test_browse_lists_everything_newest_first(seed_searcher):
    for text in ("", "*"):
        response = seed_searcher.search(SearchRequest(text))
        assert ids(response) == [MOSCOW_ID, MINSK_ID]
        assert facet(response, "place") == {"MOSCOW": 1, "MINSK": 1}


def test_did_you_mean(seed_searcher):
    response = seed_searcher.search(SearchRequest("peacekeepres"))
    assert response.total == 0
    assert response.suggestion == "peacekeepers"
    assert seed_searcher.search(SearchRequest("peacekeepers")).suggestion is None


@pytest.mark.parametrize("text", ['"unclosed', "(CSTO", "CSTO)", "colour:red", "date:[x TO]", "date:soon"])
def test_bad_queries_say_why(seed_searcher, text):
    with pytest.raises(QueryError):
        seed_searcher.search(SearchRequest(text))


def test_stop_words_only_find_nothing(seed_searcher):
    assert seed_searcher.search(SearchRequest("the of and")).total == 0


def test_article_and_highlight(seed_searcher):
    article = seed_searcher.article(MINSK_ID)
    assert article.place == "MINSK" and article.date == datetime(2022, 1, 10)
    assert article.path.endswith("seeds/003_a64b384920c9e53b.txt")
    _title, body = seed_searcher.highlight_article(article, "peacekeeper Almaty")
    assert [s.text for s in body if s.match].count("Almaty") == 3
    assert "".join(s.text for s in body) == article.body
    assert seed_searcher.article("nope") is None


def test_more_like_this_leaves_the_article_out(seed_searcher):
    response = seed_searcher.more_like(MOSCOW_ID, SearchRequest())
    assert ids(response) == [MINSK_ID]


def test_stats(seed_searcher):
    stats = seed_searcher.stats()
    assert (stats.articles, stats.sources, stats.places) == (2, 1, 2)
    assert (stats.first_date, stats.last_date) == (datetime(2022, 1, 10), datetime(2022, 1, 19))
    assert stats.size_bytes > 0 and stats.updated is not None


def write_story(folder: Path, name: str, date: str, place: str, body: str) -> None:
    (folder / name).write_text(f" date {date} {place}, January 1. /TASS/. {body}", encoding="utf-8")


def test_duplicate_stories_appear_once(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    story = "The grain harvest in the region reached a record this year, officials said."
    write_story(archive, "a.txt", "2022-01-01", "MOSCOW", story)
    write_story(archive, "b.txt", "2022-01-02", "MOSCOW", story)  # reissued, same body
    write_story(archive, "c.txt", "2022-01-03", "MINSK", "The grain harvest fell short, officials said.")
    reindex(archive, tmp_path / "index")
    with Searcher(tmp_path / "index") as searcher:
        response = searcher.search(SearchRequest("grain harvest"))
        assert response.total == 2
        assert len({h.title for h in response.hits}) == 2
        assert sum(f.count for f in response.facets["place"]) == 2


def test_typographic_apostrophes_stem_like_ascii_ones(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    write_story(archive, "a.txt", "2023-03-01", "KYIV", "Ukraine’s grain exports rose in March.")
    write_story(archive, "b.txt", "2023-03-02", "KYIV", "Ukraine's wheat exports fell in March.")
    reindex(archive, tmp_path / "index")
    with Searcher(tmp_path / "index") as searcher:
        response = searcher.search(SearchRequest("ukraine"))
        assert response.total == 2
        assert {s.text for h in response.hits for s in h.snippet if s.match} == {"Ukraine’s", "Ukraine's"}


def test_a_reindex_shows_at_the_next_search(archive, tmp_path):
    """A searcher follows the index's commits: no reopening, no stale answers."""
    import json

    index_dir = tmp_path / "index"
    reindex(archive, index_dir)
    with Searcher(index_dir) as searcher:
        assert searcher.search(SearchRequest("peacekeepers")).total == 2
        story = {"title": "Peacekeepers leave", "text": "The peacekeepers left Almaty.", "date": "2022-01-20"}
        (archive / "more.jsonl").write_text(json.dumps(story) + "\n", encoding="utf-8")
        reindex(archive, index_dir)
        response = searcher.search(SearchRequest("peacekeepers", sort="newest"))
        assert response.total == 3 and response.hits[0].title == "Peacekeepers leave"
        (archive / "more.jsonl").unlink()
        reindex(archive, index_dir)
        assert searcher.search(SearchRequest("peacekeepers")).total == 2
