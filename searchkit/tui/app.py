"""The searchkit terminal UI: `python tui.py` or `searchkit tui`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..api import Index
from ..models import Article, Hit
from ..safe import printable
from . import collector
from .backend import Backend
from .render import citation, openable_url
from .screens import CollectionsScreen, HelpScreen, SearchScreen

CopyKind = Literal["id", "url", "citation"]


class SearchApp(App[None]):
    """Search an archive as you type; opens on the newest articles."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "searchkit"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f2", "collections", "Collections"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    # A wide terminal gets a wider sidebar (see `.-wide` in app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    # Ctrl+P: themes, copying, opening, sorting, collections (SearchApp.get_system_commands).
    COMMAND_PALETTE_BINDING = "ctrl+p"
    SHOW_TIMING = True  # the status line's "in N ms"; snapshot tests turn it off
    CURSOR_BLINK = True  # of the text boxes; snapshot tests turn it off (see widgets/query_box.py)

    def __init__(self, archive_dir: Path | None = None, index_dir: Path | None = None, *,
                 collections: Mapping[str, Index] | None = None, chosen: Sequence[str] = ()) -> None:
        """One archive and its index, or named `collections` (the config's) of which
        `chosen` are searched first (default: the first one); F2 picks others."""
        super().__init__()
        if collections:
            self.backend = Backend(collections, chosen)
        elif archive_dir is not None and index_dir is not None:
            self.backend = Backend.for_folders(archive_dir, index_dir)
        else:
            raise TypeError("SearchApp needs an archive and an index folder, or collections")
        self.sub_title = str(archive_dir) if not collections else ", ".join(self.backend.chosen)

    def on_mount(self) -> None:
        self.push_screen(SearchScreen(self.backend, show_timing=self.SHOW_TIMING))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # F2 is offered (and shown in the footer) only when there is a choice to make.
        if action == "collections":
            return len(self.backend.collections) > 1
        return True

    def action_collections(self) -> None:
        """Pick the collection(s) to search."""
        if len(self.backend.collections) < 2:
            self.notify("there is one collection: " + printable(self.backend.chosen[0], single_line=True))
            return
        if not isinstance(self.screen, CollectionsScreen):
            self.push_screen(CollectionsScreen(tuple(self.backend.collections), self.backend.chosen),
                             self._collections_chosen)

    def _collections_chosen(self, names: tuple[str, ...] | None) -> None:
        if not names or names == self.backend.chosen:
            return
        self.backend.choose(names)
        self.sub_title = ", ".join(names)
        search = next((s for s in self.screen_stack if isinstance(s, SearchScreen)), None)
        if search is not None:
            search.collections_changed()

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
        if len(self.backend.collections) > 1:
            yield SystemCommand("Collections", "choose the collection(s) to search (F2)", self.action_collections)
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
