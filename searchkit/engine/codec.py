"""searchkit's segments as a Whoosh codec: Whoosh lists them, searchkit's arrays hold them.

`ArraySegment` is what Whoosh's table of contents records for each segment (its id,
document count and deleted documents); the segment's data is one array file,
`MAIN_<id>.arrays` (segment.py). `ArrayCodec` lets Whoosh itself read such a segment
(`whoosh.index.open_dir(...).searcher()` works, through `TermsReader` and
`PerDocumentReader` over the arrays), so the index stays one Whoosh index, stored once.
searchkit's own searches do not go through these readers: they read the arrays
directly (view.py).

Writing goes through searchkit's batch writer (writer.py), not Whoosh's
`SegmentWriter`: Whoosh's writer hands the codec one posting at a time through a
sorting pool, which is where most of a Whoosh build's time goes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn

import numpy as np
from whoosh.codec.base import Codec, PerDocumentReader, Segment, TermsReader
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo

from .fields import FACETS, TEXT_FIELD_NAMES
from .segment import SegmentArrays, StoredFields, from_micros, record_to_fields

if TYPE_CHECKING:
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.structfile import StructFile
    from whoosh.formats import Format
    from whoosh.scoring import BaseScorer

SEGMENT_EXT = ".arrays"

# A term as Whoosh's readers are given it: the text is normally UTF-8 bytes.
TermText = bytes | str


class ArraySegment(Segment):
    """A segment as Whoosh's TOC pickles it: id, document count, deleted documents."""

    def __init__(self, indexname: str, doc_count: int, segid: str | None = None,
                 deleted: np.ndarray | None = None) -> None:
        super().__init__(indexname)
        if segid is not None:
            self.segid = segid
        self._doc_count = doc_count
        # Kept as bytes of sorted int32 so the TOC pickle stays small and exact.
        self._deleted = b"" if deleted is None else np.unique(np.asarray(deleted, dtype=np.int32)).tobytes()

    def codec(self) -> ArrayCodec:
        return ArrayCodec()

    def doc_count_all(self) -> int:
        return self._doc_count

    def set_doc_count(self, doccount: int) -> None:
        self._doc_count = doccount

    def deleted(self) -> np.ndarray:
        """This segment's deleted documents, ascending."""
        return np.frombuffer(self._deleted, dtype=np.int32)

    def deleted_count(self) -> int:
        return len(self._deleted) // 4

    def deleted_docs(self) -> Iterator[int]:
        return iter(self.deleted().tolist())

    def delete_document(self, docnum: int, delete: bool = True) -> None:  # pragma: no cover
        raise NotImplementedError("searchkit segments are changed through with_deleted()")

    def with_deleted(self, docs: np.ndarray) -> ArraySegment:
        """A copy of this segment record with `docs` deleted too (the TOC of the next
        commit gets the copy; the live one is never changed)."""
        both = np.concatenate([self.deleted(), np.asarray(docs, dtype=np.int32)])
        return ArraySegment(self.indexname, self._doc_count, self.segid, both)

    def is_deleted(self, docnum: int) -> bool:
        deleted = self.deleted()
        i = int(np.searchsorted(deleted, docnum))
        return i < len(deleted) and int(deleted[i]) == docnum

    def should_assemble(self) -> bool:
        return False

    def file_name(self) -> str:
        return self.make_filename(SEGMENT_EXT)


class ArrayCodec(Codec):
    """Read access for Whoosh to an ArraySegment."""

    length_stats = False

    def terms_reader(self, storage: FileStorage, segment: ArraySegment) -> ArrayTermsReader:
        return ArrayTermsReader(_open(storage, segment))

    def per_document_reader(self, storage: FileStorage, segment: ArraySegment) -> ArrayPerDocReader:
        return ArrayPerDocReader(_open(storage, segment), segment)

    def new_segment(self, storage: FileStorage, indexname: str) -> ArraySegment:
        return ArraySegment(indexname, 0)

    def per_document_writer(self, storage: FileStorage, segment: ArraySegment) -> NoReturn:  # pragma: no cover
        raise NotImplementedError("searchkit writes segments with engine.writer")

    def field_writer(self, storage: FileStorage, segment: ArraySegment) -> NoReturn:  # pragma: no cover
        raise NotImplementedError("searchkit writes segments with engine.writer")

    def postings_writer(self, dbfile: StructFile, byteids: bool = False) -> NoReturn:  # pragma: no cover
        raise NotImplementedError

    def postings_reader(self, dbfile: StructFile, terminfo: TermInfo, format_: Format,
                        term: tuple[str, TermText] | None = None,
                        scorer: BaseScorer | None = None) -> NoReturn:  # pragma: no cover
        raise NotImplementedError


def _open(storage: FileStorage, segment: ArraySegment) -> SegmentArrays:
    from pathlib import Path

    return SegmentArrays(Path(storage.folder) / segment.file_name())


def _text(value: TermText) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class _PositionsMatcher(ListMatcher):
    """A ListMatcher whose postings also answer `value_as("positions")`."""

    def __init__(self, ids: list[int], weights: list[float], positions: list[list[int]],
                 term: tuple[str, TermText]) -> None:
        super().__init__(ids, weights, term=term)
        self._positions = positions

    def supports(self, astype: str) -> bool:
        return astype in ("positions", "frequency", "weight")

    def value_as(self, astype: str) -> list[int] | float:
        if astype == "positions":
            return self._positions[self._i]
        return self._weights[self._i]

    def copy(self) -> _PositionsMatcher:
        copied = _PositionsMatcher(self._ids, self._weights, self._positions, self._term)
        copied._i = self._i
        return copied


