"""The searchkit terminal UI: `python tui.py` or `searchkit tui`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..models import Article, Hit
from ..safe import printable
from . import collector
from .backend import Backend
from .render import citation, openable_url
from .screens import HelpScreen, SearchScreen

CopyKind = Literal["id", "url", "citation"]


class SearchApp(App[None]):
    """Search an archive as you type; opens on the newest articles."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "searchkit"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    # A wide terminal gets a wider sidebar (see `.-wide` in app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    # Ctrl+P: themes, copying, opening, sorting, collections (SearchApp.get_system_commands).
    COMMAND_PALETTE_BINDING = "ctrl+p"
    SHOW_TIMING = True  # the status line's "in N ms"; snapshot tests turn it off

    def __init__(self, archive_dir: Path, index_dir: Path) -> None:
        super().__init__()
        self.backend = Backend(archive_dir, index_dir)
        self.sub_title = str(archive_dir)

    def on_mount(self) -> None:
        self.push_screen(SearchScreen(self.backend, show_timing=self.SHOW_TIMING))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # The command palette (Ctrl+P) ---------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        item = getattr(screen, "current_item", lambda: None)()
        if item is not None:
            yield SystemCommand("Copy the article's id", "to the clipboard", lambda: self.copy_item(item, "id"))
            if item.url:
                yield SystemCommand("Copy the article's URL", "to the clipboard",
                                    lambda: self.copy_item(item, "url"))
                yield SystemCommand("Open the article's URL", "in the web browser",
                                    lambda: self.open_item_url(item))
            yield SystemCommand("Copy a citation line", "title, source, place, date and URL",
                                lambda: self.copy_item(item, "citation"))
        if isinstance(screen, SearchScreen):
            yield from screen.commands()
        yield SystemCommand("Help", "every key and the query language", self.action_help)

    def copy_item(self, item: Hit | Article | None, kind: CopyKind) -> None:
        """Copy an article's id, URL or citation (OSC 52: the terminal's clipboard)."""
        if item is None:
            self.notify("no article to copy from", severity="warning")
            return
        text = {"id": item.id, "url": item.url or "", "citation": citation(item)}[kind]
        if not text:
            self.notify("this article has no URL", severity="warning")
            return
        text = printable(text, single_line=True)  # archive text never reaches the terminal raw
        self.copy_to_clipboard(text)
        self.notify(text[:120], title=f"Copied the {kind}")

    def open_item_url(self, item: Hit | Article | None) -> None:
        url = openable_url(item.url if item is not None else None)
        if url is None:
            self.notify("this article has no web link to open" if item is None or not item.url
                        else "not opened: only http and https links are opened", severity="warning")
            return
        self.open_url(url)
        self.notify(printable(url, single_line=True)[:120], title="Opened")

    def on_unmount(self) -> None:
        collector.thaw()
        self.backend.close()
