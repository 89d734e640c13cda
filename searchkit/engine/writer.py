"""Writing the index: archive files → segments, in worker processes → one commit.

Files are read in chunks; each chunk becomes one segment (segment.SegmentBuilder),
written by a worker process so both cores read and analyse at once. The commit then
merges segments by concatenation (a full build ends with one segment; an incremental
one adds a small segment and merges small ones), writes the commit file (commit.py)
and finally Whoosh's table of contents, which is what makes the new state live.
Until that rename, readers see the previous commit, whole.
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import secrets
import signal
import stat
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.fields import Schema

from .. import readers
from ..errors import IndexBusyError
from ..models import Article, ReadProblem
from . import store, whoosh_compat
from .analysis import language
from .codec import ArraySegment
from .commit import CommitData, FileRecord, check_segments, duplicates, is_commit_file, read_commit, write_commit
from .segment import SegmentArrays, SegmentBuilder, merge
from .sharding import ShardSpec, keep_shard

BATCH_ARTICLES = 1000  # analysed together: big enough for NumPy, small enough for memory
CHUNK_BYTES = 4 * 1024 * 1024  # a worker's unit of work (one segment)
PARALLEL_BYTES = 8 * 1024 * 1024  # below this much to read, one process is quicker
COMPRESSED_RATIO = 5  # a .gz or .xz file holds about this much more text than its size
# Incremental commits merge the small segments into one; all segments are merged when
# the small ones reach this share of the largest, or it has this share deleted.
SMALL_SHARE = 0.5
DELETED_SHARE = 0.2
RETRY = "retry:"  # the signature prefix of a file to read again (see read_chunk)


@dataclass(frozen=True)
class FileToRead:
    rel: str  # relative to the archive
    path: str
    signature: str
    size: int
    encoding: str | None = None  # of text files, as the collection names it; None: detected

    @property
    def weight(self) -> int:
        compressed = self.rel.endswith((".gz", ".xz"))
        return self.size * (COMPRESSED_RATIO if compressed else 1)


@dataclass
class ChunkResult:
    segment: ArraySegment | None  # None when the chunk gave no article
    files: dict[str, FileRecord]  # every file read
    articles: int = 0
    problems: list[ReadProblem] = field(default_factory=list)


def content_hash(path: Path) -> str:
    """A hash of a file's bytes ("" if it cannot be read, or is no regular file: reading
    a pipe would wait forever): what `reindex --verify` compares."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return ""
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def new_segment(doc_count: int) -> ArraySegment:
    # Ids from os.urandom: forked workers share the `random` module's state.
    return ArraySegment(whoosh_compat.INDEX_NAME, doc_count, segid=secrets.token_hex(8))


# Articles read so far by every worker of a reindex: a progress bar counts articles while a
# chunk (one big JSON Lines file, say) is still being read. Set in each worker.
_articles_counter: Any = None


def _count_articles(n: int, on_articles: Callable[[int], None] | None) -> None:
    if on_articles is not None:
        on_articles(n)
    if _articles_counter is not None:
        with _articles_counter.get_lock():
            _articles_counter.value += n


def read_chunk(folder: str, files: Sequence[FileToRead],
               on_articles: Callable[[int], None] | None = None, shard: ShardSpec | None = None) -> ChunkResult:
    """Read, analyse and write one chunk of files as a segment in `folder`
    (`on_articles(n)` after each batch of n articles read; only the articles of `shard`
    are kept when the index is one shard of an archive)."""
    # The generation's language is recorded before any segment is written (indexer.py).
    builder = SegmentBuilder(language(store.read_meta(Path(folder)).get("language")))
    result = ChunkResult(None, {})
    batch: list[Article] = []
    for f in files:
        builder.add_file(f.rel)
        skipped = False
        for item in readers.read_file(Path(f.path), f.rel, f.encoding):
            if isinstance(item, Article):
                batch.append(item)
                if len(batch) >= BATCH_ARTICLES:
                    builder.add(keep_shard(batch, shard))
                    _count_articles(len(batch), on_articles)
                    batch = []
            else:
                result.problems.append(item)
                skipped = skipped or item.skipped
        # A file that could not be read whole is read again by the next reindex (and
        # its problems named again) until it is mended: its signature never matches.
        signature = f"{RETRY}{f.signature}" if skipped else f.signature
        result.files[f.rel] = FileRecord(signature, content_hash(Path(f.path)))
    builder.add(keep_shard(batch, shard))
    _count_articles(len(batch), on_articles)
    result.articles = builder.doc_count
    if builder.doc_count:
        segment = new_segment(builder.doc_count)
        builder.write(Path(folder) / segment.file_name())
        result.segment = segment
    return result