class ArrayTermsReader(TermsReader):
    def __init__(self, segment: SegmentArrays) -> None:
        self._seg = segment

    def _lookup(self, fieldname: str, text: TermText) -> tuple[str, int]:
        text = _text(text)
        if fieldname in TEXT_FIELD_NAMES:
            return "text", self._seg.term_id(fieldname, text)
        if fieldname in {f.name for f in FACETS}:
            return "facet", self._seg.facet_values[fieldname].find(text)
        return "none", -1

    def __contains__(self, term: tuple[str, TermText]) -> bool:
        return self._lookup(*term)[1] >= 0

    def terms(self) -> Iterator[tuple[str, bytes]]:
        for name in TEXT_FIELD_NAMES:
            for text in self._seg.terms[name].all():
                yield name, text.encode("utf-8")
        for facet in FACETS:
            for text in self._seg.facet_values[facet.name].all():
                yield facet.name, text.encode("utf-8")

    def terms_from(self, fieldname: str, prefix: TermText) -> Iterator[tuple[str, bytes]]:
        prefix = _text(prefix)
        for name, text in self.terms():
            if name == fieldname and text.decode("utf-8") >= prefix:
                yield name, text

    def items(self) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        for term in self.terms():
            yield term, self.term_info(*term)

    def items_from(self, fieldname: str, prefix: TermText) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        for term in self.terms_from(fieldname, prefix):
            yield term, self.term_info(*term)

    def _postings(self, fieldname: str, text: TermText) -> tuple[np.ndarray, np.ndarray]:
        kind, i = self._lookup(fieldname, text)
        if i < 0:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        if kind == "text":
            return self._seg.postings(fieldname, i)
        docs = self._seg.facet_postings(fieldname, i)
        return docs, np.ones(len(docs), np.int32)

    def term_info(self, fieldname: str, text: TermText) -> TermInfo:
        docs, tf = self._postings(fieldname, text)
        if not len(docs):
            raise KeyError((fieldname, text))
        lengths = self._seg[f"doc.len.{fieldname}"][docs] if fieldname in TEXT_FIELD_NAMES \
            else np.ones(1, np.int32)
        return TermInfo(weight=float(tf.sum()), df=len(docs), maxweight=float(tf.max()),
                        minlength=int(lengths.min()), maxlength=int(lengths.max()),
                        minid=int(docs[0]), maxid=int(docs[-1]))

    def frequency(self, fieldname: str, text: TermText) -> float:
        return float(self._postings(fieldname, text)[1].sum())

    def doc_frequency(self, fieldname: str, text: TermText) -> int:
        return len(self._postings(fieldname, text)[0])

    def matcher(self, fieldname: str, text: TermText, format_: Format,
                scorer: BaseScorer | None = None) -> ListMatcher:
        docs, tf = self._postings(fieldname, text)
        ids, weights = docs.tolist(), [float(w) for w in tf.tolist()]
        kind, i = self._lookup(fieldname, text)
        if kind != "text" or i < 0:
            return ListMatcher(ids, weights, scorer=scorer, term=(fieldname, text))
        flat = self._seg.positions(fieldname, i).tolist()
        bounds = np.concatenate(([0], np.cumsum(tf.astype(np.int64)))).tolist()
        positions = [flat[a:b] for a, b in itertools.pairwise(bounds)]
        matcher = _PositionsMatcher(ids, weights, positions, (fieldname, text))
        matcher._scorer = scorer
        return matcher

    def indexed_field_names(self) -> list[str]:
        return list(TEXT_FIELD_NAMES) + [f.name for f in FACETS]

    def close(self) -> None:
        pass


class ArrayPerDocReader(PerDocumentReader):
    def __init__(self, segment: SegmentArrays, record: ArraySegment) -> None:
        self._seg = segment
        self._record = record

    def doc_count_all(self) -> int:
        return self._seg.doc_count

    def doc_count(self) -> int:
        return self._seg.doc_count - self._record.deleted_count()

    def has_deletions(self) -> bool:
        return self._record.deleted_count() > 0

    def is_deleted(self, docnum: int) -> bool:
        return self._record.is_deleted(docnum)

    def deleted_docs(self) -> Iterator[int]:
        return self._record.deleted_docs()

    def supports_columns(self) -> bool:
        return False

    def has_column(self, fieldname: str) -> bool:
        return False

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname not in TEXT_FIELD_NAMES:
            return default
        return int(self._seg[f"doc.len.{fieldname}"][docnum])

    def field_length(self, fieldname: str) -> int:
        if fieldname not in TEXT_FIELD_NAMES:
            return 0
        return int(self._seg[f"doc.len.{fieldname}"].sum(dtype=np.int64))

    def min_field_length(self, fieldname: str) -> int:
        if fieldname not in TEXT_FIELD_NAMES:
            return 0
        lengths = self._seg[f"doc.len.{fieldname}"]
        return int(lengths.min()) if len(lengths) else 0

    def max_field_length(self, fieldname: str) -> int:
        if fieldname not in TEXT_FIELD_NAMES:
            return 0
        lengths = self._seg[f"doc.len.{fieldname}"]
        return int(lengths.max()) if len(lengths) else 0

    def has_vector(self, docnum: int, fieldname: str) -> bool:
        return False

    def stored_fields(self, docnum: int) -> StoredFields:
        block, offset = self._seg.block_of(docnum)
        fields = record_to_fields(self._seg.stored_block(block)[offset])
        fields["date"] = from_micros(int(self._seg["doc.date"][docnum]))
        return fields

    def close(self) -> None:
        pass
