"""The list of hits: paged in as the person scrolls, so thousands of hits stay smooth."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...models import Hit, SearchResponse
from ..render import hit_text

# Ask for the next page when the cursor or the view is this many hits from the end.
PAGE_IN_MARGIN = 8
NOTHING_FOUND = ("No article matches. Fewer words, OR between them, a wildcard (peace*) "
                 "or clearing the filters (esc) finds more.")


class ResultsList(OptionList):
    """One option per hit; Enter (or a click) opens it, `m` finds more like it."""

    BINDINGS = [
        ("m", "more_like", "More like this"),
    ]

    @dataclass
    class NeedMore(Message):
        """The person is near the end of what is shown and more hits exist."""

        page: int

    @dataclass
    class MoreLike(Message):
        hit: Hit
        collection: str | None = None

    def __init__(self) -> None:
        super().__init__(id="results")
        self.hits: list[Hit] = []
        self.owners: list[str | None] = []  # per hit, the collection it came from
        self.total = 0
        self._pages = 0
        self._waiting = False  # a NeedMore is out and not answered yet

    def show(self, response: SearchResponse, owners: tuple[str, ...] = ()) -> None:
        """Replace what is shown with the first page of a new response."""
        self.hits = []
        self.owners = []
        self.total = response.total
        self._pages = 0
        self._waiting = False
        self.clear_options()
        self.scroll_home(animate=False)
        self.append(response, owners)
        if self.hits:
            self.highlighted = 0
        elif not response.total:
            self.add_option(Option(Text(NOTHING_FOUND, style="italic"), disabled=True))

    def append(self, response: SearchResponse, owners: tuple[str, ...] = ()) -> None:
        """Add a further page of the same search."""
        self._waiting = False
        self._pages = response.request.page
        start = len(self.hits)
        self.hits.extend(response.hits)
        self.owners.extend(owners or (None,) * len(response.hits))
        options: list[Option | None] = []
        for index, hit in enumerate(response.hits, start):
            options += [Option(hit_text(hit), id=str(index)), None]  # None: a rule between hits
        self.add_options(options)

    @property
    def current(self) -> Hit | None:
        if self.highlighted is None or not self.hits:
            return None
        return self.hits[self.highlighted]

    def _maybe_page_in(self) -> None:
        if self._waiting or len(self.hits) >= self.total or not self.hits:
            return
        cursor = self.highlighted or 0
        if cursor == 0 and self.scroll_y == 0:
            return  # a new list: its first paint comes first, more once the person moves
        near_cursor = cursor >= len(self.hits) - PAGE_IN_MARGIN
        near_bottom = self.scroll_y >= self.max_scroll_y - self.size.height
        if near_cursor or near_bottom:
            self._waiting = True
            self.post_message(self.NeedMore(self._pages + 1))

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self._maybe_page_in()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._maybe_page_in()

    def owner(self, index: int) -> str | None:
        return self.owners[index] if index < len(self.owners) else None

    def action_more_like(self) -> None:
        if self.current is not None and self.highlighted is not None:
            self.post_message(self.MoreLike(self.current, self.owner(self.highlighted)))
