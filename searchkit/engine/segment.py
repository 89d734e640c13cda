"""One segment of the index as arrays: how it is built, read and merged.

A segment holds a run of documents (numbered from 0 within it) in one array file
(see arrays.py). What it holds, by array name:

    doc.date, doc.month        when: microseconds since 1970 (naive UTC), year*12+month-1
    doc.dedup                  a hash of the normalised body: copies of a story share it
    doc.idhash                 a hash of the article id: breaks ties the same way in any
                               index holding the article, whatever its document number
    doc.file                   the archive file each document came from (file.path)
    doc.len.<field>            indexed words per text field (their average, for ranking)
    doc.norm.<field>           the same as a one-byte code (whoosh_compat.length_codes):
                               what ranking normalises each document's length by
    <field>.terms              the field's terms, sorted (a string table)
    <field>.post.off           per term, where its postings start (and end)
    <field>.post.doc/.tf       per posting: document, occurrences
    <field>.pos.base, .pos     per term, where its positions start; every position
    <field>.chk                per document, the character offset of every 32nd token
    facet.<name>.values/.shown a facet's values (sorted, normalised) and as first written
    facet.<name>.ord           single-valued: each document's value (-1: none)
    facet.<name>.doc.off/.val  multi-valued: each document's values
    facet.<name>.post.*        per value, its documents (what `place:minsk` reads)
    id.hash, id.doc            article ids, hashed and sorted, to find a document by id
    store.blob, .block*        the stored articles: zlib blocks of JSON records
    words.*                    each word as written and the documents holding it,
                               for did-you-mean, fuzzy and wildcard look-ups

Building analyses whole batches with NumPy (analysis.BatchAnalyzer); merging
concatenates: postings of the same term are joined segment after segment, never
re-analysed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypedDict, cast

import numpy as np

from ..models import Article
from .analysis import ENGLISH, BatchAnalyzer, Language
from .arrays import ArrayFile, DamagedFile, FormatMismatch, StringTable, pack_strings, write_arrays
from .fields import FACETS, TEXT_FIELD_NAMES, TEXT_FIELDS, display, keyword
from .whoosh_compat import length_codes

FORMAT_VERSION = 2  # 2: dotted abbreviations joined, other inner dots split, diacritics folded
NO_DATE = np.iinfo(np.int64).min
NO_MONTH = -1
STORE_BLOCK_BYTES = 32 * 1024
STORE_LEVEL = 3  # zlib: measured 90 MB/s, 2.8x on Reuters (level 6: 50 MB/s, 3.0x)
EPOCH = datetime(1970, 1, 1)
MIN_DEDUP_CHARS = 40
STORED = ("id", "path", "title", "body", "source", "place", "places", "topics", "url")


class StoredFields(TypedDict, total=False):
    """A stored record (the STORED fields of an Article, as JSON keeps them), and the
    article's date, which readers add from doc.date."""

    id: str
    path: str
    title: str
    body: str
    source: str | None
    place: str | None
    places: list[str]
    topics: list[str]
    url: str | None
    date: datetime | None


def dedup_key(article_id: str, body_words: Sequence[str]) -> int:
    """Same story text, same key: the body's words in order; whitespace, case and
    punctuation do not count.

    Only a body of some length marks a reissued story; headline-only items (briefs)
    that share a headline are different items, so each gets a key of its own.
    """
    # Inner dots and apostrophes count as spaces: `country's` and `country"s` (a
    # reissue with a typo mended) read the same.
    normalised = " ".join(body_words).translate(_JOINERS)
    if len(normalised) < MIN_DEDUP_CHARS:
        normalised = "\0id:" + article_id
    return _hash64(normalised)


_JOINERS = str.maketrans({".": " ", "'": " ", "’": " "})


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def id_hash(article_id: str) -> int:
    return _hash64(article_id)


