"""Searching several collections at once: one request to each, hits merged, facets summed.

Each collection answers with its own top hits (enough of them to fill the page asked
for), and the merged page is cut from those: by score for relevance (each index scores
with its own statistics, so the order across collections is approximate), by date for
newest and oldest. Totals and facet counts are sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .models import FacetCount, Hit, SearchRequest, SearchResponse

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


def _top(member: Member, wanted: int) -> tuple[SearchResponse, list[Hit]]:
    """The first `wanted` hits of one collection, in pages of at most MAX_PAGE."""
    size = max(1, min(wanted, MAX_PAGE))
    first = member.search(replace(member.request, page=1, page_size=size))
    hits = list(first.hits)
    page = 1
    while len(hits) < min(wanted, first.total) and len(hits) == page * size:
        page += 1
        hits.extend(member.search(replace(member.request, page=page, page_size=size)).hits)
    return first, hits[:wanted]


def _order(sort: str) -> Callable[[tuple[Hit, str]], tuple]:
    if sort == "relevance":
        return lambda pair: (-pair[0].score, pair[1], pair[0].id)
    sign = -1 if sort == "newest" else 1

    def by_date(pair: tuple[Hit, str]) -> tuple:
        date = pair[0].date
        stamp = (date - datetime(1, 1, 1)).total_seconds() if date else 0.0
        return (date is None, sign * stamp, pair[1], pair[0].id)

    return by_date


def sum_facets(facets: Sequence[dict[str, tuple[FacetCount, ...]]]) -> dict[str, tuple[FacetCount, ...]]:
    """Counts added value by value: most frequent first, but years and months newest first."""
    names: list[str] = []
    totals: dict[str, dict[str, int]] = {}
    for one in facets:
        for name, counts in one.items():
            if name not in totals:
                names.append(name)
                totals[name] = {}
            for c in counts:
                totals[name][c.value] = totals[name].get(c.value, 0) + c.count
    out = {}
    for name in names:
        items = totals[name].items()
        if name in ("year", "month"):
            ordered = sorted(items, key=lambda kv: kv[0], reverse=True)
        else:
            ordered = sorted(items, key=lambda kv: (-kv[1], kv[0]))
        out[name] = tuple(FacetCount(v, n) for v, n in ordered)
    return out


def search(members: Sequence[Member], request: SearchRequest, *, every: bool = False) -> Federated:
    """The page `request` asks for (or, with `every`, every hit) across the members."""
    wanted = request.page * request.page_size
    answers = []
    pooled: list[tuple[Hit, str]] = []
    for member in members:
        first, hits = _top(member, first_total(member) if every else wanted)
        answers.append(first)
        pooled.extend((hit, member.name) for hit in hits)
    pooled.sort(key=_order(request.sort))
    page = pooled if every else pooled[(request.page - 1) * request.page_size: wanted]
    suggestion = next((a.suggestion for a in answers if a.suggestion), None)
    response = SearchResponse(
        request=request,
        total=sum(a.total for a in answers),
        took_ms=round(sum(a.took_ms for a in answers), 2),
        hits=tuple(h for h, _ in page),
        facets=sum_facets([a.facets for a in answers]),
        suggestion=suggestion,
        matched="all" if all(a.matched == "all" for a in answers) else "any",
    )
    return Federated(response, tuple(name for _, name in page))


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
