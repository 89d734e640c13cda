"""The query box at the top of the search screen."""

from __future__ import annotations

from textual.widgets import Input

PLACEHOLDER = 'Search: words, "a phrase", AND/OR/NOT, place:moscow, peace*, date:2022-01   (F1: help)'


def steady_cursor(box: Input) -> None:
    """A text box's cursor blinks unless the app says not to (a snapshot must not
    depend on the moment it is taken)."""
    box.cursor_blink = getattr(box.app, "CURSOR_BLINK", True)


class QueryBox(Input):
    """Where the query is typed; the screen searches after each short pause in typing."""

    def __init__(self) -> None:
        super().__init__(placeholder=PLACEHOLDER, id="query")

    def on_mount(self) -> None:
        steady_cursor(self)