def chunks(files: Sequence[FileToRead], size: int = CHUNK_BYTES) -> list[list[FileToRead]]:
    """Consecutive files grouped up to `size` (a bigger file is a chunk of its own)."""
    out: list[list[FileToRead]] = []
    current: list[FileToRead] = []
    weight = 0
    for f in files:
        if current and weight + f.weight > size:
            out.append(current)
            current, weight = [], 0
        current.append(f)
        weight += f.weight
    if current:
        out.append(current)
    return out


class Writer:
    """The one writer of an index folder (Whoosh's write lock) until commit or cancel."""

    def __init__(self, folder: Path, schema: Schema) -> None:
        self.folder = Path(folder)
        self.schema = schema
        self._lock = whoosh_compat.write_lock(self.folder)
        if not self._lock.acquire():
            raise IndexBusyError(f"the index at {self.folder.parent} is locked by another "
                                 "process; try again when it has finished")
        try:
            self.generation, segments = whoosh_compat.read_toc(self.folder, schema)
            self.segments: list[ArraySegment] = list(segments)
            # Every live file is checked end to end before anything is written: a
            # damaged index is never updated (nor reported updated) as if it were whole.
            for record in self.segments:
                SegmentArrays(self.folder / record.file_name()).file.verify()
            previous = self._previous_commit()
            if previous is not None:
                previous.file.verify()
                check_segments(self.folder, self.generation, previous, self.segments)
            self.manifest: dict[str, FileRecord] = previous.manifest() if previous else {}
            # What a killed writer left (segments and commit files no TOC names, a
            # half-written TOC) goes now: this writer holds the lock, no other runs.
            self._remove_stale(self.generation)
        except BaseException:
            self._lock.release()
            raise
        self._written: list[Path] = []
        self._closed = False

    def _previous_commit(self) -> CommitData | None:
        if self.generation == 0 and not self.segments:
            return None
        return read_commit(self.folder, self.generation)

    # Changing --------------------------------------------------------------------------

    def remove_files(self, rels: set[str]) -> None:
        """Delete every article read from these archive files."""
        if not rels:
            return
        for i, record in enumerate(self.segments):
            seg = SegmentArrays(self.folder / record.file_name())
            ordinals = [n for n, rel in enumerate(seg.files.all()) if rel in rels]
            if ordinals:
                docs = np.flatnonzero(np.isin(seg["doc.file"], ordinals))
                if len(docs):
                    self.segments[i] = record.with_deleted(docs)
        for rel in rels:
            self.manifest.pop(rel, None)

    def add_files(self, files: Sequence[FileToRead], *, processes: int = 1,
                  on_chunk: Callable[[ChunkResult, int], None] | None = None,
                  on_articles: Callable[[int], None] | None = None,
                  shard: ShardSpec | None = None) -> None:
        """Read `files` into new segments; `on_chunk(result, files_done)` after each chunk,
        `on_articles(read_so_far)` now and then while chunks are read (in this thread)."""
        done = 0
        for result in _run_chunks(str(self.folder), chunks(files), processes, on_articles, shard):
            done += len(result.files)
            if result.segment is not None:
                self._written.append(self.folder / result.segment.file_name())
                self.segments.append(result.segment)
            self.manifest.update(result.files)
            if on_chunk:
                on_chunk(result, done)

    def live_count(self) -> int:
        return sum(s.doc_count() for s in self.segments)

    # Committing ------------------------------------------------------------------------

    def commit(self, meta: dict | None = None) -> int:
        """Merge as the policy says, write the commit file and the TOC; returns the
        number of live documents."""
        self.segments = self._merged(self.segments)
        opened = [SegmentArrays(self.folder / s.file_name()) for s in self.segments]
        live = _joined([_live(s, r) for s, r in zip(opened, self.segments)], bool)
        dup = duplicates(_joined([s["doc.dedup"] for s in opened], np.uint64),
                         _joined([s["doc.date"] for s in opened], np.int64),
                         _joined([s["doc.idhash"] for s in opened], np.uint64), live)
        generation = self.generation + 1
        self._written.append(write_commit(
            self.folder, generation, dup=dup, manifest=self.manifest,
            words=_word_frequencies(opened), segments=self.segments, meta=meta or {},
        ))
        whoosh_compat.write_toc(self.folder, self.schema, self.segments, generation)
        self._written.clear()  # live now: never removed by cancel
        self._remove_stale(generation)
        self._release()
        return int(live.sum())

    def _merged(self, segments: list[ArraySegment]) -> list[ArraySegment]:
        """The segment list after the merge policy (see SMALL_SHARE, DELETED_SHARE)."""
        segments = [s for s in segments if s.doc_count() > 0]
        if len(segments) <= 1 and not any(s.deleted_count() for s in segments):
            return segments
        biggest = max(segments, key=lambda s: s.doc_count())
        others = [s for s in segments if s is not biggest]
        small = sum(s.doc_count() for s in others)
        keep_biggest = (small < SMALL_SHARE * biggest.doc_count()
                        and biggest.deleted_count() < DELETED_SHARE * biggest.doc_count_all())
        if keep_biggest:
            if len(others) <= 1 and not any(s.deleted_count() for s in others):
                return segments
            position = segments.index(biggest)
            before, after = segments[:position], segments[position + 1:]
            # Order is kept: documents stay numbered in reading order across segments.
            return [*self._merge(before), biggest, *self._merge(after)]
        return self._merge(segments)

    def _merge(self, segments: list[ArraySegment]) -> list[ArraySegment]:
        if not segments:
            return []
        if len(segments) == 1 and not segments[0].deleted_count():
            return segments
        opened = [SegmentArrays(self.folder / s.file_name()) for s in segments]
        merged = new_segment(0)
        path = self.folder / merged.file_name()
        self._written.append(path)
        merged.set_doc_count(merge(opened, [s.deleted() for s in segments], path))
        return [merged] if merged.doc_count_all() else []

    def _remove_stale(self, generation: int) -> None:
        live = {s.segment_id() for s in self.segments}
        stale = whoosh_compat.stale_files(self.folder, generation, live)
        stale += [p for p in self.folder.iterdir()
                  if is_commit_file(p.name) and p.name != f"commit-{generation}.arrays"]
        for path in stale:
            path.unlink(missing_ok=True)

    def cancel(self) -> None:
        """Forget everything written since opening; the live commit is untouched.

        If the commit landed before the interruption (its TOC renamed into place), what
        it wrote is live and stays."""
        if whoosh_compat.latest_generation(self.folder) <= self.generation:
            for path in self._written:
                path.unlink(missing_ok=True)
        self._written.clear()
        self._release()

    def _release(self) -> None:
        if not self._closed:
            self._closed = True
            self._lock.release()


