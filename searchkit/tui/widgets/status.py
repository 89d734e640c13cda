"""The status line: hits and time, the sort order, a query error, did-you-mean, and a
marker while a search is under way."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...models import SearchResponse
from ...safe import printable

BUSY = "⋯ searching"  # leads the line while a search is under way


class StatusLine(Static):
    """One line under the results. Errors are shown in plain words, never raised."""

    def __init__(self, show_timing: bool = True) -> None:
        super().__init__(id="status")
        self.show_timing = show_timing  # off in snapshot tests: time is not deterministic
        self.busy = False  # a search is waiting or running: what is shown may be outdated
        self._text = Text()

    def show_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self._draw()

    def _draw(self) -> None:
        # One line of fixed size: no relayout of the screen for a new text (the marker
        # comes and goes with every keystroke).
        if not self.busy:
            self.update(self._text, layout=False)
            return
        text = Text(BUSY, style="bold reverse")
        text.append(" ")
        text.append_text(self._text)
        self.update(text, layout=False)

    def _show(self, text: Text) -> None:
        self._text = text
        self._draw()

    def show_response(self, response: SearchResponse, like: str | None = None, filtered: bool = False) -> None:
        self.remove_class("-error")
        text = Text()
        if not response.total:
            # Said outright, with what can be done about it.
            text.append("Nothing found", style="bold")
            if response.request.text.strip():
                text.append(" for ")
                text.append(printable(response.request.text, single_line=True)[:40], style="italic")
            if filtered:
                text.append(" with these filters (esc clears them)")
            if response.suggestion:
                text.append(" · did you mean ")
                text.append(printable(response.suggestion, single_line=True), style="bold underline")
                text.append("? (ctrl+y)")
            self._show(text)
            return
        hits = f"{response.total:,} hit" + ("" if response.total == 1 else "s")
        text.append(hits, style="bold")
        if self.show_timing:
            text.append(f" in {response.took_ms:.0f} ms")
        if response.matched == "any" and response.total and like is None:
            # Said outright: these articles do not hold every word typed.
            text.append(" with any of the words", style="bold")
        elif response.request.match == "all":
            text.append(" with all the words")
        text.append(f" · sorted by {response.request.sort}")
        if like is not None:
            text.append(" · more like ")
            text.append(printable(like, single_line=True)[:60], style="italic")
        if response.suggestion:
            text.append(" · did you mean ")
            text.append(printable(response.suggestion, single_line=True), style="bold underline")
            text.append("? (ctrl+y)")
        self._show(text)

    def show_error(self, message: str) -> None:
        self.add_class("-error")
        self._show(Text(printable(message, single_line=True)))

    def show_message(self, message: str) -> None:
        self.remove_class("-error")
        self._show(Text(printable(message, single_line=True)))
