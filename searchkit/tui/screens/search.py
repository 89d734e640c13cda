"""The main screen: query box, facet sidebar, results, status line.

Searches run in worker threads (the Backend serialises them on the one Searcher). Every
search gets a sequence number; a result whose number is not the latest is dropped, so a
slow old search can never overwrite a newer one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from functools import partial

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, OptionList, ProgressBar
from textual.worker import get_current_worker

from ...errors import UserError
from ...models import (
    MATCH_MODES,
    SORT_ORDERS,
    Hit,
    MatchMode,
    ReindexProgress,
    SearchRequest,
    SearchResponse,
    SortOrder,
)
from ...safe import printable
from .. import collector
from ..backend import Backend
from ..messages import (
    FacetsChanged,
    MoreLikeThis,
    OpenArticle,
    ReindexFinished,
    ReindexProgressed,
    SearchFailed,
    SearchFinished,
)
from ..widgets import FacetSidebar, QueryBox, ResultsList, StatusLine
from ..widgets.facets import PLURALS, FacetList

TYPING_PAUSE = 0.04  # seconds of quiet before searching, when keys come faster than results
MIN_PAGE_SIZE = 10
PROGRESS_EVERY = 0.1  # seconds between progress updates sent from the indexer
FACET_LIMIT = 25  # values a facet lists until "show all"
BUSY_AFTER = 0.1  # seconds a search may take before the status line says it is searching
MATCH_WORDS = {"auto": "all of a short query, else any", "all": "all of them", "any": "any of them"}


class SearchScreen(Screen):
    BINDINGS = [
        Binding("ctrl+o", "cycle_sort", "Sort"),
        Binding("ctrl+t", "cycle_match", "All/any"),
        Binding("ctrl+l", "more_like", "More like"),
        Binding("ctrl+y", "accept_suggestion", "Did you mean", show=False),
        Binding("escape", "clear", "Clear"),
        Binding("ctrl+r", "reindex", "Reindex"),
        Binding("slash", "focus_query", "Search", show=False),
        Binding("down", "focus_results", show=False),
        Binding("o", "cycle_sort", show=False),
    ]

    def __init__(self, backend: Backend, show_timing: bool = True) -> None:
        super().__init__()
        self.backend = backend
        self.show_timing = show_timing
        self.sort: SortOrder = "relevance"
        self.match: MatchMode = "auto"  # all the words of a short query, any of a long one
        self.like: tuple[str, str] | None = None  # (article id, title) for "more like this"
        self.like_collection: str | None = None  # the collection that article is in
        self.seq = 0  # number of the latest search asked for
        self.shown_seq = 0  # number of the latest search on the screen (or failed)
        self.shown_at = 0.0  # perf_counter() when it was painted (for the benchmark)
        self.response: SearchResponse | None = None  # the first page on screen
        self.ready = False  # an index is open
        self._timer: Timer | None = None
        self._idle_timer: Timer | None = None
        self._busy_timer: Timer | None = None
        self._request = SearchRequest()
        self.facet_limit = FACET_LIMIT

    def compose(self) -> ComposeResult:
        yield QueryBox()
        yield Label("", id="filters")
        with Horizontal(id="main"):
            yield FacetSidebar(id="sidebar")
            yield ResultsList()
        with Horizontal(id="progress"):
            yield Label("Reindexing", id="progress-label")
            yield ProgressBar(id="progress-bar", show_eta=False)
        yield StatusLine(self.show_timing)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filters").display = False
        self.query_one("#progress").display = False
        self.query_one(QueryBox).focus()
        self.open_index()

    @property
    def settled(self) -> bool:
        """No search waiting or running: what is shown answers what was asked."""
        return self._timer is None and self.shown_seq == self.seq

    # Starting: open the index, or build it first -----------------------------------

    @work(thread=True, group="reindex", exclusive=True)
    def open_index(self) -> None:
        if self.backend.open():
            self.app.call_from_thread(self._index_ready)
        else:
            self.app.call_from_thread(self.action_reindex, True)

    def _index_ready(self) -> None:
        self.ready = True
        collector.freeze_long_lived()
        self.search_now()

    # Searching ---------------------------------------------------------------------

    def current_request(self, page: int = 1) -> SearchRequest:
        sidebar = self.query_one(FacetSidebar)
        since, until = sidebar.dates()
        results = self.query_one(ResultsList).size
        width = results.width or 80
        chosen = sidebar.selection()
        return SearchRequest(
            text="" if self.like else self.query_one(QueryBox).value,
            since=since, until=until, sort=self.sort, page=page, match=self.match,
            # A screenful and a little more: every hit loaded costs a snippet.
            page_size=max(MIN_PAGE_SIZE, (results.height or 24) // 3 + 4),
            # Fill about three lines of the results' width; a wide terminal shows more.
            snippet_chars=max(120, min(600, width * 2 - 20)),
            source=chosen["source"], place=chosen["place"], topic=chosen["topic"],
            year=chosen["year"], month=chosen["month"],
            facet_limit=self.facet_limit, facet_all=sidebar.whole(),
        )

    def search_soon(self) -> None:
        """Search for what was just typed: at once if nothing is under way, else once
        typing pauses, so a burst of keys (fast typing, a paste) costs one search."""
        if self.settled:
            self.search_now()
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(TYPING_PAUSE, self.search_now)
        self._busy_soon()

    def search_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.ready:
            return
        self.seq += 1
        self._request = self.current_request()
        self._busy_soon()
        self._search(self.seq, self._request, self.like[0] if self.like else None, False)

    @work(thread=True, group="search")
    def _search(self, seq: int, request: SearchRequest, like: str | None, append: bool) -> None:
        # Typing fast queues searches up behind the lock; the stale ones are skipped.
        wanted = lambda: seq == self.seq and not get_current_worker().is_cancelled  # noqa: E731
        try:
            answer = self.backend.search(request, like=like, wanted=wanted, collection=self.like_collection)
        except UserError as exc:
            self.post_message(SearchFailed(seq, str(exc)))
            return
        if answer is not None:
            self.post_message(SearchFinished(seq, answer[0], append, answer[1]))

    def on_search_finished(self, message: SearchFinished) -> None:
        if message.seq != self.seq:
            return  # an older search finishing late
        results = self.query_one(ResultsList)
        with self.app.batch_update():  # one repaint for the list, the counts and the status
            if message.append:
                results.append(message.response, message.owners)
            else:
                response = message.response
                results.show(response, message.owners)
                filters = self._show_filters()  # with the results: the bar appearing is a relayout
                self.query_one(FacetSidebar).update_counts(response.facets, response.facet_sizes,
                                                           nothing_found=not response.total)
                self.response = response
                status = self.query_one(StatusLine)
                status.show_response(response, self.like[1] if self.like else None, filtered=bool(filters))
                self._busy_done()
        self.call_after_refresh(self._painted, message.seq)

    def on_search_failed(self, message: SearchFailed) -> None:
        if message.seq != self.seq:
            return
        status = self.query_one(StatusLine)
        status.show_error(message.error)
        self._busy_done()
        self._show_filters()
        self.call_after_refresh(self._painted, message.seq)

    def _busy_soon(self) -> None:
        """Mark the status line as searching if the answer is not on screen within
        BUSY_AFTER: a fast search paints no marker (no flicker, and no extra frame
        drawn while the search runs)."""
        if self._busy_timer is None:
            self._busy_timer = self.set_timer(BUSY_AFTER, self._show_busy)

    def _show_busy(self) -> None:
        self._busy_timer = None
        if not self.settled:
            self.query_one(StatusLine).show_busy(True)

    def _busy_done(self) -> None:
        """The latest search is answered: no marker, unless another waits for a pause in typing."""
        if self._timer is not None:
            return
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        self.query_one(StatusLine).show_busy(False)

    def _painted(self, seq: int) -> None:
        self.shown_seq = seq
        self.shown_at = time.perf_counter()
        if self._idle_timer is not None:
            self._idle_timer.stop()
        self._idle_timer = self.set_timer(collector.IDLE_SECONDS, collector.collect)

    def on_results_list_need_more(self, message: ResultsList.NeedMore) -> None:
        request = replace(self._request, page=message.page)
        self._search(self.seq, request, self.like[0] if self.like else None, True)

    @on(Input.Changed, "#query")
    def _query_changed(self) -> None:
        self.like = None
        self.search_soon()

    @on(Input.Submitted, "#query")
    def _query_submitted(self) -> None:
        self.search_now()
        self.action_focus_results()

    def on_facets_changed(self, message: FacetsChanged) -> None:
        if message.typing:
            self.search_soon()
        else:
            self.search_now()

    def _show_filters(self) -> list[str]:
        parts = self.query_one(FacetSidebar).describe()
        label = self.query_one("#filters", Label)
        label.display = bool(parts)
        label.update("Filters: " + printable("; ".join(parts), single_line=True) + "   (esc clears)")
        return parts

    # Opening and "more like this" -------------------------------------------------

    @on(OptionList.OptionSelected, "#results")
    def _open_hit(self, event: OptionList.OptionSelected) -> None:
        results = self.query_one(ResultsList)
        hit = results.hits[event.option_index]
        self.post_message(OpenArticle(hit.id, results.owner(event.option_index)))

    def on_open_article(self, message: OpenArticle) -> None:
        from .reader import ReaderScreen

        text = "" if self.like else self._request.text
        self.app.push_screen(ReaderScreen(self.backend, message.article_id, text, message.collection),
                             self._reader_closed)

    def _reader_closed(self, result: MoreLikeThis | None) -> None:
        if result is not None:
            self.on_more_like_this(result)

    def on_results_list_more_like(self, message: ResultsList.MoreLike) -> None:
        self.post_message(MoreLikeThis(message.hit.id, message.hit.title, message.collection))

    def on_more_like_this(self, message: MoreLikeThis) -> None:
        self.like = (message.article_id, message.title)
        self.like_collection = message.collection
        self.sort = "relevance"
        self.search_now()
        self.action_focus_results()

    def action_more_like(self) -> None:
        self.query_one(ResultsList).action_more_like()

    def current_item(self) -> Hit | None:
        """The highlighted hit: what the palette's copy and open commands act on."""
        return self.query_one(ResultsList).current

    # The command palette's actions for this screen ---------------------------------

    def commands(self) -> Iterable[SystemCommand]:
        for order in SORT_ORDERS:
            if order != self.sort:
                yield SystemCommand(f"Sort by {order}", "the results", partial(self.set_sort, order))
        for mode in MATCH_MODES:
            if mode != self.match:
                yield SystemCommand(f"Words typed: {MATCH_WORDS[mode]}", "which articles words side by side find",
                                    partial(self.set_match, mode))
        for facets in self.query(FacetList):
            if facets.facet in PLURALS and not facets.whole:
                yield SystemCommand(f"Show all {PLURALS[facets.facet]}", "with a box to filter them",
                                    facets.show_all)
        yield SystemCommand("More like this", "articles similar to the highlighted one", self.action_more_like)
        yield SystemCommand("Clear the filters", "every facet value and date", self.clear_filters)
        yield SystemCommand("Reindex", "read new and changed files, then search again", self.action_reindex)

    def collections_changed(self) -> None:
        """The backend searches other collections now: open them (or build them), then search."""
        self.ready = False
        self.like = None
        self.query_one(StatusLine).show_message("Opening " + ", ".join(self.backend.chosen) + "…")
        self.open_index()

    def set_sort(self, order: SortOrder) -> None:
        self.sort = order
        self.search_now()

    def set_match(self, mode: MatchMode) -> None:
        self.match = mode
        self.search_now()

    def clear_filters(self) -> None:
        self.query_one(FacetSidebar).clear()
        self.search_now()

    # Keys --------------------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        self.sort = SORT_ORDERS[(SORT_ORDERS.index(self.sort) + 1) % len(SORT_ORDERS)]
        self.search_now()

    def action_cycle_match(self) -> None:
        """Words typed side by side: auto (all of a short query) → all → any."""
        self.match = MATCH_MODES[(MATCH_MODES.index(self.match) + 1) % len(MATCH_MODES)]
        self.search_now()

    def action_accept_suggestion(self) -> None:
        if self.response is not None and self.response.suggestion:
            query = self.query_one(QueryBox)
            query.value = self.response.suggestion
            query.cursor_position = len(query.value)
            self.search_now()

    def action_clear(self) -> None:
        """Escape: leave "more like this", else clear the filters, else the query."""
        if self.like is not None:
            self.like = None
        elif not self.query_one(FacetSidebar).clear():
            self.query_one(QueryBox).value = ""
        self.search_now()

    def action_focus_query(self) -> None:
        self.query_one(QueryBox).focus()

    def action_focus_results(self) -> None:
        self.query_one(ResultsList).focus()

    # Reindexing ----------------------------------------------------------------------

    def action_reindex(self, first: bool = False) -> None:
        self.query_one("#progress").display = True
        self.query_one("#progress-label", Label).update(
            "Building the index" if first else "Reindexing")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._reindex()

    @work(thread=True, group="reindex", exclusive=True)
    def _reindex(self) -> None:
        last = 0.0

        def progress(p: ReindexProgress) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY or p.phase == "committing":
                last = now
                self.post_message(ReindexProgressed(p))

        try:
            summary = self.backend.reindex(progress=progress)
        except UserError as exc:
            self.post_message(ReindexFinished(None, str(exc)))
            return
        except OSError as exc:  # the disk is full, the folder read-only: said, and the index is as it was
            where = f" ({exc.filename})" if exc.filename else ""
            self.post_message(ReindexFinished(None, f"reindex failed: {exc.strerror or exc}{where}"))
            return
        self.post_message(ReindexFinished(summary))

    def on_reindex_progressed(self, message: ReindexProgressed) -> None:
        p = message.progress
        self.query_one("#progress-label", Label).update(f"{p.phase.capitalize()} {p.done:,}/{p.total or '?'}")
        self.query_one(ProgressBar).update(total=p.total, progress=p.done)

    def on_reindex_finished(self, message: ReindexFinished) -> None:
        self.query_one("#progress").display = False
        collector.freeze_long_lived()  # the index a reindex replaced goes, the new one stays
        if message.summary is None:
            self.query_one(StatusLine).show_error(message.error or "reindex failed")
            return
        s = message.summary
        self.notify(f"{s.articles:,} articles: {s.new} new, {s.changed} changed, {s.removed} removed files"
                    + (f", {s.skipped} skipped" if s.skipped else ""), title="Reindexed")
        self.ready = True
        self.search_now()
