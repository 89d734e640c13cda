"""Facet counts over a result set: one `bincount` per facet over per-document ordinals.

Counts cover every document of the result, not the page shown. Values come most
frequent first (ties alphabetically), at most `limit` of them; years and months come
newest first.
"""

from __future__ import annotations

import numpy as np

from ..models import FacetCount
from .fields import FACETS
from .segment import NO_MONTH, month_name, runs
from .view import IndexView

FACET_LIMIT = 25


def facet_counts(view: IndexView, docs: np.ndarray,
                 limit: int | None = FACET_LIMIT) -> dict[str, tuple[FacetCount, ...]]:
    out: dict[str, tuple[FacetCount, ...]] = {}
    for facet in FACETS:
        _, shown = view.facet_table(facet.name)
        if facet.multi:
            offsets, values = view.facet_lists(facet.name)
            held = values[runs(offsets[docs], offsets[docs + 1] - offsets[docs])]
        else:
            held = view.facet_ordinals(facet.name)[docs]
            held = held[held >= 0]
        counts = np.bincount(held, minlength=len(shown))
        out[facet.name] = _most_frequent(counts, shown, limit)
    months = view.months[docs]
    months = months[months != NO_MONTH]
    by_month: dict[str, int] = {}
    if len(months):
        lowest = int(months.min())
        counts = np.bincount(months - lowest)
        for offset in np.flatnonzero(counts)[::-1].tolist():
            by_month[month_name(lowest + offset)] = int(counts[offset])
    by_year: dict[str, int] = {}
    for month, n in by_month.items():
        by_year[month[:4]] = by_year.get(month[:4], 0) + n
    out["year"] = tuple(FacetCount(k, n) for k, n in by_year.items())
    out["month"] = tuple(FacetCount(k, n) for k, n in by_month.items())
    return out


def _most_frequent(counts: np.ndarray, names: list[str], limit: int | None) -> tuple[FacetCount, ...]:
    """Most frequent first; ties in the order of the value table (sorted, normalised)."""
    present = np.flatnonzero(counts)
    ranked = present[np.lexsort((present, -counts[present]))]
    if limit is not None:
        ranked = ranked[:limit]
    return tuple(FacetCount(names[i], int(counts[i])) for i in ranked.tolist())
