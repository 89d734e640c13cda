"""The query box at the top of the search screen."""

from __future__ import annotations

from textual.widgets import Input

PLACEHOLDER = 'Search: words, "a phrase", AND/OR/NOT, place:moscow, peace*, date:2022-01   (F1: help)'


class QueryBox(Input):
    """Where the query is typed; the screen searches after each short pause in typing."""

    def __init__(self) -> None:
        super().__init__(placeholder=PLACEHOLDER, id="query")
