"""The command palette (Ctrl+P), copying an article's id, URL or citation, and its URL in
the reader (shown, and opened with `o` only when it is a web link)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tui_helpers import FixedApp, settle

from searchkit.engine.indexer import reindex
from searchkit.tui.screens import ReaderScreen
from searchkit.tui.widgets import ResultsList, StatusLine

pytestmark = pytest.mark.asyncio

ARTICLES = [
    {"date": "2022-01-05", "source": "TASS", "place": "MOSCOW", "title": "Wheat harvest beats forecast",
     "body": "The wheat harvest beat the forecast.", "url": "https://example.org/wheat?id=1"},
    {"date": "2022-01-06", "source": "Feed [bold]x[/bold]", "place": "MINSK", "title": "A zeppelin\x1b[2J lands",
     "body": "A zeppelin landed.", "url": "javascript:alert(1)"},
]


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, Path]:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "feed.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    reindex(archive, tmp_path / "index")
    return archive, tmp_path / "index"


class Recording(FixedApp):
    """Opens nothing: records the URLs it would open."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.opened: list[str] = []

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.opened.append(url)


async def palette(pilot, command: str) -> None:
    """Ctrl+P, type the command's name, Enter: as a person does."""
    await pilot.press("ctrl+p")
    await pilot.pause(0.1)
    await pilot.press(*command)
    await pilot.pause(0.3)  # the palette matches as you type
    await pilot.press("enter")
    await pilot.pause(0.1)


async def open_hit(pilot, title: str) -> ReaderScreen:
    screen = await settle(pilot)
    results = screen.query_one(ResultsList)
    results.focus()
    results.highlighted = next(i for i, h in enumerate(results.hits) if h.title.startswith(title))
    await pilot.press("enter")
    for _ in range(50):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, ReaderScreen) and pilot.app.screen.article is not None:
            break
    return pilot.app.screen


async def test_the_palette_copies_the_highlighted_hits_id_url_and_citation(linked):
    app = Recording(*linked)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await settle(pilot)
        results = screen.query_one(ResultsList)
        results.focus()
        results.highlighted = [h.title for h in results.hits].index("Wheat harvest beats forecast")
        await palette(pilot, "copy a citation")
        assert app.clipboard == ("Wheat harvest beats forecast. TASS, MOSCOW, 2022-01-05. "
                                 "https://example.org/wheat?id=1")
        await palette(pilot, "copy the article's url")
        assert app.clipboard == "https://example.org/wheat?id=1"
        await palette(pilot, "copy the article's id")
        assert app.clipboard == results.hits[results.highlighted].id
        await palette(pilot, "open the article's url")
        assert app.opened == ["https://example.org/wheat?id=1"]
        await palette(pilot, "sort by oldest")
        screen = await settle(pilot)
        assert "sorted by oldest" in str(screen.query_one(StatusLine).render())


async def test_the_palette_offers_themes(linked):
    app = Recording(*linked)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = app.theme
        await palette(pilot, "theme")
        await pilot.pause(0.2)
        await pilot.press("down", "enter")  # the theme list: another theme
        await pilot.pause(0.2)
        assert app.theme != before


async def test_the_reader_shows_the_url_and_o_opens_it(linked):
    app = Recording(*linked)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await open_hit(pilot, "Wheat harvest beats forecast")
        header = str(reader.query_one("#article-header").render())
        assert "https://example.org/wheat?id=1  (o opens it)" in header
        await pilot.press("o")
        assert app.opened == ["https://example.org/wheat?id=1"]
        await pilot.press("c")
        assert app.clipboard.endswith("2022-01-05. https://example.org/wheat?id=1")


async def test_a_link_that_is_not_a_web_link_is_shown_inert_and_never_opened(linked):
    app = Recording(*linked)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await open_hit(pilot, "A zeppelin")
        header = str(reader.query_one("#article-header").render())
        assert "javascript:alert(1)  (not a web link: not opened)" in header
        await pilot.press("o")
        await pilot.pause()
        assert app.opened == []
        await pilot.press("c")
        # The markup is copied as text; no control byte reaches the terminal.
        assert app.clipboard == "A zeppelin[2J lands. Feed [bold]x[/bold], MINSK, 2022-01-06. javascript:alert(1)"
        assert "\x1b" not in app.clipboard
