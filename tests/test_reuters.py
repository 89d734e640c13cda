"""The whole Reuters-21578 corpus: indexed, searched, filtered and faceted."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from searchkit.engine.searcher import Searcher
from searchkit.models import SearchRequest

from .conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def searcher(reuters_index):
    with Searcher(reuters_index) as s:
        yield s


def counts(response, name) -> dict[str, int]:
    return {f.value: f.count for f in response.facets[name]}


def test_every_record_is_indexed(searcher):
    stats = searcher.stats()
    assert stats.articles == 21_577  # 21,578 records, one of them empty (named when skipped)
    assert stats.sources == 1 and stats.top_sources[0].value == "Reuters"
    assert stats.first_date == datetime(1987, 2, 26, 15, 1, 1, 790000)
    assert stats.last_date.date() == datetime(1987, 10, 20).date()


def test_query_with_facets(searcher):
    response = searcher.search(SearchRequest("cocoa"))
    assert response.total > 100
    assert all("cocoa" in (h.title + " ".join(s.text for s in h.snippet)).lower() for h in response.hits)
    months = counts(response, "month")
    assert sum(months.values()) == response.total
    assert set(months) <= {f"1987-{m:02d}" for m in range(2, 11)}
    assert counts(response, "source") == {"Reuters": response.total}
    assert "cocoa" in counts(response, "topic")


def test_or_counts_every_match(searcher):
    # Whoosh's matcher, with its replace optimisation, once counted 261 here instead of 633.
    wheat = searcher.search(SearchRequest("wheat")).total
    corn = searcher.search(SearchRequest("corn")).total
    both = searcher.search(SearchRequest("wheat AND corn")).total
    either = searcher.search(SearchRequest("wheat OR corn")).total
    assert either == wheat + corn - both
    assert either > 600


def test_place_and_month_narrow(searcher):
    everything = searcher.search(SearchRequest("gold"))
    new_york = searcher.search(SearchRequest("gold", place=("new york",)))
    march = searcher.search(SearchRequest("gold", place=("new york",), month=("1987-03",)))
    assert everything.total > new_york.total > march.total > 0
    # A facet with a selection is counted without it (other values can be added to it);
    # the other facets describe the narrowed result.
    assert counts(new_york, "place") == counts(everything, "place")
    assert sum(counts(new_york, "month").values()) == new_york.total
    assert counts(march, "month") == counts(new_york, "month")
    assert counts(march, "place")["NEW YORK"] == march.total
    assert new_york.total == counts(everything, "place")["NEW YORK"]


def test_multi_word_place_in_the_query(searcher):
    response = searcher.search(SearchRequest('place:"new york" gold'))
    assert response.total == searcher.search(SearchRequest("gold", place=("NEW YORK",))).total


def _articles_holding(reuters_archive, *words: str) -> set[str]:
    """Ids of the Reuters articles whose analysed title or text holds every one of
    `words`, found by reading the archive directly (not through the index)."""
    from searchkit import readers
    from searchkit.engine.analysis import stem, terms_of
    from searchkit.models import Article

    wanted = {stem(w) for w in words}
    found = set()
    for path, rel in readers.find_files(reuters_archive):
        for item in readers.read_file(path, rel):
            if isinstance(item, Article) and wanted <= set(terms_of(f"{item.title}\n{item.body}")):
                found.add(item.id)
    return found


def test_a_short_query_counts_the_articles_holding_all_its_words(searcher, reuters_archive):
    """`cocoa prices` is about cocoa: the total, the facets and the newest-first order
    describe the articles holding both words, not every article mentioning prices."""
    response = searcher.search(SearchRequest("cocoa prices", sort="newest", page_size=50))
    expected = _articles_holding(reuters_archive, "cocoa", "prices")
    assert response.matched == "all"
    # Duplicates (reissued stories) are left out of the answer, never added.
    assert 0 < response.total <= len(expected) and {h.id for h in response.hits} <= expected
    assert response.total < searcher.search(SearchRequest("cocoa")).total < 200
    assert all("cocoa" in f"{h.title} {h.id} {''.join(s.text for s in h.snippet)}".lower()
               or (searcher.article(h.id) and "cocoa" in searcher.article(h.id).body.lower())
               for h in response.hits)
    assert counts(response, "topic").get("cocoa", 0) > response.total // 2
    dates = [h.date for h in response.hits]
    assert dates == sorted(dates, reverse=True)
    # Asked for any of the words, the same query reaches thousands.
    assert searcher.search(SearchRequest("cocoa prices", match="any")).total > 2000


def test_phrase_matches_are_highlighted_word_for_word(searcher):
    response = searcher.search(SearchRequest('"stock exchange"', page_size=5))
    assert response.total > 100
    for hit in response.hits:
        marked = [s.text.lower() for s in hit.snippet if s.match]
        assert marked and all(w in ("stock", "exchange") for w in marked)
        pairs = list(itertools.pairwise(marked))
        assert ("stock", "exchange") in pairs


def test_misspellings_are_answered_with_a_common_word(searcher):
    for typed, meant in (("cofee", "coffee"), ("petrolium", "petroleum"), ("inflaton", "inflation")):
        response = searcher.search(SearchRequest(typed))
        assert response.suggestion == meant, typed
    assert searcher.search(SearchRequest("mony suply")).suggestion == "money supply"
    assert searcher.search(SearchRequest("wheat OR corn")).suggestion is None
