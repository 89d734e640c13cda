"""Messages the UI's workers and widgets send: small dataclasses, nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..models import ReindexProgress, ReindexSummary, SearchResponse


@dataclass
class SearchFinished(Message):
    """A search (or one more page of it) came back; `seq` tells which one."""

    seq: int
    response: SearchResponse
    append: bool = False  # a further page of the results already shown
    owners: tuple[str, ...] = ()  # the collection each hit came from


@dataclass
class SearchFailed(Message):
    """A search could not run: a bad query, a missing index... `error` says why in words."""

    seq: int
    error: str


@dataclass
class ReindexProgressed(Message):
    progress: ReindexProgress


@dataclass
class ReindexFinished(Message):
    summary: ReindexSummary | None
    error: str | None = None


@dataclass
class FacetsChanged(Message):
    """The person selected or cleared a facet value, or typed in a date box."""

    typing: bool = False  # wait for a pause in typing before searching


@dataclass
class OpenArticle(Message):
    article_id: str
    collection: str | None = None  # where it was found (None: the first chosen)


@dataclass
class MoreLikeThis(Message):
    article_id: str
    title: str
    collection: str | None = None
