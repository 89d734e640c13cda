"""What one commit knows about the whole index, beyond its segments: `commit-<gen>.arrays`.

Written by each commit before its table of contents (so a reader who sees the TOC
finds it), never changed after:

    dup            documents (numbered across segments) that repeat an earlier live
                   document's story: left out of every answer
    manifest.*     every archive file the index has read, with its signature and a hash
                   of its content, so an incremental reindex knows what changed (files
                   that gave no article too)
    spell.*        the dictionary of words as written, with document frequencies, and
                   its look-up structure for did-you-mean, fuzzy and wildcard words

Each of these needs all segments at once (a story's first copy may be in another
segment; a word's frequency sums over them), which is why it lives with the commit.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .arrays import ArrayFile, DamagedFile, FormatMismatch, StringTable, pack_strings, write_arrays
from .codec import ArraySegment
from .spelling import SpellingIndex

SPELL_PREFIX = "spell."
# Words longer than this are no one's typing (URLs, glued tokens): left out of the dictionary.
MAX_WORD_CHARS = 30


def commit_path(folder: Path, generation: int) -> Path:
    return folder / f"commit-{generation}.arrays"


def is_commit_file(name: str) -> bool:
    return name.startswith("commit-") and name.endswith(".arrays")


def duplicates(keys: np.ndarray, dates: np.ndarray, idhash: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Live documents that repeat a story another live document tells first (ascending).

    The copy kept is the earliest dated (undated ones last), then the smallest id hash:
    a rule of the articles alone, so every index of the same articles (built whole,
    updated piece by piece, or split in shards) keeps the same copy.
    """
    docs = np.flatnonzero(live)
    when = dates[docs]
    when = np.where(when == np.iinfo(np.int64).min, np.iinfo(np.int64).max, when)
    order = np.lexsort((idhash[docs], when, keys[docs]))
    sorted_keys = keys[docs][order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return np.sort(docs[order][~first]).astype(np.int32)


def dictionary_words(frequencies: Mapping[str, int]) -> tuple[list[str], np.ndarray]:
    """The words worth looking up, sorted, with their document frequencies: not
    numbers or words with digits (no one means `1987~`, and a respelling should not
    become one), not glued tokens; words seen once stay (a rare name is still a name)."""
    words = sorted(w for w in frequencies
                   if 0 < len(w) <= MAX_WORD_CHARS and not any(c.isdigit() for c in w))
    return words, np.array([frequencies[w] for w in words], dtype=np.uint32)


def segment_records(segments: Sequence[ArraySegment]) -> list[list[object]]:
    """What the commit file says of each segment the TOC lists: id, documents, deleted
    documents and a checksum of them. The TOC is Whoosh's pickle with no checksum of
    its own: a view and a writer compare it with this before trusting it."""
    return [[s.segment_id(), s.doc_count_all(), s.deleted_count(), zlib.crc32(s.deleted().tobytes())]
            for s in segments]


def check_segments(folder: Path, generation: int, commit: CommitData, segments: Sequence[ArraySegment]) -> None:
    if commit.meta.get("segments") != segment_records(segments):
        raise DamagedFile(folder / f"_MAIN_{generation}.toc", "its segment list differs from the commit file's")


@dataclass(frozen=True)
class FileRecord:
    """What the index knows of one archive file it has read."""

    signature: str  # size, times and inode (see indexer.signature_of)
    content: str  # a hash of its bytes, for `reindex --verify`


def write_commit(folder: Path, generation: int, *, dup: np.ndarray, manifest: Mapping[str, FileRecord],
                 words: Counter[str] | Mapping[str, int], segments: Sequence[ArraySegment],
                 meta: Mapping[str, object]) -> Path:
    paths = sorted(manifest)
    arrays: dict[str, np.ndarray] = {"dup": np.asarray(dup, dtype=np.int32)}
    arrays["manifest.path.blob"], arrays["manifest.path.off"] = pack_strings(paths)
    arrays["manifest.sig.blob"], arrays["manifest.sig.off"] = pack_strings([manifest[p].signature for p in paths])
    arrays["manifest.hash.blob"], arrays["manifest.hash.off"] = pack_strings([manifest[p].content for p in paths])
    vocabulary, frequencies = dictionary_words(words)
    for name, array in SpellingIndex.build(vocabulary, frequencies).items():
        arrays[SPELL_PREFIX + name] = array
    path = commit_path(folder, generation)
    write_arrays(path, arrays, {"generation": generation, "segments": segment_records(segments), **meta})
    return path


class CommitData:
    """A commit file, opened."""

    def __init__(self, file: ArrayFile) -> None:
        self.file = file
        self.dup = file["dup"]

    @property
    def meta(self) -> dict:
        return self.file.meta

    @cached_property
    def spelling(self) -> SpellingIndex:
        """The word dictionary (opened, and its arrays checked, when first wanted)."""
        try:
            return SpellingIndex({name[len(SPELL_PREFIX):]: self.file[name]
                                  for name in self.file if name.startswith(SPELL_PREFIX)})
        except ValueError as exc:  # arrays of another layout: written by another version
            raise FormatMismatch(self.file.path, str(exc)) from None

    def manifest(self) -> dict[str, FileRecord]:
        paths = StringTable(self.file, "manifest.path").all()
        signatures = StringTable(self.file, "manifest.sig").all()
        contents = StringTable(self.file, "manifest.hash").all()
        return {p: FileRecord(s, c) for p, s, c in zip(paths, signatures, contents)}


def read_commit(folder: Path, generation: int) -> CommitData:
    return CommitData(ArrayFile(commit_path(folder, generation)))
