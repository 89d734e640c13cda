"""Facets as analysts use them, the status line while searching or finding nothing, and
focus, driven like a person at the keyboard."""

from __future__ import annotations

import threading

import pytest
from tui_helpers import FixedApp, settle

from searchkit.tui.screens import HelpScreen, SearchScreen
from searchkit.tui.widgets import QueryBox, ResultsList, StatusLine
from searchkit.tui.widgets.facets import DateInput, FacetFilter, FacetList
from searchkit.tui.widgets.results import NOTHING_FOUND
from searchkit.tui.widgets.status import BUSY

pytestmark = pytest.mark.asyncio


def status(screen: SearchScreen) -> str:
    return str(screen.query_one(StatusLine).render())


def lines(screen: SearchScreen, facet: str) -> list[str]:
    return [o.prompt.plain for o in screen.query_one(f"#facet-{facet}", FacetList).options]


async def choose(pilot, facet: str, value: str) -> None:
    """Move to a facet's line and press Enter on it, as a person would."""
    facets = pilot.app.screen.query_one(f"#facet-{facet}", FacetList)
    facets.focus()
    facets.highlighted = next(i for i, o in enumerate(facets.options) if o.prompt.plain.startswith(value)
                              or o.id == value)
    await pilot.press("enter")


async def test_choosing_two_places_shows_their_union_and_every_place_keeps_its_count(tiny):
    async with FixedApp(*tiny).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "place", "MOSCOW")
        screen = await settle(pilot)
        assert status(screen).startswith("3 hits")
        # Minsk and London are still offered, counted as if chosen too.
        assert lines(screen, "place") == ["■ MOSCOW 3", "□ LONDON 3", "□ MINSK 2"]
        await choose(pilot, "place", "LONDON")
        screen = await settle(pilot)
        assert status(screen).startswith("6 hits")  # Moscow or London
        assert lines(screen, "place") == ["■ MOSCOW 3", "■ LONDON 3", "□ MINSK 2"]
        assert {hit.place for hit in screen.query_one(ResultsList).hits} == {"MOSCOW", "LONDON"}
        # The other facets describe the union; facets are AND-ed with each other.
        assert lines(screen, "source") == ["□ Reuters 4", "□ TASS 2"]
        await choose(pilot, "source", "TASS")
        screen = await settle(pilot)
        assert status(screen).startswith("2 hits")
        assert lines(screen, "place") == ["■ MOSCOW 2", "■ LONDON 0", "□ MINSK 2"]
        assert lines(screen, "source") == ["■ TASS 2", "□ Reuters 4"]
        assert "source TASS; place MOSCOW; place LONDON" in str(screen.query_one("#filters").render())


async def test_show_all_lists_every_value_and_a_box_filters_them(tiny):
    async with FixedApp(*tiny).run_test(size=(80, 30)) as pilot:
        screen = await settle(pilot)
        screen.facet_limit = 2  # the tiny archive has three places: list two of them
        screen.search_now()
        screen = await settle(pilot)
        assert lines(screen, "place") == ["□ LONDON 3", "□ MOSCOW 3", "▸ show all 3 places (+1)"]
        await choose(pilot, "place", "▸ show all")
        screen = await settle(pilot)
        assert lines(screen, "place") == ["□ LONDON 3", "□ MOSCOW 3", "□ MINSK 2", "▴ show the top ones"]
        box = screen.query_one("#filter-place", FacetFilter)
        assert box.display and pilot.app.focused is box
        await pilot.press(*"mIn")
        await pilot.pause()
        assert lines(screen, "place") == ["□ MINSK 2", "▴ show the top ones"]
        await pilot.press("down", "enter")  # into the list, on Minsk: chosen
        screen = await settle(pilot)
        assert status(screen).startswith("2 hits")
        assert lines(screen, "place")[0] == "■ MINSK 2"
        await choose(pilot, "place", "▴ show the top ones")
        screen = await settle(pilot)
        assert not box.display
        assert lines(screen, "place") == ["■ MINSK 2", "□ LONDON 3", "□ MOSCOW 3"]


async def test_a_search_under_way_is_marked_in_the_status_line(tiny):
    async with FixedApp(*tiny).run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        gate = threading.Event()
        search = screen.backend.search

        def held(*args, **kwargs):
            gate.wait(20)  # the search stays under way until the test has looked
            return search(*args, **kwargs)

        screen.backend.search = held  # type: ignore[method-assign]
        await pilot.press(*"gas")
        # The search is held: the marker shows once it has taken longer than a moment.
        for _ in range(100):
            await pilot.pause(0.05)
            if status(screen).startswith(BUSY):
                break
        assert status(screen).startswith(BUSY)
        assert not screen.settled
        gate.set()
        screen = await settle(pilot)
        assert status(screen).startswith("3 hits")


async def test_nothing_found_is_said_and_the_facets_stay(tiny):
    async with FixedApp(*tiny).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose(pilot, "place", "MINSK")
        screen = await settle(pilot)
        screen.query_one(QueryBox).focus()
        await pilot.press(*"zeppelin")
        screen = await settle(pilot)
        assert status(screen) == "Nothing found for zeppelin with these filters (esc clears them)"
        results = screen.query_one(ResultsList)
        assert results.hits == [] and results.get_option_at_index(0).prompt.plain == NOTHING_FOUND
        # The choice stays where it was made, with the other places, at 0.
        assert lines(screen, "place") == ["■ MINSK 0", "□ LONDON 0", "□ MOSCOW 0"]
        assert screen.query_one("#heading-place").display
        await pilot.press("ctrl+u", *"gas")
        screen = await settle(pilot)
        assert status(screen).startswith("1 hit ")
        assert lines(screen, "place") == ["■ MINSK 1", "□ LONDON 1", "□ MOSCOW 1"]


async def test_focus_is_marked_and_slash_and_question_mark_are_typed_in_boxes(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"gas/oil?")
        screen = await settle(pilot)
        assert screen.query_one(QueryBox).value == "gas/oil?"
        assert app.screen is screen  # `?` in the query box is a character, not help
        since = screen.query_one("#since", DateInput)
        since.focus()
        await pilot.press("question_mark", "slash")
        assert since.value == "?/" and app.focused is since
        places = screen.query_one("#facet-place", FacetList)
        places.focus()
        await pilot.pause()
        heading = screen.query_one("#heading-place")
        assert heading.has_class("-focused") and places.highlighted is not None
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is screen.query_one("#facet-source")
        assert not heading.has_class("-focused") and screen.query_one("#heading-source").has_class("-focused")
        await pilot.press("slash")  # outside a text box: to the query
        assert app.focused is screen.query_one(QueryBox)
        screen.query_one(ResultsList).focus()
        await pilot.press("question_mark")  # outside a text box: help
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
