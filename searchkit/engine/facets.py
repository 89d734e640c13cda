"""Facet counts over a result set: one `bincount` per facet over per-document ordinals.

Counts cover every document of the result, not the page shown. Values come most
frequent first (ties alphabetically), at most `limit` of them; years and months come
newest first.

Facets are counted the way analysts use them (disjunctively): values chosen within
one facet are OR-ed, facets AND-ed. A facet with a selection is counted over `over[name]`,
the result narrowed by every *other* facet's selection but not its own, so its other
values keep the counts they would have if chosen too. The searcher works out those
document sets; this module only counts.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

import numpy as np

from ..models import FacetCount
from .fields import FACETS, keyword
from .segment import NO_MONTH, month_name, runs
from .view import IndexView

FACET_LIMIT = 25
DATE_FACETS = ("year", "month")  # counted from each document's date, chosen together

FacetMap = dict[str, tuple[FacetCount, ...]]


def facet_counts(view: IndexView, docs: np.ndarray, limit: int | None = FACET_LIMIT, *,
                 over: Mapping[str, np.ndarray] | None = None, whole: tuple[str, ...] = (),
                 keep: Mapping[str, tuple[str, ...]] | None = None) -> tuple[FacetMap, dict[str, int]]:
    """(values with counts per facet, number of values counted per facet).

    `over`: per facet, the documents to count it over instead of `docs` (disjunctive).
    `whole`: facets listed whole, past `limit`. `keep`: per facet, values always listed
    when they are counted at all (the chosen ones, so they keep their counts).
    The number of values tells a front end how many a cut list leaves out.
    """
    over = over or {}
    keep = keep or {}
    out: FacetMap = {}
    sizes: dict[str, int] = {}
    for facet in FACETS:
        subset = over.get(facet.name, docs)
        normalised, shown = view.facet_table(facet.name)
        if facet.multi:
            offsets, values = view.facet_lists(facet.name)
            held = values[runs(offsets[subset], offsets[subset + 1] - offsets[subset])]
        else:
            held = view.facet_ordinals(facet.name)[subset]
            held = held[held >= 0]
        counts = np.bincount(held, minlength=len(shown))
        wanted = [_ordinal(normalised, v) for v in keep.get(facet.name, ())]
        out[facet.name], sizes[facet.name] = _most_frequent(
            counts, shown, None if facet.name in whole else limit, [w for w in wanted if w is not None])
    by_year, by_month = _by_period(view, over.get("year", docs)), _by_period(view, over.get("month", docs))
    years: dict[str, int] = {}
    for month, n in by_year.items():
        years[month[:4]] = years.get(month[:4], 0) + n
    # Dates are few (a month each) and listed whole: the timeline is read as one.
    out["year"] = tuple(FacetCount(k, n) for k, n in years.items())
    out["month"] = tuple(FacetCount(k, n) for k, n in by_month.items())
    sizes["year"], sizes["month"] = len(years), len(by_month)
    return out, sizes


def _by_period(view: IndexView, docs: np.ndarray) -> dict[str, int]:
    """{"YYYY-MM": count}, newest first."""
    months = view.months[docs]
    months = months[months != NO_MONTH]
    by_month: dict[str, int] = {}
    if len(months):
        lowest = int(months.min())
        counts = np.bincount(months - lowest)
        for offset in np.flatnonzero(counts)[::-1].tolist():
            by_month[month_name(lowest + offset)] = int(counts[offset])
    return by_month


def _ordinal(normalised: list[str], value: str) -> int | None:
    """The ordinal of a value as a person typed it, or None if no article holds it
    (the value table is sorted)."""
    key = keyword(value)
    at = bisect.bisect_left(normalised, key)
    return at if at < len(normalised) and normalised[at] == key else None


def _most_frequent(counts: np.ndarray, names: list[str], limit: int | None,
                   keep: list[int]) -> tuple[tuple[FacetCount, ...], int]:
    """Most frequent first; ties in the order of the value table (sorted, normalised).
    Values in `keep` that are counted are listed even past the limit, in their place."""
    present = np.flatnonzero(counts)
    ranked = present[np.lexsort((present, -counts[present]))]
    size = len(ranked)
    if limit is not None and size > limit:
        limit = max(0, limit)  # a negative limit lists none but the kept ones
        kept = np.array([k for k in keep if counts[k]], dtype=np.int64)
        shown = np.isin(ranked, kept)
        shown[:limit] = True
        ranked = ranked[shown]
    return tuple(FacetCount(names[i], int(counts[i])) for i in ranked.tolist()), size
