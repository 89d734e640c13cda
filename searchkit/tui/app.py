"""The searchkit terminal UI: `python tui.py` or `searchkit tui`."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from . import collector
from .backend import Backend
from .screens import HelpScreen, SearchScreen


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
    ENABLE_COMMAND_PALETTE = False  # every action has its own key (see F1)
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

    def on_unmount(self) -> None:
        collector.thaw()
        self.backend.close()
