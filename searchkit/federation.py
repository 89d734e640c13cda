"""Searching several collections at once: one request to each, hits merged, facets summed.

Each collection answers with its own top hits (enough of them to fill the page asked
for), and the merged page is cut from those: by score for relevance (each index scores
with its own statistics, so the order across collections is approximate), by date for
newest and oldest. Totals and facet counts are sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from .merge import merge_responses
from .models import SearchRequest, SearchResponse

MAX_PAGE = 1000  # what one request to an index asks for at most

Search = Callable[[SearchRequest], SearchResponse]


@dataclass(frozen=True)
class Member:
    """One collection taking part: its name, how to search it, and its request
    (the shared one with the collection's own default filters added)."""

    name: str
    search: Search
    request: SearchRequest


@dataclass(frozen=True)
class Federated:
    response: SearchResponse  # hits of the page asked for, merged; totals and facets summed
    collections: tuple[str, ...]  # the collection of each hit, in the order of the hits


def _top(member: Member, wanted: int) -> SearchResponse:
    """One collection's answer with its first `wanted` hits (asked in pages of at most
    MAX_PAGE), and every facet value (a value cut from one collection's top list may be in
    the merged top list)."""
    request = replace(member.request, facet_limit=None)
    size = max(1, min(wanted, MAX_PAGE))
    first = member.search(replace(request, page=1, page_size=size))
    hits = list(first.hits)
    page = 1
    while len(hits) < min(wanted, first.total) and len(hits) == page * size:
        page += 1
        hits.extend(member.search(replace(request, page=page, page_size=size)).hits)
    return replace(first, hits=tuple(hits[:wanted]))


def search(members: Sequence[Member], request: SearchRequest, *, every: bool = False) -> Federated:
    """The page `request` asks for (or, with `every`, every hit) across the members,
    merged as the TUI merges them (`searchkit.merge`)."""
    wanted = request.page * request.page_size
    parts = [_top(member, first_total(member) if every else wanted) for member in members]
    if every:  # one page holding every hit
        whole = replace(request, page=1, page_size=max(1, sum(len(part.hits) for part in parts)))
        response, owners = merge_responses(whole, parts)
        response = replace(response, request=request)
    else:
        response, owners = merge_responses(request, parts)
    return Federated(response, tuple(members[n].name for n in owners))


def first_total(member: Member) -> int:
    return member.search(replace(member.request, page=1, page_size=1)).total


def pages(search_one: Search, request: SearchRequest) -> Iterator[SearchResponse]:
    """Every page of one index's answer, MAX_PAGE hits at a time: what `--all` streams."""
    page = 1
    while True:
        response = search_one(replace(request, page=page, page_size=MAX_PAGE))
        yield response
        if page * MAX_PAGE >= response.total or not response.hits:
            return
        page += 1
