"""Builds and updates the index from the archive.

Incremental by default: each file's (mtime, size) signature is kept in a column, so a
reindex reads only new and changed files and deletes the articles of changed and
removed ones. `full=True` rebuilds into a new generation and switches to it only
once it is complete.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from .. import readers
from ..errors import IndexBusyError, IndexDamagedError, UserError
from ..models import Article, ReadProblem, ReindexProgress, ReindexSummary
from . import store
from .schema import build_schema, column_values, to_document

ProgressCallback = Callable[[ReindexProgress], None]
ProblemCallback = Callable[[ReadProblem], None]

# Above this much new text, write with both cores (Whoosh's multiprocessing writer).
PARALLEL_BYTES = 8 * 1024 * 1024


def file_signature(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_mtime_ns}:{st.st_size}"


def scan_archive(archive: Path) -> dict[str, tuple[Path, str]]:
    """{relative path: (path, signature)} for every archive file of a known format."""
    found: dict[str, tuple[Path, str]] = {}
    for path, rel in readers.find_files(archive):
        sig = file_signature(path)
        # A file that vanished or cannot be stat'ed gets an empty signature: it is
        # still read, so the reader names the problem.
        found[rel] = (path, sig or "")
    return found


def indexed_files(ix) -> tuple[dict[str, str], int]:
    """{relative path: signature} of the files in the index, and its article count."""
    with ix.reader() as reader:
        paths = column_values(reader, "c_path")
        sigs = column_values(reader, "c_filesig")
        live = reader.all_doc_ids() if reader.has_deletions() else range(len(paths))
        files = {paths[d].decode("utf-8"): sigs[d].decode("ascii") for d in live}
        return files, reader.doc_count()


def _open_writer(ix, new_bytes: int) -> IndexWriter:
    # compound=False: Whoosh reads a file packed inside a compound segment by copying
    # it whole into memory each time a searcher opens (tens of MB per query process).
    try:
        if new_bytes >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1:
            _workers_die_with_parent()
            return ix.writer(procs=min(2, os.cpu_count() or 1), limitmb=256, multisegment=True,
                             compound=False)
        return ix.writer(limitmb=256, compound=False)
    except whoosh_index.LockError:
        # We hold the reindex lock, so only a stray process can hold Whoosh's own.
        raise IndexBusyError(
            f"the index at {Path(ix.storage.folder).parent} is locked by another process; "
            "try again when it has finished"
        ) from None


_PR_SET_PDEATHSIG = 1
_fork_parent: int | None = None
_watch_installed = False


def _workers_die_with_parent() -> None:
    """Have the parallel writer's worker processes killed when the reindex dies.

    Whoosh's workers wait on their job queue forever: after a killed reindex they
    would live on, holding the inherited reindex lock, and every later reindex would
    report another one running. Linux only (prctl); elsewhere a no-op.
    """
    global _watch_installed
    if _watch_installed or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)

    def before_fork() -> None:
        global _fork_parent
        _fork_parent = os.getpid()

    def in_child() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != _fork_parent:  # the parent died before prctl took effect
            os._exit(1)

    os.register_at_fork(before=before_fork, after_in_child=in_child)
    _watch_installed = True


def reindex(
    archive: Path,
    index_dir: Path,
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
    wait_seconds: float = 10.0,
) -> ReindexSummary:
    """Bring the index at `index_dir` up to date with the files under `archive`."""
    if not archive.is_dir():
        state = "is not a folder" if archive.exists() else "does not exist"
        raise UserError(f"archive folder {archive} {state} (set --archive or SEARCHKIT_ARCHIVE)")
    started = time.perf_counter()
    store.claim(index_dir, archive)  # before anything is written: refuses a folder not ours
    with store.reindex_lock(index_dir, wait_seconds):
        live = _live_generation(index_dir, full)
        store.remove_stale_generations(index_dir, keep=live)
        if full or live is None:
            summary = _build_generation(archive, index_dir, progress, on_problem)
        else:
            summary = _update_generation(archive, live, progress, on_problem)
        store.remove_stale_generations(index_dir, keep=store.current_generation(index_dir))
    summary.seconds = time.perf_counter() - started
    return summary


def _live_generation(index_dir: Path, full: bool) -> Path | None:
    """The live generation; for a full rebuild a damaged pointer to it is no obstacle."""
    try:
        return store.current_generation(index_dir)
    except IndexDamagedError:
        if full:
            return None
        raise


def _build_generation(archive, index_dir, progress, on_problem) -> ReindexSummary:
    """Build a complete new generation, then make it the live one."""
    gen = store.new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(gen, build_schema())
        found = _scan(archive, progress)
        summary = ReindexSummary(full=True, new=len(found))
        _write(ix, found, sorted(found), [], summary, progress, on_problem)
        store.write_meta(gen, archive=str(archive.resolve()), files=store.segment_files(gen))
        store.switch_to(index_dir, gen)
    except BaseException:
        # Interrupted or failed: the old generation stays live; drop the partial one.
        shutil.rmtree(gen, ignore_errors=True)
        raise
    summary.articles = _doc_count(gen)
    return summary


def _update_generation(archive, gen, progress, on_problem) -> ReindexSummary:
    try:
        ix = whoosh_index.open_dir(gen)
        _remove_writer_leftovers(ix)
        store.check_segment_files(gen, live_segment_ids(ix))
        before, _ = indexed_files(ix)
    except IndexDamagedError:
        raise
    except Exception as exc:  # whoosh raises many kinds for a damaged index
        raise IndexDamagedError(
            f"the index at {gen.parent} is damaged ({type(exc).__name__}); "
            "run `searchkit reindex --full` to rebuild it"
        ) from None
    built_from = store.read_meta(gen).get("archive")
    if built_from and Path(built_from) != archive.resolve():
        # Indexing another archive incrementally would delete every article of the
        # first one as "removed": only a deliberate --full replaces them.
        raise UserError(
            f"the index at {gen.parent} was built from {built_from}, not {archive}: run "
            "`searchkit reindex --full` to replace its articles, or choose another --index"
        )
    found = _scan(archive, progress)
    new = [rel for rel in found if rel not in before]
    changed = [rel for rel in found if rel in before and before[rel] != found[rel][1]]
    removed = [rel for rel in before if rel not in found]
    summary = ReindexSummary(
        new=len(new), changed=len(changed), removed=len(removed),
        unchanged=len(found) - len(new) - len(changed),
    )
    if new or changed or removed:
        _write(ix, found, sorted(new + changed), changed + removed, summary, progress, on_problem)
        store.write_meta(gen, archive=str(archive.resolve()), files=store.segment_files(gen))
    summary.articles = _doc_count(gen)
    return summary


def live_segment_ids(ix) -> list[str]:
    return [segment.segment_id() for segment in ix._segments()]


def _remove_writer_leftovers(ix) -> None:
    """Delete what a killed writer left in the live generation.

    Its temporary folder, a half-written TOC and segments no TOC names are never read,
    but Whoosh removes only the segments, and only at its next commit. The caller holds
    the reindex lock, so no writer is running.
    """
    toc = ix._read_toc()  # Whoosh has no public way to the TOC's segment list
    whoosh_index.clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
    folder = Path(ix.storage.folder)
    shutil.rmtree(folder / f"{ix.indexname}.tmp", ignore_errors=True)
    for tmp in folder.glob(f"_{ix.indexname}_*.toc.*"):
        tmp.unlink(missing_ok=True)


def _scan(archive: Path, progress: ProgressCallback | None) -> dict[str, tuple[Path, str]]:
    if progress:
        progress(ReindexProgress("scanning", 0, None))
    return scan_archive(archive)


def _write(ix, found, to_read, to_delete, summary, progress, on_problem) -> None:
    new_bytes = sum(_size(found[rel][0]) for rel in to_read)
    writer = _open_writer(ix, new_bytes)
    try:
        for rel in to_delete:
            writer.delete_by_term("path", rel)
        for done, rel in enumerate(to_read):
            path, sig = found[rel]
            if progress:
                progress(ReindexProgress("reading", done, len(to_read), rel))
            for item in readers.read_file(path, rel):
                if isinstance(item, Article):
                    writer.add_document(**to_document(item, sig))
                    summary.added_articles += 1
                else:
                    if item.skipped:
                        summary.skipped += 1
                    summary.problems.append(item)
                    if on_problem:
                        on_problem(item)
        if progress:
            progress(ReindexProgress("committing", len(to_read), len(to_read)))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _doc_count(gen: Path) -> int:
    ix = whoosh_index.open_dir(gen)
    try:
        return ix.doc_count()
    finally:
        ix.close()
