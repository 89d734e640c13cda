"""Collections: the app takes {name: Index} from its caller, F2 picks one or several, and
several are searched each and merged (hits by score or date, totals and facets summed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from tui_helpers import STORIES, FixedApp, settle, write_archive

from searchkit.api import Index
from searchkit.engine.indexer import reindex
from searchkit.merge import merge_responses, part_request
from searchkit.models import FacetCount, Hit, SearchRequest, SearchResponse
from searchkit.tui.screens import CollectionsScreen, ReaderScreen
from searchkit.tui.widgets import ResultsList, StatusLine
from searchkit.tui.widgets.facets import FacetList


@pytest.fixture
def two(tmp_path: Path) -> dict[str, Index]:
    """"tass" and "reuters": the tiny archive's stories split by source, indexed apart."""
    out = {}
    for name, source in (("tass", "TASS"), ("reuters", "Reuters")):
        archive = write_archive(tmp_path / name, [s for s in STORIES if s[1] == source])
        reindex(archive, tmp_path / f"{name}-index")
        out[name] = Index(tmp_path / f"{name}-index", archive)
    return out


def status(screen) -> str:
    return str(screen.query_one(StatusLine).render())


def counts(screen, name: str) -> dict[str, int]:
    return {c.value: c.count for c in screen.query_one(f"#facet-{name}", FacetList).counts}


@pytest.mark.asyncio
async def test_f2_picks_one_collection_or_both_and_both_are_merged(two):
    app = FixedApp(collections=two, chosen=("tass",))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert status(screen).startswith("4 hits")
        assert counts(screen, "source") == {"TASS": 4}
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CollectionsScreen)
        await pilot.press("down", "space", "enter")  # tick "reuters" too, search both
        screen = await settle(pilot)
        assert status(screen).startswith("8 hits")
        assert counts(screen, "source") == {"TASS": 4, "Reuters": 4}
        assert counts(screen, "place") == {"LONDON": 3, "MOSCOW": 3, "MINSK": 2}
        hits = screen.query_one(ResultsList).hits
        # Browsing: newest first across both collections.
        assert [h.date for h in hits] == sorted((h.date for h in hits), reverse=True)
        assert {h.source for h in hits[:2]} == {"Reuters", "TASS"}
        screen.query_one("#query").focus()
        await pilot.press(*"gas")
        screen = await settle(pilot)
        assert status(screen).startswith("3 hits")  # 2 Reuters + 1 TASS
        assert [h.source for h in screen.query_one(ResultsList).hits].count("TASS") == 1
        # Both archives hold a wire.jsonl: the same ids name different articles. A hit
        # opens from the collection it was found in.
        screen.query_one("#query").value = ""
        screen = await settle(pilot)
        results = screen.query_one(ResultsList)
        ids = [h.id for h in results.hits]
        twins = [i for i, h in enumerate(results.hits) if ids.count(h.id) > 1]
        assert len(twins) >= 2
        for index in twins:
            results.focus()
            results.highlighted = index
            await pilot.press("enter")
            for _ in range(50):
                await pilot.pause(0.05)
                if isinstance(app.screen, ReaderScreen) and app.screen.article is not None:
                    break
            assert app.screen.article.title == results.hits[index].title
            await pilot.press("escape")
            await pilot.pause()
        # Only Reuters now: untick TASS.
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("space", "enter")
        screen = await settle(pilot)
        assert status(screen).startswith("4 hits")
        assert app.backend.chosen == ("reuters",)
        assert app.sub_title == "reuters"


def hit(n: int, score: float, day: int) -> Hit:
    return Hit(id=f"h{n}", path="p", date=datetime(2022, 1, day), source=None, place=None, title=f"t{n}",
               score=score, snippet=())


def response(request: SearchRequest, hits: list[Hit], total: int, places: dict[str, int]) -> SearchResponse:
    return SearchResponse(request, total, 1.0, tuple(hits), {
        "place": tuple(FacetCount(k, v) for k, v in places.items()),
        "month": (FacetCount("2022-01", total),)})


def test_merge_orders_by_score_or_date_sums_totals_and_facets_and_cuts_the_page():
    request = SearchRequest("gas", page=2, page_size=2, facet_limit=2, place=("Minsk",))
    asked = part_request(request)
    assert (asked.page, asked.page_size, asked.facet_limit) == (1, 4, None)
    a = response(asked, [hit(1, 9.0, 1), hit(2, 5.0, 9), hit(3, 1.0, 3)], 3, {"MOSCOW": 2, "MINSK": 1})
    b = response(asked, [hit(4, 7.0, 5), hit(5, 3.0, 2)], 12, {"moscow": 5, "LONDON": 4, "TOKYO": 3})
    merged, sources = merge_responses(request, [a, b])
    # By score: 9 (a), 7 (b), 5 (a), 3 (b), 1 (a); page 2 of 2 is the 3rd and 4th.
    assert [h.id for h in merged.hits] == ["h2", "h5"] and sources == [0, 1]
    assert merged.total == 15 and merged.pages == 8
    # Summed (Moscow once, as first written), the top 2, and the chosen Minsk kept.
    assert merged.facets["place"] == (FacetCount("MOSCOW", 7), FacetCount("LONDON", 4), FacetCount("MINSK", 1))
    assert merged.facet_sizes["place"] == 4
    assert merged.facets["month"] == (FacetCount("2022-01", 15),)
    newest, _ = merge_responses(SearchRequest("gas", sort="newest", page_size=3), [a, b])
    assert [h.id for h in newest.hits] == ["h2", "h4", "h3"]
    oldest, _ = merge_responses(SearchRequest("", sort="oldest", page_size=2), [a, b])
    assert [h.id for h in oldest.hits] == ["h1", "h5"]
