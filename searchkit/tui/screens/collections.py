"""F2 (or the palette's "Collections"): pick the collection(s) to search."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from ...safe import printable


class CollectionsScreen(ModalScreen[tuple[str, ...] | None]):
    """Space ticks or unticks a collection, Enter searches the ticked ones, Esc cancels."""

    BINDINGS = [
        Binding("enter", "apply", "Search these", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, names: tuple[str, ...], chosen: tuple[str, ...]) -> None:
        super().__init__()
        self.names = names
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(id="collections"):
            yield Label("Collections to search: space ticks, Enter searches them, Esc cancels",
                        id="collections-help")
            yield SelectionList[str](
                *(Selection(Text(printable(name, single_line=True)), name, name in self.chosen)
                  for name in self.names),
                id="collections-list",
            )
            yield Label("", id="collections-error")

    def on_mount(self) -> None:
        self.query_one("#collections-list").focus()

    def action_apply(self) -> None:
        ticked = self.query_one("#collections-list", SelectionList).selected
        if not ticked:
            self.query_one("#collections-error", Label).update("Tick at least one collection.")
            return
        # In the order they are listed, whatever the order they were ticked in.
        self.dismiss(tuple(name for name in self.names if name in ticked))

    def action_cancel(self) -> None:
        self.dismiss(None)