def to_micros(value: datetime | None) -> int:
    if value is None:
        return int(NO_DATE)
    return (value - EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime | None:
    return None if value == NO_DATE else EPOCH + timedelta(microseconds=int(value))


def month_of(value: datetime | None) -> int:
    return NO_MONTH if value is None else value.year * 12 + value.month - 1


def month_name(ordinal: int) -> str:
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def smallest_uint(values: np.ndarray) -> np.ndarray:
    """`values` (non-negative) in the narrowest unsigned type that holds them."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.uint64)


def runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length-1 of every run, concatenated."""
    lengths = lengths.astype(np.int64)
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = starts.astype(np.int64) - (np.cumsum(lengths) - lengths)
    return np.repeat(shift, lengths) + np.arange(total, dtype=np.int64)


def offsets_of(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


# -- building ----------------------------------------------------------------------


@dataclass
class _FieldParts:
    terms: list[np.ndarray] = field(default_factory=list)
    docs: list[np.ndarray] = field(default_factory=list)
    positions: list[np.ndarray] = field(default_factory=list)
    lengths: list[np.ndarray] = field(default_factory=list)
    checkpoints: list[list[int]] = field(default_factory=list)


class SegmentBuilder:
    """Collects batches of articles, then writes them as one segment file."""

    def __init__(self, lang: Language = ENGLISH) -> None:
        self.analyzer = BatchAnalyzer(lang)
        self.doc_count = 0
        self._fields = {name: _FieldParts() for name in TEXT_FIELD_NAMES}
        self._dates: list[int] = []
        self._months: list[int] = []
        self._dedup: list[int] = []
        self._files: dict[str, int] = {}
        self._doc_files: list[int] = []
        self._ids: list[int] = []
        self._facets: dict[str, list[tuple[str, ...]]] = {f.name: [] for f in FACETS}
        self._blocks: list[bytes] = []
        self._block_docs: list[int] = [0]
        self._pending: list[str] = []
        self._pending_bytes = 0
        self.words: Counter[str] = Counter()

    def add(self, articles: Sequence[Article]) -> None:
        """Analyse and keep a batch of articles (numbered after those added before)."""
        if not articles:
            return
        base = self.doc_count
        word_sets: list[set[str]] = [set() for _ in articles]
        body_words: list[list[str]] = []
        for text_field in TEXT_FIELDS:
            parts = self._fields[text_field.name]
            analysed = self.analyzer.analyse([getattr(a, text_field.name) for a in articles],
                                             with_checkpoints=text_field.checkpointed)
            parts.terms.append(analysed.terms)
            parts.docs.append(analysed.docs + base)
            parts.positions.append(analysed.positions)
            parts.lengths.append(analysed.lengths)
            parts.checkpoints.extend(analysed.checkpoints)
            per_doc = list(analysed.words_per_doc())
            if text_field.name == "body":
                body_words = per_doc
            for doc_words, words in zip(word_sets, per_doc):
                doc_words.update(words)
        for word_set in word_sets:
            self.words.update(word_set)
        for article, words in zip(articles, body_words):
            self._dates.append(to_micros(article.date))
            self._months.append(month_of(article.date))
            self._dedup.append(dedup_key(article.id, words))
            self._doc_files.append(self._files.setdefault(article.path, len(self._files)))
            self._ids.append(id_hash(article.id))
            for facet in FACETS:
                self._facets[facet.name].append(facet.values(article))
            self._store(article)
        self.doc_count += len(articles)

    def add_file(self, rel: str) -> None:
        """Record a file read into this segment even if it gave no article."""
        self._files.setdefault(rel, len(self._files))

    def _store(self, article: Article) -> None:
        record = json.dumps([getattr(article, name) if name not in ("places", "topics")
                             else list(getattr(article, name)) for name in STORED],
                            ensure_ascii=False, separators=(",", ":"))
        self._pending.append(record)
        self._pending_bytes += len(record)
        if self._pending_bytes >= STORE_BLOCK_BYTES:
            self._flush_block()

    def _flush_block(self) -> None:
        if not self._pending:
            return
        data = ("[" + ",".join(self._pending) + "]").encode("utf-8")
        self._blocks.append(zlib.compress(data, STORE_LEVEL))
        self._block_docs.append(self._block_docs[-1] + len(self._pending))
        self._pending, self._pending_bytes = [], 0

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything collected, as the segment's arrays."""
        self._flush_block()
        out: dict[str, np.ndarray] = {
            "doc.date": np.array(self._dates, dtype=np.int64),
            "doc.month": np.array(self._months, dtype=np.int32),
            "doc.dedup": np.array(self._dedup, dtype=np.uint64),
            "doc.file": np.array(self._doc_files, dtype=np.int32),
        }
        files = sorted(self._files, key=self._files.__getitem__)
        out["file.path.blob"], out["file.path.off"] = pack_strings(files)
        vocabulary = self.analyzer.vocabulary
        for name, parts in self._fields.items():
            out.update(_text_field_arrays(name, parts, vocabulary, self.doc_count))
        for facet in FACETS:
            out.update(_facet_arrays(facet.name, facet.multi, self._facets[facet.name]))
        hashes = np.array(self._ids, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")
        out["doc.idhash"] = hashes
        out["id.hash"], out["id.doc"] = hashes[order], order.astype(np.int32)
        out["store.blob"] = np.frombuffer(b"".join(self._blocks), dtype=np.uint8)
        out["store.block.off"] = offsets_of(np.fromiter(map(len, self._blocks), np.int64, len(self._blocks)))
        out["store.block.doc"] = np.array(self._block_docs, dtype=np.int64)
        out.update(word_arrays(self.words))
        return out

    def write(self, path: Path) -> int:
        """Write the segment to `path`; returns its size in bytes."""
        return write_arrays(path, self.arrays(), {"docs": self.doc_count, "format": FORMAT_VERSION})


def word_arrays(words: Counter[str] | dict[str, int]) -> dict[str, np.ndarray]:
    ordered = sorted(words)
    blob, offsets = pack_strings(ordered)
    return {"words.blob": blob, "words.off": offsets,
            "words.df": np.array([words[w] for w in ordered], dtype=np.uint32)}


def _text_field_arrays(name: str, parts: _FieldParts, vocabulary: list[str], doc_count: int) -> dict[str, np.ndarray]:
    terms = np.concatenate(parts.terms) if parts.terms else np.zeros(0, np.int32)
    docs = np.concatenate(parts.docs) if parts.docs else np.zeros(0, np.int32)
    positions = np.concatenate(parts.positions) if parts.positions else np.zeros(0, np.int32)
    used = np.unique(terms)
    names = [vocabulary[i] for i in used.tolist()]
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.zeros(len(vocabulary), dtype=np.int32)
    rank[used[order]] = np.arange(len(order), dtype=np.int32)
    # Tokens come in document then position order: a stable sort by term keeps it.
    ranked = rank[terms]
    perm = np.argsort(ranked, kind="stable")
    sorted_terms, sorted_docs, sorted_positions = ranked[perm], docs[perm], positions[perm]
    out: dict[str, np.ndarray] = {}
    out[f"{name}.terms.blob"], out[f"{name}.terms.off"] = pack_strings([names[i] for i in order])
    out.update(_postings(name, sorted_terms, sorted_docs, len(order)))
    out[f"{name}.pos"] = smallest_uint(sorted_positions)
    lengths = np.concatenate(parts.lengths) if parts.lengths else np.zeros(0, np.uint32)
    out[f"doc.len.{name}"] = smallest_uint(lengths)
    out[f"doc.norm.{name}"] = length_codes(lengths)
    if parts.checkpoints:
        counts = np.fromiter(map(len, parts.checkpoints), dtype=np.int64, count=len(parts.checkpoints))
        out[f"{name}.chk.off"] = offsets_of(counts)
        out[f"{name}.chk"] = smallest_uint(np.fromiter(
            (c for doc in parts.checkpoints for c in doc), dtype=np.int64, count=int(counts.sum())))
    assert len(lengths) == doc_count
    return out


def _postings(name: str, terms: np.ndarray, docs: np.ndarray, vocabulary_size: int) -> dict[str, np.ndarray]:
    """Postings from tokens sorted by (term, document, position)."""
    total = len(terms)
    if total:
        boundary = np.flatnonzero((terms[1:] != terms[:-1]) | (docs[1:] != docs[:-1])) + 1
        starts = np.concatenate(([0], boundary))
    else:
        starts = np.zeros(0, dtype=np.int64)
    tf = np.diff(np.append(starts, total))
    post_terms = terms[starts]
    post_off = np.searchsorted(post_terms, np.arange(vocabulary_size + 1)).astype(np.int64)
    pos_base = np.append(starts[post_off[:-1]], total).astype(np.int64) if vocabulary_size else np.zeros(1, np.int64)
    return {
        f"{name}.post.off": post_off,
        f"{name}.post.doc": docs[starts].astype(np.int32),
        f"{name}.post.tf": smallest_uint(tf),
        f"{name}.pos.base": pos_base,
    }


def _facet_arrays(name: str, multi: bool, per_doc: list[tuple[str, ...]]) -> dict[str, np.ndarray]:
    shown: dict[str, str] = {}
    for values in per_doc:
        for value in values:
            shown.setdefault(keyword(value), display(value))
    shown.pop("", None)
    keys = sorted(shown)
    ordinal = {k: i for i, k in enumerate(keys)}
    doc_values = [sorted({ordinal[k] for k in map(keyword, values) if k}) for values in per_doc]
    counts = np.fromiter(map(len, doc_values), dtype=np.int64, count=len(doc_values))
    flat = np.fromiter((v for vs in doc_values for v in vs), dtype=np.int32, count=int(counts.sum()))
    return _facet_tables(name, keys, [shown[k] for k in keys]) | _facet_docs(name, multi, counts, flat, len(keys))


def _facet_tables(name: str, keys: list[str], shown: list[str]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    out[f"facet.{name}.values.blob"], out[f"facet.{name}.values.off"] = pack_strings(keys)
    out[f"facet.{name}.shown.blob"], out[f"facet.{name}.shown.off"] = pack_strings(shown)
    return out


def _facet_docs(name: str, multi: bool, counts: np.ndarray, values: np.ndarray,
                n_values: int) -> dict[str, np.ndarray]:
    """A facet's per-document arrays and postings from each document's value count and
    the values themselves (ordinals, ascending within a document)."""
    docs = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    out: dict[str, np.ndarray] = {}
    if multi:
        out[f"facet.{name}.doc.off"] = offsets_of(counts)
        out[f"facet.{name}.doc.val"] = values.astype(np.int32)
    else:
        ords = np.full(len(counts), -1, dtype=np.int32)
        ords[docs] = values
        out[f"facet.{name}.ord"] = ords
    order = np.argsort(values, kind="stable")
    out[f"facet.{name}.post.off"] = np.searchsorted(values[order], np.arange(n_values + 1)).astype(np.int64)
    out[f"facet.{name}.post.doc"] = docs[order]
    return out


# -- reading -----------------------------------------------------------------------


class SegmentArrays:
    """A segment file, opened: its arrays and what they mean."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.file = ArrayFile(self.path)
        try:
            self.doc_count = int(self.file.meta["docs"])
            if int(self.file.meta.get("format", 0)) != FORMAT_VERSION:
                raise FormatMismatch(self.path, "written by another version of searchkit")
            self.terms = {name: StringTable(self.file, f"{name}.terms") for name in TEXT_FIELD_NAMES}
            self.facet_values = {f.name: StringTable(self.file, f"facet.{f.name}.values") for f in FACETS}
            self.facet_shown = {f.name: StringTable(self.file, f"facet.{f.name}.shown") for f in FACETS}
            self.files = StringTable(self.file, "file.path")
            self.words = StringTable(self.file, "words")
            for name in ("doc.date", "doc.month", "doc.dedup", "doc.file", "doc.idhash"):
                if self.file.count(name) != self.doc_count:
                    raise DamagedFile(self.path, f"{name} has the wrong length")
        except KeyError as exc:
            raise DamagedFile(self.path, f"array {exc} is missing") from None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.file[name]

    # Terms and postings ------------------------------------------------------------

    def term_id(self, fieldname: str, term: str) -> int:
        return self.terms[fieldname].find(term)

    def postings(self, fieldname: str, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(documents, occurrences) of one term, documents ascending."""
        off = self.file[f"{fieldname}.post.off"]
        a, b = int(off[term_id]), int(off[term_id + 1])
        return self.file.range(f"{fieldname}.post.doc", a, b), self.file.range(f"{fieldname}.post.tf", a, b)

    def positions(self, fieldname: str, term_id: int) -> np.ndarray:
        """Every position of one term, posting after posting."""
        base = self.file[f"{fieldname}.pos.base"]
        return self.file.range(f"{fieldname}.pos", int(base[term_id]), int(base[term_id + 1]))

    def facet_postings(self, facet: str, value_id: int) -> np.ndarray:
        off = self.file[f"facet.{facet}.post.off"]
        return self.file.range(f"facet.{facet}.post.doc", int(off[value_id]), int(off[value_id + 1]))

    def checkpoints(self, fieldname: str, doc: int) -> np.ndarray:
        off = self.file[f"{fieldname}.chk.off"]
        return self.file.range(f"{fieldname}.chk", int(off[doc]), int(off[doc + 1]))

    # Stored articles ------------------------------------------------------------------

    def stored_block(self, block: int) -> list[list]:
        off = self.file["store.block.off"]
        try:
            data = zlib.decompress(self.file.raw("store.blob", int(off[block]), int(off[block + 1])))
            return json.loads(data)
        except (zlib.error, ValueError) as exc:
            raise DamagedFile(self.path, f"stored block {block} cannot be read ({exc})") from None

    def block_of(self, doc: int) -> tuple[int, int]:
        """(block holding `doc`, the document's place in it)."""
        starts = self.file["store.block.doc"]
        block = int(np.searchsorted(starts, doc, side="right")) - 1
        return block, doc - int(starts[block])

    def find_id(self, article_id: str) -> list[int]:
        """Documents whose id hashes like `article_id` (the caller checks the stored id)."""
        hashes = self.file["id.hash"]
        key = np.uint64(id_hash(article_id))
        lo, hi = np.searchsorted(hashes, key, "left"), np.searchsorted(hashes, key, "right")
        return self.file["id.doc"][lo:hi].tolist()

    def word_frequencies(self) -> dict[str, int]:
        return dict(zip(self.words.all(), self.file["words.df"].tolist()))


def record_to_fields(record: Sequence) -> StoredFields:
    return cast(StoredFields, dict(zip(STORED, record)))


# -- merging -------------------------------------------------------------------------


def merge(segments: Sequence[SegmentArrays], deleted: Sequence[np.ndarray], path: Path) -> int:
    """Write the live documents of `segments` (in order) as one segment; returns its
    document count. `deleted[k]` lists segment k's deleted documents."""
    keeps = []
    for seg, dead in zip(segments, deleted):
        keep = np.ones(seg.doc_count, dtype=bool)
        keep[np.asarray(dead, dtype=np.int64)] = False
        keeps.append(keep)
    new_ids = [np.cumsum(k) - 1 for k in keeps]
    bases = offsets_of(np.array([int(k.sum()) for k in keeps], dtype=np.int64))
    out: dict[str, np.ndarray] = {}
    for name in ("doc.date", "doc.month", "doc.dedup", "doc.idhash"):
        out[name] = np.concatenate([s[name][k] for s, k in zip(segments, keeps)])
    out.update(_merge_files(segments, keeps))
    for fieldname in TEXT_FIELD_NAMES:
        out.update(_merge_text_field(fieldname, segments, keeps, new_ids, bases))
    for facet in FACETS:
        out.update(_merge_facet(facet.name, facet.multi, segments, keeps))
    order = np.argsort(out["doc.idhash"], kind="stable")
    out["id.hash"], out["id.doc"] = out["doc.idhash"][order], order.astype(np.int32)
    out.update(_merge_store(segments, keeps))
    words: Counter[str] = Counter()
    for seg in segments:
        words.update(seg.word_frequencies())
    out.update(word_arrays(words))
    count = int(bases[-1])
    write_arrays(path, out, {"docs": count, "format": FORMAT_VERSION})
    return count


def _merge_files(segments: Sequence[SegmentArrays], keeps: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    paths: dict[str, int] = {}
    doc_files = []
    for seg, keep in zip(segments, keeps):
        local = seg.files.all()
        mapping = np.array([paths.setdefault(p, len(paths)) for p in local], dtype=np.int32)
        doc_files.append(mapping[seg["doc.file"][keep]] if len(mapping) else np.zeros(0, np.int32))
    blob, off = pack_strings(sorted(paths, key=paths.__getitem__))
    return {"doc.file": np.concatenate(doc_files), "file.path.blob": blob, "file.path.off": off}


def _merge_text_field(name: str, segments: Sequence[SegmentArrays], keeps: Sequence[np.ndarray],
                      new_ids: Sequence[np.ndarray], bases: np.ndarray) -> dict[str, np.ndarray]:
    """Concatenate one text field's postings: per term, segment after segment."""
    vocabularies = [seg.terms[name].all() for seg in segments]
    merged = sorted(set().union(*vocabularies))
    index = {term: i for i, term in enumerate(merged)}
    run_term, run_seg, run_post, run_df, run_pos, run_npos = [], [], [], [], [], []
    docs_parts, tf_parts, pos_parts, post_base, pos_base_total = [], [], [], 0, 0
    for k, (seg, keep, new_id, base, vocab) in enumerate(zip(segments, keeps, new_ids, bases, vocabularies)):
        off = seg[f"{name}.post.off"].astype(np.int64)
        docs = seg[f"{name}.post.doc"].astype(np.int64)
        tf = seg[f"{name}.post.tf"].astype(np.int64)
        positions = seg[f"{name}.pos"]
        alive = keep[docs]
        pos_alive = np.repeat(alive, tf)
        # Per term, its live postings and positions.
        live_df = np.add.reduceat(alive.astype(np.int64), off[:-1]) if len(docs) else np.zeros(len(vocab), np.int64)
        live_df[off[:-1] == off[1:]] = 0
        live_tf = np.where(alive, tf, 0)
        live_npos = np.add.reduceat(live_tf, off[:-1]) if len(docs) else np.zeros(len(vocab), np.int64)
        live_npos[off[:-1] == off[1:]] = 0
        docs_parts.append((new_id[docs[alive]] + base).astype(np.int32))
        tf_parts.append(tf[alive])
        pos_parts.append(positions[pos_alive])
        run_term.append(np.array([index[t] for t in vocab], dtype=np.int64))
        run_seg.append(np.full(len(vocab), k, dtype=np.int64))
        run_post.append(offsets_of(live_df)[:-1] + post_base)
        run_df.append(live_df)
        run_pos.append(offsets_of(live_npos)[:-1] + pos_base_total)
        run_npos.append(live_npos)
        post_base += int(live_df.sum())
        pos_base_total += int(live_npos.sum())
    term, seg_no = np.concatenate(run_term), np.concatenate(run_seg)
    order = np.lexsort((seg_no, term))
    term, df, npos = term[order], np.concatenate(run_df)[order], np.concatenate(run_npos)[order]
    all_docs, all_tf, all_pos = np.concatenate(docs_parts), np.concatenate(tf_parts), np.concatenate(pos_parts)
    post_index = runs(np.concatenate(run_post)[order], df)
    pos_index = runs(np.concatenate(run_pos)[order], npos)
    per_term_df = np.bincount(term, weights=df, minlength=len(merged)).astype(np.int64)
    per_term_npos = np.bincount(term, weights=npos, minlength=len(merged)).astype(np.int64)
    present = per_term_df > 0  # terms whose every posting was deleted are dropped
    kept_terms = [t for t, p in zip(merged, present.tolist()) if p]
    out: dict[str, np.ndarray] = {}
    out[f"{name}.terms.blob"], out[f"{name}.terms.off"] = pack_strings(kept_terms)
    out[f"{name}.post.off"] = offsets_of(per_term_df[present])
    out[f"{name}.post.doc"] = all_docs[post_index].astype(np.int32)
    out[f"{name}.post.tf"] = smallest_uint(all_tf[post_index])
    out[f"{name}.pos.base"] = offsets_of(per_term_npos[present])
    out[f"{name}.pos"] = smallest_uint(all_pos[pos_index].astype(np.int64))
    out[f"doc.len.{name}"] = smallest_uint(np.concatenate(
        [seg[f"doc.len.{name}"][keep].astype(np.int64) for seg, keep in zip(segments, keeps)]))
    out[f"doc.norm.{name}"] = np.concatenate([seg[f"doc.norm.{name}"][keep] for seg, keep in zip(segments, keeps)])
    if f"{name}.chk.off" not in segments[0].file:
        return out
    chk_counts, chk_values = [], []
    for seg, keep in zip(segments, keeps):
        off = seg[f"{name}.chk.off"].astype(np.int64)
        counts = np.diff(off)
        chk_counts.append(counts[keep])
        chk_values.append(seg[f"{name}.chk"][runs(off[:-1][keep], counts[keep])].astype(np.int64))
    out[f"{name}.chk.off"] = offsets_of(np.concatenate(chk_counts))
    out[f"{name}.chk"] = smallest_uint(np.concatenate(chk_values))
    return out


def _merge_facet(name: str, multi: bool, segments: Sequence[SegmentArrays],
                 keeps: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """One facet over merged segments: the value tables joined, ordinals renumbered."""
    shown: dict[str, str] = {}
    for seg in segments:
        for key, value in zip(seg.facet_values[name].all(), seg.facet_shown[name].all()):
            shown.setdefault(key, value)
    keys = sorted(shown)
    index = {k: i for i, k in enumerate(keys)}
    counts, values = [], []
    for seg, keep in zip(segments, keeps):
        # Both tables are sorted, so renumbering keeps each document's values ascending.
        renumber = np.array([index[k] for k in seg.facet_values[name].all()], dtype=np.int32)
        if multi:
            off = seg[f"facet.{name}.doc.off"].astype(np.int64)
            n = np.diff(off)[keep]
            vals = seg[f"facet.{name}.doc.val"][runs(off[:-1][keep], n)]
        else:
            ords = seg[f"facet.{name}.ord"][keep]
            n = (ords >= 0).astype(np.int64)
            vals = ords[ords >= 0]
        counts.append(n)
        values.append(renumber[vals] if len(vals) else np.zeros(0, np.int32))
    docs = _facet_docs(name, multi, np.concatenate(counts), np.concatenate(values), len(keys))
    return _facet_tables(name, keys, [shown[k] for k in keys]) | docs


def _merge_store(segments: Sequence[SegmentArrays], keeps: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Stored blocks copied as they are; a block with deleted documents is rewritten."""
    blocks: list[bytes] = []
    block_docs = [0]
    for seg, keep in zip(segments, keeps):
        off = seg["store.block.off"]
        starts = seg["store.block.doc"].tolist()
        for block, (first, end) in enumerate(itertools.pairwise(starts)):
            alive = keep[first:end]
            if alive.all():
                blocks.append(seg.file.raw("store.blob", int(off[block]), int(off[block + 1])))
            elif alive.any():
                records = [r for r, a in zip(seg.stored_block(block), alive.tolist()) if a]
                blocks.append(zlib.compress(json.dumps(records, ensure_ascii=False).encode("utf-8"), STORE_LEVEL))
            else:
                continue
            block_docs.append(block_docs[-1] + int(alive.sum()))
    return {
        "store.blob": np.frombuffer(b"".join(blocks), dtype=np.uint8),
        "store.block.off": offsets_of(np.fromiter(map(len, blocks), np.int64, len(blocks))),
        "store.block.doc": np.array(block_docs, dtype=np.int64),
    }
