"""Facets as analysts use them: values within a facet OR-ed, facets AND-ed, and each
facet with a selection counted without its own selection (its other values keep counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher
from searchkit.models import SearchRequest

from .conftest import needs_shared

# (date, source, place, topics): nine short stories, four places.
STORIES = [
    ("2022-01-05", "TASS", "MOSCOW", ["grain"]),
    ("2022-01-12", "TASS", "MINSK", ["grain"]),
    ("2022-01-20", "Reuters", "MOSCOW", ["energy"]),
    ("2022-02-03", "Reuters", "LONDON", ["energy"]),
    ("2022-02-14", "TASS", "MOSCOW", ["grain", "trade"]),
    ("2022-02-25", "Reuters", "LONDON", ["trade"]),
    ("2022-03-08", "TASS", "MINSK", ["energy"]),
    ("2022-03-21", "Reuters", "LONDON", ["trade"]),
    ("2022-03-30", "Reuters", "TOKYO", ["trade"]),
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("facets")
    archive = folder / "archive"
    archive.mkdir()
    with open(archive / "wire.jsonl", "w", encoding="utf-8") as out:
        for n, (date, source, place, topics) in enumerate(STORIES):
            out.write(json.dumps({"id": f"s{n}", "date": date, "source": source, "place": place,
                                  "topics": topics, "title": f"Market report {n}",
                                  "body": f"Prices moved in {place.title()} on the day, report {n}."}) + "\n")
    reindex(archive, folder / "index")
    with Searcher(folder / "index") as searcher:
        yield searcher


def counts(response, name: str) -> dict[str, int]:
    return {f.value: f.count for f in response.facets[name]}


def test_two_places_give_their_union_and_every_place_keeps_its_count(searcher):
    response = searcher.search(SearchRequest("prices", place=("MOSCOW", "LONDON")))
    assert response.total == 6  # 3 in Moscow + 3 in London
    # The places are counted as if none were chosen: Minsk and Tokyo can still be added.
    assert counts(response, "place") == {"MOSCOW": 3, "LONDON": 3, "MINSK": 2, "TOKYO": 1}
    # Other facets describe the result: Moscow or London.
    assert counts(response, "source") == {"Reuters": 4, "TASS": 2}
    assert counts(response, "topic") == {"trade": 3, "energy": 2, "grain": 2}
    assert counts(response, "month") == {"2022-03": 1, "2022-02": 3, "2022-01": 2}


def test_facets_are_anded_and_each_is_counted_without_its_own_selection(searcher):
    response = searcher.search(SearchRequest("", place=("MOSCOW", "LONDON"), source=("TASS",)))
    assert response.total == 2  # TASS in Moscow (London has no TASS story)
    # Places over TASS stories only; sources over Moscow-or-London stories only.
    assert counts(response, "place") == {"MOSCOW": 2, "MINSK": 2}
    assert counts(response, "source") == {"Reuters": 4, "TASS": 2}
    # A facet with no selection counts the result itself.
    assert counts(response, "topic") == {"grain": 2, "trade": 1}


def test_a_chosen_value_no_article_of_the_others_holds_still_shows_the_other_values(searcher):
    response = searcher.search(SearchRequest("", place=("LONDON",), source=("TASS",)))
    assert response.total == 0
    assert counts(response, "place") == {"MOSCOW": 2, "MINSK": 2}
    assert counts(response, "source") == {"Reuters": 3}


def test_a_month_keeps_the_other_months_and_narrows_the_places(searcher):
    response = searcher.search(SearchRequest("", month=("2022-02",)))
    assert response.total == 3
    assert counts(response, "month") == {"2022-03": 3, "2022-02": 3, "2022-01": 3}
    assert counts(response, "year") == {"2022": 9}
    assert counts(response, "place") == {"LONDON": 2, "MOSCOW": 1}
    both = searcher.search(SearchRequest("", month=("2022-02", "2022-03")))
    assert both.total == 6


def test_a_facet_lists_its_top_values_or_all_of_them_on_demand(searcher):
    cut = searcher.search(SearchRequest("", facet_limit=2))
    assert [f.value for f in cut.facets["place"]] == ["LONDON", "MOSCOW"]
    assert cut.facet_sizes["place"] == 4  # two more to show
    assert cut.facet_sizes["source"] == 2
    whole = searcher.search(SearchRequest("", facet_limit=2, facet_all=("place",)))
    assert counts(whole, "place") == {"LONDON": 3, "MOSCOW": 3, "MINSK": 2, "TOKYO": 1}
    assert len(whole.facets["topic"]) == 2  # only the facet asked for is whole
    assert len(searcher.search(SearchRequest("", facet_limit=None)).facets["place"]) == 4
    # A chosen value stays listed with its count, even past the limit.
    chosen = searcher.search(SearchRequest("", facet_limit=2, place=("tokyo",)))
    assert counts(chosen, "place") == {"LONDON": 3, "MOSCOW": 3, "TOKYO": 1}
    only = searcher.search(SearchRequest("", facet_limit=0, place=("LONDON",)))
    assert (counts(only, "place"), counts(only, "source"), only.facet_sizes["source"]) == ({"LONDON": 3}, {}, 1)


def test_more_like_this_counts_facets_the_same_way(searcher):
    london = searcher.search(SearchRequest("", place=("LONDON",), sort="oldest")).hits[0].id
    like = searcher.more_like(london, SearchRequest(place=("LONDON", "TOKYO")))
    assert like.total == 3  # London's other two and Tokyo's one
    assert counts(like, "place")["MOSCOW"] == 3


@needs_shared
def test_each_count_is_what_choosing_that_value_would_find_on_reuters(reuters_index: Path):
    """Over Reuters-21578: a value's count in a facet with a selection equals the total
    found by choosing that value alone (with the other facets' selections)."""
    with Searcher(reuters_index) as searcher:
        cases = [
            SearchRequest("oil", place=("NEW YORK", "LONDON"), topic=("crude",)),
            SearchRequest("", topic=("grain", "wheat"), place=("WASHINGTON", "CHICAGO"), facet_limit=None),
            SearchRequest("bank rates", year=("1987",), place=("TOKYO", "LONDON")),
        ]
        for request in cases:
            response = searcher.search(request)
            assert response.total and response.matched == "all"
            for name in ("place", "topic"):
                chosen = getattr(request, name)
                for value in response.facets[name][:6]:
                    alone = searcher.search(SearchRequest(
                        request.text, **{**_choices(request), name: (value.value,)}, page_size=1))
                    assert value.count == alone.total, (request, name, value)
                if chosen and name == "place":  # one place per article: the union is a sum
                    assert response.total == sum(
                        searcher.search(SearchRequest(request.text, **{**_choices(request), name: (v,)},
                                                      page_size=1)).total
                        for v in chosen)


def _choices(request: SearchRequest) -> dict[str, tuple[str, ...]]:
    return {name: getattr(request, name) for name in ("source", "place", "topic", "year", "month")}
