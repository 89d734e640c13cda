"""One commit of the index, opened: everything a search reads, as arrays.

An `IndexView` is built once per commit and never changes; a searcher that notices a
newer commit opens a new view and swaps one reference. Opening maps the segment
files and the commit file and reads their headers: its cost does not grow with the
index (a view of several segments joins their per-document columns, a few
milliseconds per million articles).

Documents are numbered across segments in order (segment k's document i is
`bases[k] + i`). `valid` marks what answers may hold: live (not deleted) and not a
later copy of a story already in the index.

The view is safe to share between threads: its arrays are read-only and its caches
are guarded by a lock.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from fnmatch import translate
from functools import cached_property
from pathlib import Path
from typing import TypeVar, cast

import numpy as np

from .arrays import ArrayFile, DamagedFile, FormatMismatch
from .codec import ArraySegment
from .commit import check_segments, read_commit
from .fields import FACET_BY_NAME, TEXT_FIELD_NAMES
from .schema import build_schema
from .segment import FORMAT_VERSION, SegmentArrays, StoredFields, from_micros, offsets_of, record_to_fields, runs
from .spelling import SpellingIndex
from .whoosh_compat import LENGTH_STEPS, EmptyIndexError, TocError, read_toc

POSTINGS_BUDGET = 4_000_000  # postings (and positions) kept decoded per view, least recent out
STORED_BLOCKS_KEPT = 64

_T = TypeVar("_T")
FacetTable = tuple[list[str], list[str]]  # (normalised values, values as shown)
# A facet's columns over the view: (table, ordinals, None) for a single-valued facet,
# (table, None, (offsets per document, value ordinals)) for a multi-valued one.
_SingleFacet = tuple[FacetTable, np.ndarray, None]
_MultiFacet = tuple[FacetTable, None, tuple[np.ndarray, np.ndarray]]


class OldFormatError(Exception):
    """The folder holds an index written by an earlier searchkit (another format)."""


class _Cache:
    """A small LRU map, bounded by the total size of what it holds, safe across threads."""

    def __init__(self, budget: int) -> None:
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._budget, self._held = budget, 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], tuple[_T, int]]) -> _T:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return cast(_T, found[0])  # what `make` made for this key
        value, size = make()
        with self._lock:
            if key not in self._items and size <= self._budget:
                self._items[key] = (value, size)
                self._held += size
                while self._held > self._budget:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self._held -= dropped
        return value


def is_current_format(folder: Path) -> bool:
    """Whether a generation folder holds an index of this searchkit's format (a TOC
    that cannot be read counts as current: its damage is reported where it is read)."""
    try:
        _, records = read_toc(folder, build_schema())
        if not all(isinstance(r, ArraySegment) for r in records):
            return False
        return all(ArrayFile(folder / r.file_name()).meta.get("format") == FORMAT_VERSION for r in records)
    except (DamagedFile, TocError, EmptyIndexError, OSError):
        return True


class IndexView:
    """The arrays of one commit of one generation folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.generation, records = read_toc(self.folder, build_schema())
        if not all(isinstance(r, ArraySegment) for r in records):
            raise OldFormatError(f"the index at {self.folder.parent} was built by an older searchkit")
        self.records: list[ArraySegment] = records
        try:
            self.segments = [SegmentArrays(self.folder / r.file_name()) for r in records]
        except FormatMismatch:
            raise OldFormatError(f"the index at {self.folder.parent} was built by another searchkit") from None
        self.bases = offsets_of(np.array([s.doc_count for s in self.segments], dtype=np.int64))
        self.doc_count = int(self.bases[-1])
        self.commit = read_commit(self.folder, self.generation)
        check_segments(self.folder, self.generation, self.commit, records)
        live = np.ones(self.doc_count, dtype=bool)
        for record, base in zip(records, self.bases.tolist()):
            live[record.deleted().astype(np.int64) + base] = False
        self.live = live
        valid = live.copy()
        valid[self.commit.dup] = False
        self.valid = valid
        self.live_count = int(live.sum())
        self.deleted_count = self.doc_count - self.live_count
        self._postings = _Cache(POSTINGS_BUDGET)
        self._blocks = _Cache(STORED_BLOCKS_KEPT)

    # Per-document columns, joined across segments ------------------------------------

    def column(self, name: str) -> np.ndarray:
        if len(self.segments) == 1:
            return self.segments[0][name]
        return self._joined(name)

    def _joined(self, name: str) -> np.ndarray:
        return self._postings.get(("column", name), lambda: _sized(
            np.concatenate([s[name] for s in self.segments]) if self.segments else np.zeros(0)))

    @cached_property
    def dates(self) -> np.ndarray:
        """Microseconds since 1970 per document (segment.NO_DATE when unknown)."""
        return self.column("doc.date")

    @cached_property
    def months(self) -> np.ndarray:
        return self.column("doc.month")

    @cached_property
    def idhash(self) -> np.ndarray:
        """A hash of each document's article id: the last word on ties (see ranking.top)."""
        return self.column("doc.idhash")

    def lengths(self, fieldname: str) -> np.ndarray:
        return self.column(f"doc.len.{fieldname}")

    def norm_lengths(self, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """The lengths ranking normalises by (one-byte codes decoded), for `docs`."""
        return LENGTH_STEPS[self.column(f"doc.norm.{fieldname}")[docs]]

    def average_length(self, fieldname: str) -> float:
        return self._field_stats[fieldname]

    @cached_property
    def _field_stats(self) -> dict[str, float]:
        live = self.live_count or 1
        return {name: float(self.lengths(name)[self.live].sum(dtype=np.int64)) / live or 1.0
                for name in TEXT_FIELD_NAMES}

    # Terms -------------------------------------------------------------------------------

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents ascending, occurrences) of a term in a text field, deleted included."""
        return self._postings.get(("post", fieldname, term), lambda: self._read_postings(fieldname, term))

    def term_ids(self, fieldname: str, term: str) -> list[int]:
        """The term's id in each segment (-1 where absent)."""
        return self._postings.get(("ids", fieldname, term), lambda: (
            [seg.term_id(fieldname, term) for seg in self.segments], 1))

    def _read_postings(self, fieldname: str, term: str) -> tuple[tuple[np.ndarray, np.ndarray], int]:
        docs, tfs = [], []
        for seg, base, t in zip(self.segments, self.bases.tolist(), self.term_ids(fieldname, term)):
            if t >= 0:
                d, tf = seg.postings(fieldname, t)
                docs.append(d if not base else d.astype(np.int64) + base)
                tfs.append(tf)
        if len(docs) == 1:
            out = (docs[0], tfs[0])
        elif docs:
            out = (np.concatenate([d.astype(np.int64) for d in docs]), np.concatenate(tfs))
        else:
            out = (np.zeros(0, np.int32), np.zeros(0, np.uint8))
        return out, 2 * len(out[0]) + 8

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Live documents holding the term (deleted ones do not count, so statistics
        equal those of an index built whole from the same articles)."""
        docs = self.postings(fieldname, term)[0]
        return int(np.count_nonzero(self.live[docs])) if self.deleted_count else len(docs)

    def facet_docs(self, facet: str, value: str) -> np.ndarray:
        """Documents holding a (normalised) facet value, ascending."""
        parts = []
        for seg, base in zip(self.segments, self.bases.tolist()):
            v = seg.facet_values[facet].find(value)
            if v >= 0:
                parts.append(seg.facet_postings(facet, v).astype(np.int64) + base)
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def positions(self, fieldname: str, term: str, docs: np.ndarray) -> np.ndarray:
        """Where `term` stands in each of `docs` (ascending) that holds it, as keys
        `doc << 32 | position`, ascending."""
        out = []
        ids = self.term_ids(fieldname, term)
        for k, (seg, base) in enumerate(zip(self.segments, self.bases.tolist())):
            t = ids[k]
            if t < 0:
                continue
            local = docs.astype(np.int64) - base
            if len(self.segments) > 1:
                local = local[(local >= 0) & (local < seg.doc_count)]
            if not len(local):
                continue
            post_docs, tf = seg.postings(fieldname, t)
            idx = np.searchsorted(post_docs, local)
            hit = np.zeros(len(local), dtype=bool)
            inside = idx < len(post_docs)
            hit[inside] = post_docs[idx[inside]] == local[inside]
            idx = idx[hit]
            if not len(idx):
                continue
            cum = self._cumulative_tf(k, fieldname, term, tf)
            lengths = tf[idx].astype(np.int64)
            starts = cum[idx] - lengths
            flat = seg.positions(fieldname, t)[runs(starts, lengths)].astype(np.int64)
            out.append((np.repeat(local[hit] + base, lengths) << 32) | flat)
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    def _cumulative_tf(self, k: int, fieldname: str, term: str, tf: np.ndarray) -> np.ndarray:
        def make() -> tuple[np.ndarray, int]:
            cum = np.cumsum(tf, dtype=np.int64)
            return cum, len(cum)
        return self._postings.get(("cum", k, fieldname, term), make)

    def checkpoints(self, fieldname: str, doc: int) -> np.ndarray:
        k, local = self.locate(doc)
        return self.segments[k].checkpoints(fieldname, local)

    # Words as written (did-you-mean, fuzzy, wildcards) ---------------------------------

    @property
    def spelling(self) -> SpellingIndex:
        return self.commit.spelling

    def words_matching(self, pattern: str, kind: str) -> list[str]:
        """Words as written in the archive that start with `pattern` (kind "prefix") or
        fit a wildcard pattern (`?` one letter, `*` any), in every segment."""
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0] if kind == "wildcard" else pattern
        fits = re.compile(translate(pattern)).match if kind == "wildcard" else None
        found: set[str] = set()
        for seg in self.segments:
            table = seg.words
            span = table.prefix_range(literal) if literal else range(len(table))
            words = table[span.start:span.stop] if literal else table.all()
            found.update(w for w in words if fits is None or fits(w))
        return sorted(found)

    # Stored articles ----------------------------------------------------------------------

    def locate(self, doc: int) -> tuple[int, int]:
        """(segment, document within it)."""
        k = int(np.searchsorted(self.bases, doc, side="right")) - 1
        return k, doc - int(self.bases[k])

    def stored(self, doc: int) -> StoredFields:
        k, local = self.locate(doc)
        seg = self.segments[k]
        block, offset = seg.block_of(local)
        records = self._blocks.get((k, block), lambda: (seg.stored_block(block), 1))
        fields = record_to_fields(records[offset])
        fields["date"] = from_micros(int(self.dates[doc]))
        return fields

    def find(self, article_id: str) -> int | None:
        """The live document with this article id, or None."""
        for k in reversed(range(len(self.segments))):
            for local in self.segments[k].find_id(article_id):
                doc = int(self.bases[k]) + local
                if self.live[doc] and self.stored(doc)["id"] == article_id:
                    return doc
        return None

    # Facets, joined across segments -------------------------------------------------------

    def facet_table(self, facet: str) -> FacetTable:
        """(normalised values, values as shown), one entry per global ordinal."""
        return self._facets[facet][0]

    def facet_ordinals(self, facet: str) -> np.ndarray:
        """Single-valued facet: each document's value ordinal, -1 for none."""
        ordinals = self._facets[facet][1]
        if ordinals is None:
            raise ValueError(f"{facet} is a multi-valued facet: it has facet_lists, not ordinals")
        return ordinals

    def facet_lists(self, facet: str) -> tuple[np.ndarray, np.ndarray]:
        """Multi-valued facet: (offsets per document, value ordinals)."""
        lists = self._facets[facet][2]
        if lists is None:
            raise ValueError(f"{facet} is a single-valued facet: it has facet_ordinals, not lists")
        return lists

    @cached_property
    def _facets(self) -> dict[str, _SingleFacet | _MultiFacet]:
        out: dict[str, _SingleFacet | _MultiFacet] = {}
        for name, facet in FACET_BY_NAME.items():
            if len(self.segments) == 1:
                seg = self.segments[0]
                table = (seg.facet_values[name].all(), seg.facet_shown[name].all())
                if facet.multi:
                    out[name] = (table, None, (seg[f"facet.{name}.doc.off"], seg[f"facet.{name}.doc.val"]))
                else:
                    out[name] = (table, seg[f"facet.{name}.ord"], None)
                continue
            out[name] = self._joined_facet(name, facet.multi)
        return out

    def _joined_facet(self, name: str, multi: bool) -> _SingleFacet | _MultiFacet:
        shown: dict[str, str] = {}
        for seg in self.segments:
            for key, value in zip(seg.facet_values[name].all(), seg.facet_shown[name].all()):
                shown.setdefault(key, value)
        keys = sorted(shown)
        index = {k: i for i, k in enumerate(keys)}
        table = (keys, [shown[k] for k in keys])
        if not self.segments:  # no article yet (a shard the archive leaves empty)
            none = np.zeros(0, dtype=np.int32)
            return (table, none, None) if not multi else (table, None, (offsets_of(none), none))
        renumber = [np.array([index[k] for k in seg.facet_values[name].all()] or [0], dtype=np.int32)
                    for seg in self.segments]
        if not multi:
            ords = [np.where(seg[f"facet.{name}.ord"] >= 0, r[np.maximum(seg[f"facet.{name}.ord"], 0)], -1)
                    for seg, r in zip(self.segments, renumber)]
            return table, np.concatenate(ords).astype(np.int32), None
        counts = np.concatenate([np.diff(seg[f"facet.{name}.doc.off"]) for seg in self.segments])
        values = np.concatenate([r[seg[f"facet.{name}.doc.val"]] for seg, r in zip(self.segments, renumber)])
        return table, None, (offsets_of(counts), values.astype(np.int32))

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())


def _sized(array: np.ndarray) -> tuple[np.ndarray, int]:
    return array, len(array)
