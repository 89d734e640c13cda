"""The whole Reuters-21578 corpus: indexed, searched, filtered and faceted."""

from __future__ import annotations

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
    # WHOOSH-NOTES: the matcher's replace optimisation once made this 261 instead of 633.
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
    assert counts(new_york, "place") == {"NEW YORK": new_york.total}
    assert counts(march, "month") == {"1987-03": march.total}
    assert new_york.total == counts(everything, "place")["NEW YORK"]


def test_multi_word_place_in_the_query(searcher):
    response = searcher.search(SearchRequest('place:"new york" gold'))
    assert response.total == searcher.search(SearchRequest("gold", place=("NEW YORK",))).total
