"""What one commit knows about the whole index, beyond its segments: `commit-<gen>.arrays`.

Written by each commit before its table of contents (so a reader who sees the TOC
finds it), never changed after:

    dup            documents (numbered across segments) that repeat an earlier live
                   document's story: left out of every answer
    manifest.*     every archive file the index has read, with its signature, so an
                   incremental reindex knows what changed (files that gave no article too)
    spell.*        the dictionary of words as written, with document frequencies, and
                   its look-up structure for did-you-mean, fuzzy and wildcard words

Each of these needs all segments at once (a story's first copy may be in another
segment; a word's frequency sums over them), which is why it lives with the commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .arrays import ArrayFile, StringTable, pack_strings, write_arrays
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


def write_commit(folder: Path, generation: int, *, dup: np.ndarray, manifest: Mapping[str, str],
                 words: Counter[str] | Mapping[str, int], meta: Mapping[str, object]) -> Path:
    paths = sorted(manifest)
    arrays: dict[str, np.ndarray] = {"dup": np.asarray(dup, dtype=np.int32)}
    arrays["manifest.path.blob"], arrays["manifest.path.off"] = pack_strings(paths)
    arrays["manifest.sig.blob"], arrays["manifest.sig.off"] = pack_strings([manifest[p] for p in paths])
    vocabulary, frequencies = dictionary_words(words)
    for name, array in SpellingIndex.build(vocabulary, frequencies).items():
        arrays[SPELL_PREFIX + name] = array
    path = commit_path(folder, generation)
    write_arrays(path, arrays, {"generation": generation, **meta})
    return path


@dataclass(frozen=True)
class CommitData:
    file: ArrayFile
    dup: np.ndarray
    spelling: SpellingIndex

    @property
    def meta(self) -> dict:
        return self.file.meta

    def manifest(self) -> dict[str, str]:
        paths = StringTable(self.file, "manifest.path").all()
        signatures = StringTable(self.file, "manifest.sig").all()
        return dict(zip(paths, signatures))


def read_commit(folder: Path, generation: int) -> CommitData:
    file = ArrayFile(commit_path(folder, generation))
    spell = {name[len(SPELL_PREFIX):]: file[name] for name in file if name.startswith(SPELL_PREFIX)}
    return CommitData(file, file["dup"], SpellingIndex(spell))
