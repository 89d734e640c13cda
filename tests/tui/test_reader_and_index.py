"""The reader's match keys, help, paging, and building/reindexing from inside the app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Markdown
from tui_helpers import STORIES, FixedApp, settle, write_archive

from searchkit.tui.screens import HelpScreen, ReaderScreen
from searchkit.tui.widgets import ResultsList, StatusLine

pytestmark = pytest.mark.asyncio


def status(screen) -> str:
    return str(screen.query_one(StatusLine).render())


async def test_reader_scrolls_to_each_match_and_back(tmp_path: Path):
    filler = " ".join(["Nothing of note happened that day."] * 150)
    body = f"A zeppelin was seen. {filler} Then the zeppelin landed. {filler} The zeppelin left."
    archive = write_archive(tmp_path / "archive", [("2022-01-01", "TASS", "MOSCOW", [], "A long day", body)])
    app = FixedApp(archive, tmp_path / "index")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"zeppelin", "enter", "enter")
        await pilot.pause(0.3)
        reader = app.screen
        assert isinstance(reader, ReaderScreen)
        view = reader.query_one("#body")
        match_line = lambda: str(reader.query_one("#match-status").render())
        assert match_line().startswith("match 1 of 3")
        assert view.scroll_y == 0
        await pilot.press("n")
        await pilot.pause()
        assert match_line().startswith("match 2 of 3")
        middle = view.scroll_y
        assert middle > 20
        await pilot.press("n")
        await pilot.pause()
        assert view.scroll_y > middle
        await pilot.press("N", "N")
        await pilot.pause()
        assert match_line().startswith("match 1 of 3") and view.scroll_y == 0
        await pilot.press("N")
        await pilot.pause()
        assert match_line().startswith("match 3 of 3")


async def test_help_opens_and_closes(tiny):
    app = FixedApp(*tiny)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Search&#160;screen" in app.export_screenshot()
        assert "## Query language" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_scrolling_pages_in_more_hits(tmp_path: Path):
    stories = [(f"2022-01-{1 + n % 28:02d}", "TASS", "MOSCOW", [], f"Story number {n}",
                f"Routine report {n} about the harbour.") for n in range(130)]
    archive = write_archive(tmp_path / "archive", stories)
    app = FixedApp(archive, tmp_path / "index")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"harbour")
        screen = await settle(pilot)
        results = screen.query_one(ResultsList)
        # One page, and no more fetched until the person moves: the first paint comes first.
        await pilot.pause(0.1)
        assert results.total == 130 and len(results.hits) == screen.current_request().page_size
        results.focus()
        for _ in range(13):  # each End reaches the last hit loaded, which loads more
            before = len(results.hits)
            if before == 130:
                break
            await pilot.press("end")
            await settle(pilot)
            assert len(results.hits) > before
        assert len(results.hits) == 130
        assert len({hit.id for hit in results.hits}) == 130


async def test_a_missing_index_is_built_with_progress_then_shows_the_newest(tmp_path: Path):
    archive = write_archive(tmp_path / "archive")
    app = FixedApp(archive, tmp_path / "new-index")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert status(screen).startswith("8 hits")
        assert screen.query_one(ResultsList).hits[0].title == STORIES[-1][4]


async def test_reindex_key_picks_up_new_files(tiny):
    archive, index_dir = tiny
    app = FixedApp(archive, index_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"zeppelin")
        screen = await settle(pilot)
        assert status(screen).startswith("Nothing found for zeppelin")
        extra = write_archive(archive.parent / "extra", [
            ("2022-04-01", "TASS", "MOSCOW", [], "A zeppelin lands", "A zeppelin landed in the square.")])
        shutil.move(extra / "wire.jsonl", archive / "more.jsonl")
        await pilot.press("ctrl+r")
        screen = await settle(pilot)
        assert not screen.query_one("#progress").display
        assert status(screen).startswith("1 hit ")


async def test_a_missing_archive_is_said_in_words(tmp_path: Path):
    app = FixedApp(tmp_path / "nowhere", tmp_path / "index")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if "does not exist" in status(app.screen):
                break
        assert "archive folder" in status(app.screen) and "does not exist" in status(app.screen)
        await pilot.press(*"wheat")
        await pilot.pause(0.2)
        assert app.is_running
