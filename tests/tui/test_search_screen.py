"""The search screen driven like a person: typing, facets, dates, sorting, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import FixedApp, settle

from searchkit.models import Article, Hit, SearchRequest, SearchResponse, Span
from searchkit.output import MATCH_STYLE
from searchkit.tui.screens import ReaderScreen, SearchScreen
from searchkit.tui.widgets import QueryBox, ResultsList, StatusLine
from searchkit.tui.widgets.facets import DateFacet, DateInput, FacetList

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
pytestmark = pytest.mark.asyncio


def status(screen: SearchScreen) -> str:
    return str(screen.query_one(StatusLine).render())


def titles(screen: SearchScreen) -> list[str]:
    return [hit.title for hit in screen.query_one(ResultsList).hits]


def shown_text(screen: SearchScreen, index: int) -> str:
    return screen.query_one(ResultsList).get_option_at_index(index).prompt.plain


def facet_counts(screen: SearchScreen, name: str) -> dict[str, int]:
    return {c.value: c.count for c in screen.query_one(f"#facet-{name}", FacetList).counts}


async def choose(pilot, facet_id: str, value: str) -> None:
    """Move to a facet value and press Enter on it, as a person would."""
    facet = pilot.app.screen.query_one(facet_id, FacetList)
    facet.focus()
    facet.highlighted = facet.get_option_index(value)
    await pilot.press("enter")


async def test_typing_peacekeepers_over_the_seeds_shows_two_highlighted_hits(seed_index: Path):
    app = FixedApp(SEEDS, seed_index)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"peacekeepers")
        screen = await settle(pilot)
        assert status(screen).startswith("2 hits")
        results = screen.query_one(ResultsList)
        assert len(results.hits) == 2
        marked = []
        for index in range(2):
            prompt = results.get_option_at_index(index).prompt
            marked.append({prompt.plain[s.start:s.end].lower() for s in prompt.spans if s.style == MATCH_STYLE})
        # The word itself, and its other forms (the analyzer stems them alike).
        assert "peacekeepers" in marked[0]
        assert all(words and all(w.startswith("peacekeep") for w in words) for words in marked)


async def test_opens_on_the_newest_articles(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert status(screen).startswith("8 hits")
        assert "sorted by relevance" in status(screen)
        assert titles(screen)[0] == "Markup test [red]x[/red] story"  # 2022-03-21, the newest
        assert titles(screen)[-1] == "Wheat harvest beats forecast"


async def test_a_facet_value_narrows_the_hits_and_every_count(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert facet_counts(screen, "source") == {"TASS": 4, "Reuters": 4}
        await choose(pilot, "#facet-place", "MOSCOW")
        screen = await settle(pilot)
        assert status(screen).startswith("3 hits")
        assert facet_counts(screen, "source") == {"TASS": 2, "Reuters": 1}
        assert facet_counts(screen, "topic") == {"grain": 2, "energy": 1, "trade": 1}
        filters = str(screen.query_one("#filters").render())
        assert "place MOSCOW" in filters
        # The chosen value is marked, and choosing it again clears it.
        place = screen.query_one("#facet-place", FacetList)
        assert place.get_option_at_index(0).prompt.plain.startswith("■ MOSCOW")
        await choose(pilot, "#facet-place", "MOSCOW")
        screen = await settle(pilot)
        assert status(screen).startswith("8 hits")


async def test_months_within_a_year_narrow_and_escape_clears(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        dates = screen.query_one(DateFacet)
        # One year only: its months are listed under it.
        assert [o.prompt.plain for o in dates.options] == [
            "□ 2022 8", "  □ Mar 2022 2", "  □ Feb 2022 3", "  □ Jan 2022 3"]
        await choose(pilot, "#facet-date", "2022-02")
        screen = await settle(pilot)
        assert status(screen).startswith("3 hits")
        assert facet_counts(screen, "place") == {"LONDON": 2, "MOSCOW": 1}
        await choose(pilot, "#facet-place", "LONDON")
        screen = await settle(pilot)
        assert titles(screen) == ["Shipping rates fall", "London gas traders brace for winter"]
        await pilot.press("escape")
        screen = await settle(pilot)
        assert status(screen).startswith("8 hits")
        assert not screen.query_one("#filters").display


async def test_since_date_filters_and_an_unreadable_date_is_marked(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        since = screen.query_one("#since", DateInput)
        since.focus()
        await pilot.press(*"Feb 20 2022")
        screen = await settle(pilot)
        assert status(screen).startswith("3 hits")
        await pilot.press("ctrl+u", *"2022-13-45")
        screen = await settle(pilot)
        assert since.has_class("-invalid")
        error = screen.query_one("#date-error")
        assert error.display and "cannot read the date" in str(error.render())
        assert status(screen).startswith("8 hits")  # the unreadable date is not applied
        await pilot.press("ctrl+u", *"2022-03")
        screen = await settle(pilot)
        assert not since.has_class("-invalid") and not error.display
        assert status(screen).startswith("2 hits")


async def test_one_key_cycles_the_sort_order(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"wheat")
        screen = await settle(pilot)
        relevance = titles(screen)
        assert "sorted by relevance" in status(screen)
        await pilot.press("ctrl+o")
        screen = await settle(pilot)
        assert "sorted by newest" in status(screen)
        newest = titles(screen)
        assert newest == ["Grain exports reach a record", "Minsk buys wheat abroad",
                          "Wheat harvest beats forecast"]
        await pilot.press("ctrl+o")
        screen = await settle(pilot)
        assert "sorted by oldest" in status(screen)
        assert titles(screen) == newest[::-1]
        assert sorted(relevance) == sorted(newest)


async def test_a_bad_query_shows_an_error_line_and_the_app_keeps_working(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*'"grain exports')
        screen = await settle(pilot)
        line = screen.query_one(StatusLine)
        assert line.has_class("-error")
        assert "unbalanced quote" in status(screen)
        await pilot.press('"')
        screen = await settle(pilot)
        assert not line.has_class("-error")
        assert status(screen).startswith("1 hit ")
        assert app.is_running


async def test_enter_opens_the_reader_and_escape_returns_to_the_same_hit(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"gas", "enter")  # Enter in the query box goes to the results
        screen = await settle(pilot)
        assert app.focused is screen.query_one(ResultsList)
        await pilot.press("down", "enter")
        await pilot.pause(0.2)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        wanted = screen.query_one(ResultsList).hits[1]
        assert reader.article is not None and reader.article.id == wanted.id
        assert reader.matches >= 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one(ResultsList).highlighted == 1
        assert screen.query_one(QueryBox).value == "gas"


async def test_clicking_a_hit_opens_it(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.click("#results", offset=(10, 0))
        await pilot.pause(0.2)
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.article_id == screen.query_one(ResultsList).hits[0].id


async def test_more_like_this_finds_similar_articles_and_escape_leaves_it(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"wheat harvest", "enter")
        screen = await settle(pilot)
        first = screen.query_one(ResultsList).hits[0]
        await pilot.press("m")
        screen = await settle(pilot)
        assert "more like" in status(screen)
        similar = screen.query_one(ResultsList).hits
        assert similar and first.id not in {hit.id for hit in similar}
        await pilot.press("escape")
        screen = await settle(pilot)
        assert "more like" not in status(screen)


async def test_did_you_mean_is_shown_and_one_key_accepts_it(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"wheet")
        screen = await settle(pilot)
        assert "did you mean wheat?" in status(screen)
        await pilot.press("ctrl+y")
        screen = await settle(pilot)
        assert screen.query_one(QueryBox).value == "wheat"
        assert status(screen).startswith("3 hits")


async def test_hostile_article_text_is_shown_literally(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"markup", "enter")
        screen = await settle(pilot)
        # The reader already dropped the ESC itself; what is left must stay text.
        assert "[red]x[/red]" in shown_text(screen, 0) and "[2J" in shown_text(screen, 0)
        svg = app.export_screenshot()
        assert "[red]x[/red]" in svg and "[2J" in svg
        await pilot.press("enter")
        await pilot.pause(0.2)
        body = app.screen.query_one("#body").text.plain
        assert "[red]x[/red]" in body and "[2J" in body
        assert "[red]x[/red]" in app.export_screenshot()


HOSTILE = "[red]x[/red] \x1b[2J\x1b]52;c;aGk=\x07 \u202eevil"


async def test_escape_sequences_reaching_the_ui_are_shown_inert(tiny):
    """Whatever the readers let through, the widgets print control characters as text."""
    app = FixedApp(*tiny)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await settle(pilot)
        hit = Hit(id="h", path="h", date=None, source="X", place=None, title=HOSTILE, score=1.0,
                  snippet=(Span(HOSTILE), Span("x", match=True)), title_spans=(Span(HOSTILE),))
        screen.query_one(ResultsList).show(SearchResponse(SearchRequest(), 1, 0.0, (hit,)))
        await pilot.pause()
        shown = shown_text(screen, 0)
        assert "[red]x[/red] ^[[2J^[]52;c;aGk=^G <U+202E>evil" in shown
        assert "\x1b" not in app.export_screenshot()
        article = Article(id="a", path="a", body=HOSTILE, title=HOSTILE)
        reader = ReaderScreen(app.backend, "a", "")
        await app.push_screen(reader)
        reader._show((article, (Span(HOSTILE),), (Span(HOSTILE),)), "")
        await pilot.pause()
        assert "[red]x[/red] ^[[2J^[]52;c;aGk=^G <U+202E>evil" in reader.query_one("#body").text.plain
        svg = app.export_screenshot()
        assert "^[[2J" in svg and "\x1b" not in svg and "\u202e" not in svg


async def test_the_open_index_is_kept_out_of_garbage_collection_until_the_app_ends(tiny):
    """What lives as long as the app is frozen out of the collector (its full passes
    cost 100 ms and more mid-keystroke); nothing stays frozen after the app ends."""
    import gc

    before = gc.get_threshold()
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(screen) and screen not in gc.get_objects()  # frozen with the rest
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
