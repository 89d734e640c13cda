"""The one place that reaches into Whoosh beyond its documented API.

searchkit keeps Whoosh 2.7.4 as the index framework: its schema, its query parser,
its table of contents (TOC) with the list of segments and its generation number, its
write lock and its commit. The segments themselves are searchkit's (codec.py). What
that needs from Whoosh's internals is here, so a Whoosh upgrade is checked in one file:

- `TOC.read` / `TOC.write` and `TOC._latest_generation`: reading the live segment list
  and committing a new one (Whoosh writes the TOC to a temporary name and renames it,
  so a commit is atomic);
- the file name patterns of TOCs and segments, for removing what no TOC names;
- Whoosh's table of field lengths as one byte (`LENGTH_STEPS`): ranking normalises a
  document's length as Whoosh always has, the measured ranking stays what it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import whoosh
from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.util import numeric
from whoosh.util.filelock import LockBase

SUPPORTED = (2, 7)
if tuple(whoosh.__version__[:2]) != SUPPORTED:  # pragma: no cover - install-time mistake
    raise ImportError(
        f"searchkit needs Whoosh {'.'.join(map(str, SUPPORTED))}.x, found {whoosh.versionstring()}"
    )

INDEX_NAME = "MAIN"
_TOC_FILE = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
_SEGMENT_FILE = re.compile(rf"^({INDEX_NAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")


# The 256 lengths a one-byte length stands for: a length is stored as the smallest of
# them not below it (precise for short fields, coarser for long ones, as Lucene's norms).
LENGTH_STEPS = np.array(numeric._length_byte_cache, dtype=np.float64)


def length_codes(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh's one-byte codes."""
    return np.minimum(np.searchsorted(LENGTH_STEPS, lengths, side="left"), 255).astype(np.uint8)


class EmptyIndexError(Exception):
    """The folder holds no Whoosh table of contents."""


class TocError(Exception):
    """A table of contents that cannot be read."""


def storage(folder: Path) -> FileStorage:
    return FileStorage(str(folder))


def create(folder: Path, schema: Schema) -> None:
    """An empty Whoosh index (a TOC of generation 0 with no segments) in `folder`."""
    whoosh_index.create_in(str(folder), schema, indexname=INDEX_NAME)


def latest_generation(folder: Path) -> int:
    """The newest TOC generation in `folder`, -1 if there is none."""
    return TOC._latest_generation(storage(folder), INDEX_NAME)


def read_toc(folder: Path, schema: Schema, generation: int | None = None) -> tuple[int, list[Segment]]:
    """(generation, segments) of the newest TOC, or of `generation`.

    `schema` is used instead of the pickled one (which is skipped, not unpickled).
    """
    try:
        toc = TOC.read(storage(folder), INDEX_NAME, gen=generation, schema=schema)
    except whoosh_index.EmptyIndexError:
        raise EmptyIndexError(f"no index in {folder}") from None
    except FileNotFoundError:
        raise  # a commit replaced it while it was opened: the caller tries again
    except Exception as exc:  # garbage in a TOC raises almost anything (pickle, struct, index...)
        raise TocError(f"{folder.name}/_{INDEX_NAME}_{generation if generation is not None else 'latest'}.toc: "
                       f"{type(exc).__name__}: {exc}") from None
    try:  # a damaged pickle can unpickle into segment records that lack what they need
        for segment in toc.segments:
            segment.segment_id(), segment.doc_count_all(), segment.deleted_count()
    except Exception as exc:
        raise TocError(f"{folder.name}/_{INDEX_NAME}_{toc.generation}.toc: a segment record is damaged "
                       f"({type(exc).__name__}: {exc})") from None
    return toc.generation, list(toc.segments)


def write_toc(folder: Path, schema: Schema, segments: list[Segment], generation: int) -> None:
    """Commit: write the TOC of `generation` listing `segments` (atomic rename)."""
    TOC(schema, segments, generation).write(storage(folder), INDEX_NAME)


def write_lock(folder: Path) -> LockBase:
    """Whoosh's write lock of the index (held while a writer runs)."""
    return storage(folder).lock(f"{INDEX_NAME}_WRITELOCK")


def stale_files(folder: Path, generation: int, live_segments: set[str]) -> list[Path]:
    """Files of older TOCs and of segments the TOC of `generation` does not list."""
    stale = []
    for path in folder.iterdir():
        if path.name.startswith(f"_{INDEX_NAME}_") and ".toc." in path.name:
            stale.append(path)  # a TOC a killed commit left under its temporary name
            continue
        toc = _TOC_FILE.match(path.name)
        if toc and int(toc.group(1)) != generation:
            stale.append(path)
            continue
        segment = _SEGMENT_FILE.match(path.name)
        if segment and segment.group(1) not in live_segments:
            stale.append(path)
    return stale
