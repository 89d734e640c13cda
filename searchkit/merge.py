"""One answer from several collections: each searched alone, the answers merged.

Pure functions over the models' dataclasses (nothing here knows about Textual or an
index). Hits are merged by score, or by date when the results are in date order; totals
and facet counts are summed. To fill page p of n hits, each collection is asked for its
first p·n hits (`part_request`): the merged page is cut from those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from .models import FacetCount, Hit, SearchRequest, SearchResponse

DATE_FACETS = ("year", "month")  # listed whole, newest first (as the engine lists them)


def part_request(request: SearchRequest) -> SearchRequest:
    """What to ask each collection: every hit up to the end of the page, every facet
    value (a value cut from one collection's top list may be in the merged top list)."""
    return replace(request, page=1, page_size=max(1, request.page) * request.page_size, facet_limit=None)


def merge_responses(request: SearchRequest, parts: Sequence[SearchResponse]) -> tuple[SearchResponse, list[int]]:
    """(the merged response to `request`, for each of its hits the index in `parts` of
    the collection it came from)."""
    ranked = sorted(((hit, n, rank) for n, part in enumerate(parts) for rank, hit in enumerate(part.hits)),
                    key=_order(request))
    offset = (max(1, request.page) - 1) * request.page_size
    page = ranked[offset:offset + request.page_size]
    facets: dict[str, tuple[FacetCount, ...]] = {}
    sizes: dict[str, int] = {}
    for name in dict.fromkeys(name for part in parts for name in part.facets):
        merged = _summed(part.facets.get(name, ()) for part in parts)
        sizes[name] = len(merged)
        if name in DATE_FACETS:
            facets[name] = tuple(sorted(merged, key=lambda f: f.value, reverse=True))
        else:
            limit = None if name in request.facet_all else request.facet_limit
            facets[name] = _top(merged, limit, getattr(request, name, ()))
    with_hits = [part for part in parts if part.total]
    response = SearchResponse(
        request=request,
        total=sum(part.total for part in parts),
        took_ms=round(sum(part.took_ms for part in parts), 2),  # searched one after another
        hits=tuple(hit for hit, _, _ in page),
        facets=facets,
        suggestion=next((part.suggestion for part in parts if part.suggestion), None),
        matched="any" if any(part.matched == "any" for part in with_hits) else "all",
        facet_sizes=sizes,
    )
    return response, [n for _, n, _ in page]


def _order(request: SearchRequest) -> Callable[[tuple[Hit, int, int]], tuple]:
    """Best first, as one collection would order them: by date for the date orders and
    for browsing (no words typed), else by score; ties in each collection's own order."""
    browsing = not request.text.strip() or request.text.strip() == "*"
    by_date = request.sort in ("newest", "oldest") or browsing
    newest = request.sort != "oldest"

    def key(item: tuple[Hit, int, int]) -> tuple:
        hit, part, rank = item
        if by_date:
            stamp = _stamp(hit.date)
            return (stamp is None, -(stamp or 0) if newest else (stamp or 0), part, rank)
        return (-hit.score, part, rank)

    return key


def _stamp(date: datetime | None) -> float | None:
    return None if date is None else (date - datetime(1970, 1, 1)).total_seconds()


def _summed(lists: Iterable[tuple[FacetCount, ...]]) -> list[FacetCount]:
    """Counts of the same value added up; values compared as the engine compares them
    (case and spacing aside), shown as first met."""
    shown: dict[str, str] = {}
    counts: dict[str, int] = {}
    for values in lists:
        for facet in values:
            key = _key(facet.value)
            shown.setdefault(key, facet.value)
            counts[key] = counts.get(key, 0) + facet.count
    return [FacetCount(shown[k], n) for k, n in counts.items()]


def _top(values: list[FacetCount], limit: int | None, chosen: tuple[str, ...]) -> tuple[FacetCount, ...]:
    """Most frequent first (ties by value); the chosen ones stay even past the limit."""
    ranked = sorted(values, key=lambda f: (-f.count, _key(f.value)))
    if limit is None:
        return tuple(ranked)
    keep = {_key(v) for v in chosen}
    return tuple(f for n, f in enumerate(ranked) if n < limit or _key(f.value) in keep)


def _key(value: str) -> str:
    return " ".join(value.replace(",", " ").lower().split())
