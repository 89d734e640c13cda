"""SVG snapshots of the main screens over fixed content (update with --snapshot-update)."""

from __future__ import annotations

from tui_helpers import FixedApp, settle

from searchkit.tui.widgets import ResultsList
from searchkit.tui.widgets.facets import FacetList


def test_search_screen_with_a_query_and_a_facet(tiny, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*"gas OR wheat")
        await settle(pilot)
        places = pilot.app.screen.query_one("#facet-place", FacetList)
        places.focus()
        places.highlighted = places.get_option_index("MOSCOW")
        await pilot.press("enter")
        await settle(pilot)
        places.highlighted = places.get_option_index("LONDON")  # Moscow or London
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(FixedApp(*tiny), run_before=run_before, terminal_size=(80, 24))


def test_search_screen_on_a_wide_terminal(tiny, snap_compare):
    async def run_before(pilot):
        await settle(pilot)

    assert snap_compare(FixedApp(*tiny), run_before=run_before, terminal_size=(140, 40))


def test_reader_on_the_second_match(tiny, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press(*"wheat", "enter")
        await settle(pilot)
        results = pilot.app.screen.query_one(ResultsList)
        results.highlighted = [hit.title for hit in results.hits].index("Minsk buys wheat abroad")
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("n")
        await pilot.pause()

    assert snap_compare(FixedApp(*tiny), run_before=run_before, terminal_size=(80, 24))


def test_help_screen(tiny, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(FixedApp(*tiny), run_before=run_before, terminal_size=(80, 24))


def test_a_facet_shown_whole_and_filtered(tiny, snap_compare):
    async def run_before(pilot):
        screen = await settle(pilot)
        screen.facet_limit = 2  # three places: two listed, then "show all"
        screen.search_now()
        await settle(pilot)
        places = pilot.app.screen.query_one("#facet-place", FacetList)
        places.focus()
        places.highlighted = places.option_count - 1  # "show all 3 places"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")  # the filter box: places holding an m
        await pilot.pause()

    assert snap_compare(FixedApp(*tiny), run_before=run_before, terminal_size=(80, 24))
