"""The reader: one whole article, every match highlighted, keys to jump between them."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Static

from ...errors import UserError
from ...models import Article, Span
from ..backend import Backend
from ..messages import MoreLikeThis
from ..render import CURRENT_MATCH_STYLE, article_header, body_text


class ArticleView(ScrollView, can_focus=True):
    """The body, wrapped to the width and drawn line by line.

    Wrapping it here (not in a Static) tells which line each match landed on, so the
    view can scroll a match into sight.
    """

    BINDINGS = [
        Binding("up,k", "scroll_up", show=False),
        Binding("down,j", "scroll_down", show=False),
        Binding("pageup,b", "page_up", show=False),
        Binding("pagedown,space", "page_down", show=False),
        Binding("home,g", "scroll_home", show=False),
        Binding("end,G", "scroll_end", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="body")
        self.text = Text()
        self._lines: list[Strip] = []
        self._match_lines: list[int] = []
        self._width = 0

    def set_text(self, text: Text) -> None:
        self.text = text
        self._wrap()

    def _wrap(self) -> None:
        width = max(10, self.scrollable_content_region.width)
        self._width = width
        console = Console(width=width, legacy_windows=False, color_system="truecolor")
        lines = self.text.wrap(console, width)
        self._lines = [Strip(line.render(console), line.cell_len).adjust_cell_length(width)
                       for line in lines]
        self._match_lines = [y for y, line in enumerate(lines)
                             if any(str(span.style) == CURRENT_MATCH_STYLE for span in line.spans)]
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    @property
    def current_match_line(self) -> int | None:
        return self._match_lines[0] if self._match_lines else None

    def show_current_match(self) -> None:
        line = self.current_match_line
        if line is not None and not self.scroll_y <= line < self.scroll_y + self.size.height:
            # Keep a few lines of context above the match.
            self.scroll_to(y=max(0, line - 3), animate=False)

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._wrap()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        if index >= len(self._lines):
            return Strip.blank(self.scrollable_content_region.width)
        strip = self._lines[index].crop(self.scroll_offset.x, self.scroll_offset.x + self.size.width)
        return strip.apply_style(self.rich_style)


class ReaderScreen(Screen[MoreLikeThis | None]):
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("n", "next_match", "Next match"),
        Binding("N,p", "previous_match", "Previous match"),
        Binding("m", "more_like", "More like this"),
        Binding("o", "open_url", "Open URL"),
        Binding("c", "copy_citation", "Copy citation"),
    ]

    def __init__(self, backend: Backend, article_id: str, query: str, collection: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.article_id = article_id
        self.collection = collection  # where the article was found
        self.query_text = query
        self.article: Article | None = None
        self.body: tuple[Span, ...] = ()
        self.match = 0  # which match is current
        self.matches = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="article-header")
        yield ArticleView()
        yield Static("", id="match-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ArticleView).focus()
        self.load()

    @work(thread=True, group="search")
    def load(self) -> None:
        try:
            found = self.backend.article(self.article_id, self.query_text, self.collection)
        except UserError as exc:
            found, error = None, str(exc)
        else:
            error = f"the article {self.article_id!r} is no longer in the index"
        self.app.call_from_thread(self._show, found, error)

    def _show(self, found: tuple[Article, tuple[Span, ...], tuple[Span, ...]] | None, error: str) -> None:
        if found is None:
            self.query_one("#article-header", Static).update(Text(error))
            return
        self.article, title, self.body = found
        self.query_one("#article-header", Static).update(article_header(self.article, title))
        self._draw()

    def _draw(self) -> None:
        text, self.matches = body_text(self.body, self.match)
        view = self.query_one(ArticleView)
        view.set_text(text)
        status = self.query_one("#match-status", Static)
        if self.matches:
            status.update(f"match {self.match + 1} of {self.matches}   (n next, N previous)")
        else:
            status.update("no matches to jump to" if self.query_text.strip() else "")
        # After the refresh: the view must know its new height before it can scroll.
        view.call_after_refresh(view.show_current_match)

    def action_next_match(self) -> None:
        if self.matches:
            self.match = (self.match + 1) % self.matches
            self._draw()

    def action_previous_match(self) -> None:
        if self.matches:
            self.match = (self.match - 1) % self.matches
            self._draw()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_more_like(self) -> None:
        if self.article is not None:
            self.dismiss(MoreLikeThis(self.article.id, self.article.title, self.collection))

    def current_item(self) -> Article | None:
        """The article the palette's copy and open commands act on."""
        return self.article

    def action_open_url(self) -> None:
        self.app.open_item_url(self.article)  # type: ignore[attr-defined]

    def action_copy_citation(self) -> None:
        self.app.copy_item(self.article, "citation")  # type: ignore[attr-defined]