def _live(seg: SegmentArrays, record: ArraySegment) -> np.ndarray:
    live = np.ones(seg.doc_count, dtype=bool)
    live[record.deleted()] = False
    return live


def _joined(arrays: list[np.ndarray], dtype: npt.DTypeLike) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


def _word_frequencies(segments: Sequence[SegmentArrays]) -> Counter[str]:
    words: Counter[str] = Counter()
    for seg in segments:
        words.update(seg.word_frequencies())
    return words


# -- worker processes ------------------------------------------------------------------


PROGRESS_SECONDS = 0.25  # how often the count of articles read is reported while workers read


def _run_chunks(folder: str, work: list[list[FileToRead]], processes: int,
                on_articles: Callable[[int], None] | None = None,
                shard: ShardSpec | None = None) -> Iterator[ChunkResult]:
    """Each chunk's result, in order; in `processes` worker processes when above one."""
    if processes <= 1 or len(work) <= 1:
        read = 0

        def counted(n: int) -> None:
            nonlocal read
            read += n
            if on_articles is not None:
                on_articles(read)

        for files in work:
            yield read_chunk(folder, files, counted, shard)
        return
    # Forking a process with other threads running (the TUI's) can copy a lock held
    # mid-operation; from a side thread the workers come from a clean fork server.
    forked = threading.current_thread() is threading.main_thread()
    context = multiprocessing.get_context("fork" if forked else "forkserver")
    # Only a reindex that shows its progress shares a counter with the workers.
    counter = context.Value("q", 0) if on_articles is not None else None
    pool = context.Pool(processes, initializer=_worker_start,
                        initargs=(os.getpid() if forked else None, counter))
    try:
        results = pool.imap(_read_chunk_job, [(folder, files, shard) for files in work])
        if on_articles is None or counter is None:
            yield from results
        else:
            for _ in work:
                while True:  # wait for the next chunk, reporting the articles read meanwhile
                    try:
                        result = results.next(timeout=PROGRESS_SECONDS)
                        break
                    except multiprocessing.TimeoutError:
                        on_articles(counter.value)
                on_articles(counter.value)
                yield result
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _read_chunk_job(job: tuple[str, list[FileToRead], ShardSpec | None]) -> ChunkResult:
    folder, files, shard = job
    return read_chunk(folder, files, shard=shard)


_PR_SET_PDEATHSIG = 1


def _worker_start(parent: int | None, counter: Any = None) -> None:
    """In each worker: the parent alone answers Ctrl-C and SIGTERM (a worker says
    nothing and is stopped by it), and a worker dies with its parent, so a killed
    reindex leaves no process writing behind it."""
    global _articles_counter
    _articles_counter = counter
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if parent is not None and os.getppid() != parent:  # it died before prctl took effect
            os._exit(1)
    from .store import release_inherited_locks

    release_inherited_locks()
