"""Plain data that crosses module lines: readers → indexer → searcher → CLI/TUI.

Nothing here knows about Whoosh; the CLI and TUI only ever see these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SortOrder = Literal["relevance", "newest", "oldest"]
SORT_ORDERS: tuple[SortOrder, ...] = ("relevance", "newest", "oldest")
# Which articles words typed side by side find: "auto" is all of them for a query of up
# to four words (falling back to any of them when no article holds all), any of them
# for a longer one; "all" and "any" say it outright.
MatchMode = Literal["auto", "all", "any"]
MATCH_MODES: tuple[MatchMode, ...] = ("auto", "all", "any")


@dataclass(frozen=True)
class Article:
    """One news story as read from the archive."""

    id: str  # unique in the archive: a relative path, plus "#n" for multi-article files
    path: str  # file it came from, relative to the archive root
    body: str
    title: str = ""
    source: str | None = None
    date: datetime | None = None  # naive UTC
    place: str | None = None  # the dateline place, e.g. "MOSCOW"
    places: tuple[str, ...] = ()  # further places: a region, Reuters' PLACES
    topics: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class ArchiveSettings:
    """How an archive is read and analysed. A collection of the config file carries one;
    the index records the analysis it was built with (`language`), so a change of
    language asks for a full rebuild."""

    language: str = "en"  # analysis of text and queries: "en" or "ru"
    encoding: str | None = None  # of text files; None: detected
    include: tuple[str, ...] = ()  # gitignore-style patterns, relative to the archive; empty: all
    exclude: tuple[str, ...] = ()  # gitignore-style patterns of files never read


@dataclass(frozen=True)
class ReadProblem:
    """Something a reader could not read (or could read only in part)."""

    path: str
    message: str
    line: int | None = None
    skipped: bool = True  # False: the article was indexed with what could be read

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SearchRequest:
    """What a person asked for. Empty text (or "*") means every article."""

    text: str = ""
    source: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    year: tuple[str, ...] = ()  # "2022"
    month: tuple[str, ...] = ()  # "2022-01"
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    sort: SortOrder = "relevance"
    page: int = 1
    page_size: int = 10
    snippet_chars: int = 240
    match: MatchMode = "auto"
    # Facet values listed: the most frequent `facet_limit` of each facet (None: all),
    # and every value of the facets named in `facet_all` ("show all" in a front end).
    facet_limit: int | None = 25
    facet_all: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    """A piece of displayed text; `match` marks the words the query matched."""

    text: str
    match: bool = False


@dataclass(frozen=True)
class Hit:
    id: str
    path: str
    date: datetime | None
    source: str | None
    place: str | None
    title: str
    score: float
    snippet: tuple[Span, ...]
    topics: tuple[str, ...] = ()
    url: str | None = None
    title_spans: tuple[Span, ...] = ()  # the title with the query's matches marked


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResponse:
    request: SearchRequest
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    matched: Literal["all", "any"] = "all"  # what the hits hold: every word, or some
    # How many values each facet has in the result; its list in `facets` may be cut
    # at the request's facet_limit. A facet with a selection is counted without its
    # own selection (values within a facet are OR-ed, facets AND-ed), so its other
    # values keep their counts.
    facet_sizes: dict[str, int] = field(default_factory=dict)
    # A sharded archive answering without some shards (a node lost): which ones.
    missing_shards: tuple[int, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.missing_shards)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.page_size))


@dataclass(frozen=True)
class ReindexProgress:
    """Reported while reindexing; `total` is None while files are still being found."""

    phase: Literal["scanning", "reading", "committing"]
    done: int
    total: int | None
    path: str | None = None
    articles: int = 0  # read so far


@dataclass
class ReindexSummary:
    articles: int = 0  # articles in the index once done
    new: int = 0  # files
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    retried: int = 0  # unchanged files read again: last time they could not be read whole
    skipped: int = 0  # files or records that could not be read
    added_articles: int = 0
    seconds: float = 0.0
    full: bool = False
    problems: list[ReadProblem] = field(default_factory=list)


@dataclass(frozen=True)
class IndexStats:
    articles: int
    sources: int
    places: int
    first_date: datetime | None
    last_date: datetime | None
    size_bytes: int
    updated: datetime | None
    index_dir: str
    archive_dir: str | None
    top_sources: tuple[FacetCount, ...] = ()


@dataclass(frozen=True)
class IndexCheck:
    """What `searchkit check` found: every file of the live index read and checked."""

    index_dir: str
    files: int  # files read end to end
    bytes: int
    articles: int
    problems: tuple[str, ...] = ()  # one line each; none: the index is whole

    @property
    def whole(self) -> bool:
        return not self.problems
