"""Builds and updates the index from the archive.

Incremental by default: the last commit lists every file read with its signature
(size, modification and change times, inode), so a reindex reads only new and changed
files and deletes the articles of changed and removed ones. `full=True` rebuilds into
a new generation and switches to it only once it is complete.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from .. import readers
from ..errors import IndexDamagedError, UserError
from ..models import ArchiveSettings, ReadProblem, ReindexProgress, ReindexSummary
from . import store, whoosh_compat
from .analysis import DEFAULT_LANGUAGE, language
from .arrays import DamagedFile
from .schema import build_schema
from .sharding import ShardSpec
from .view import is_current_format
from .writer import PARALLEL_BYTES, RETRY, ChunkResult, FileToRead, Writer, content_hash

ProgressCallback = Callable[[ReindexProgress], None]
ProblemCallback = Callable[[ReadProblem], None]


def signature_of(st: os.stat_result) -> str:
    """What tells a changed file from an unchanged one. The change time and inode are
    in it because `cp -p`, `rsync -a` or a re-extracted tarball keep size and
    modification time."""
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ctime_ns}:{st.st_ino}"


def scan_archive(archive: Path, settings: ArchiveSettings | None = None) -> dict[str, FileToRead]:
    """{relative path: file} for every archive file of a known format that the settings'
    include/exclude patterns select."""
    settings = settings or ArchiveSettings()
    select = readers.selection(settings.include, settings.exclude)
    encoding = settings.encoding
    found: dict[str, FileToRead] = {}
    for path, rel in readers.walk_files(archive, select):
        try:
            st = os.stat(path)
        except OSError:  # read anyway (an empty signature never matches): its reader names the problem
            found[rel] = FileToRead(rel, path, "", 0, encoding)
            continue
        found[rel] = FileToRead(rel, path, signature_of(st), st.st_size, encoding)
    return found


READING_KEY = "reading"  # in a generation's metadata: how its archive was read


def _reading(settings: ArchiveSettings) -> dict:
    return {"encoding": settings.encoding, "include": list(settings.include), "exclude": list(settings.exclude)}


def _without_language(settings: ArchiveSettings) -> ArchiveSettings:
    return ArchiveSettings(encoding=settings.encoding, include=settings.include, exclude=settings.exclude)


def _recorded_settings(live: Path | None) -> ArchiveSettings | None:
    """How the live generation's archive was read (None: not recorded)."""
    if live is None:
        return None
    reading = store.read_meta(live).get(READING_KEY)
    if not isinstance(reading, dict):
        return None
    return ArchiveSettings(encoding=reading.get("encoding"), include=tuple(reading.get("include") or ()),
                           exclude=tuple(reading.get("exclude") or ()))


def reindex(
    archive: Path,
    index_dir: Path,
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
    wait_seconds: float = 10.0,
    verify: bool = False,
    settings: ArchiveSettings | None = None,
) -> ReindexSummary:
    """Bring the index at `index_dir` up to date with the files under `archive`.

    `verify`: compare every unchanged-looking file's content with the hash kept of it.
    `settings`: how to read and analyse the archive (None: as the index was built).
    """
    if not archive.is_dir():
        state = "is not a folder" if archive.exists() else "does not exist"
        raise UserError(f"archive folder {archive} {state} (set --archive or SEARCHKIT_ARCHIVE)")
    if settings is not None:
        language(settings.language)  # an unknown language is refused before anything is written
    started = time.perf_counter()
    store.claim(index_dir, archive)  # before anything is written: refuses a folder not ours
    with store.reindex_lock(index_dir, wait_seconds):
        live = _live_generation(index_dir, full)
        store.remove_stale_generations(index_dir, keep=live)
        if live is not None and not full and not is_current_format(live):
            full = True  # an index of an older searchkit is rebuilt, not updated
        chosen, reread, lang = _reading_of(index_dir, live, settings, full)
        if full or live is None:
            summary = _build_generation(archive, index_dir, progress, on_problem, chosen, lang)
        else:
            summary = _update_generation(archive, live, progress, on_problem, verify, chosen, reread, lang)
        store.remove_stale_generations(index_dir, keep=store.current_generation(index_dir))
    summary.seconds = time.perf_counter() - started
    return summary


def _reading_of(index_dir: Path, live: Path | None, settings: ArchiveSettings | None,
                full: bool) -> tuple[ArchiveSettings, bool, str]:
    """(how to read the archive, whether every file must be read again, the language).

    Settings not given: those the index was built with (so the TUI's reindex keeps a
    collection's patterns); an encoding changed since reads every file again. Another
    language than the index's needs a full rebuild."""
    requested = language(settings.language).code if settings is not None else None
    recorded = _recorded_settings(live)
    chosen = settings or recorded or ArchiveSettings()
    reread = recorded is not None and recorded.encoding != chosen.encoding
    built_in = _language_of(live) if live is not None else None
    if not full and built_in is not None and requested is not None and requested != built_in:
        raise UserError(
            f"the index at {index_dir} was built for {language(built_in).name} text, not "
            f"{language(requested).name}: run `searchkit reindex --full` to rebuild it"
        )
    return chosen, reread, requested or built_in or DEFAULT_LANGUAGE


def _live_generation(index_dir: Path, full: bool) -> Path | None:
    """The live generation; for a full rebuild a damaged pointer to it is no obstacle."""
    try:
        return store.current_generation(index_dir)
    except IndexDamagedError:
        if full:
            return None
        raise


def _language_of(gen: Path) -> str:
    """The language a generation's text was analysed in (English before it was recorded)."""
    try:
        return str(store.read_meta(gen).get("language") or DEFAULT_LANGUAGE)
    except IndexDamagedError:
        return DEFAULT_LANGUAGE  # the update that follows names the damage


def _build_generation(archive: Path, index_dir: Path, progress: ProgressCallback | None,
                      on_problem: ProblemCallback | None, settings: ArchiveSettings,
                      lang: str, *, shard: ShardSpec | None = None,
                      staged: list[Path] | None = None) -> ReindexSummary:
    """Build a complete new generation, then make it the live one (or, given `staged`,
    append it there and leave the switch to the caller)."""
    gen = store.new_generation(index_dir)
    try:
        schema = build_schema(lang)
        whoosh_compat.create(gen, schema)
        store.write_meta(gen, language=lang)  # before the writers, which analyse by it
        found = _scan(archive, progress, settings)
        summary = ReindexSummary(full=True, new=len(found))
        writer = Writer(gen, schema)
        summary.articles = _write(writer, archive, found, sorted(found), set(), summary, progress, on_problem,
                                  shard)
        store.write_meta(gen, archive=str(archive.resolve()), **{READING_KEY: _reading(settings)})
        if staged is not None:
            staged.append(gen)
            return summary
        store.switch_to(index_dir, gen)
    except BaseException:
        # Interrupted or failed: the old generation stays live; drop the partial one
        # (unless the switch to it happened just before the interruption).
        if _live_generation(index_dir, full=True) != gen:
            shutil.rmtree(gen, ignore_errors=True)
        raise
    return summary


def _update_generation(archive: Path, gen: Path, progress: ProgressCallback | None,
                       on_problem: ProblemCallback | None, verify: bool, settings: ArchiveSettings,
                       reread: bool, lang: str, shard: ShardSpec | None = None) -> ReindexSummary:
    built_from = store.read_meta(gen).get("archive")
    if built_from and Path(built_from) != archive.resolve():
        # Indexing another archive incrementally would delete every article of the
        # first one as "removed": only a deliberate --full replaces them.
        raise UserError(
            f"the index at {gen.parent} was built from {built_from}, not {archive}: run "
            "`searchkit reindex --full` to replace its articles, or choose another --index"
        )
    writer = _open_writer(gen, lang)
    try:
        before = writer.manifest
        found = _scan(archive, progress, settings)
        new = [rel for rel in found if rel not in before]
        changed = [rel for rel in found if rel in before
                   and (reread or before[rel].signature != found[rel].signature)]
        if verify:  # contents too: a file rewritten with its times and size kept is found
            changed += [rel for rel in found if rel in before and rel not in changed
                        and before[rel].content != content_hash(Path(found[rel].path))]
        # Files that could not be read whole last time are read again even unchanged.
        retried = {rel for rel in changed if before[rel].signature == RETRY + found[rel].signature}
        removed = {rel for rel in before if rel not in found}
        summary = ReindexSummary(new=len(new), changed=len(changed) - len(retried), removed=len(removed),
                                 unchanged=len(found) - len(new) - len(changed), retried=len(retried))
        if not (new or changed or removed):
            summary.articles = writer.live_count()
            writer.cancel()
            if _recorded_settings(gen) != _without_language(settings):
                store.write_meta(gen, **{READING_KEY: _reading(settings)})
            return summary
        summary.articles = _write(writer, archive, found, sorted(new + changed), set(changed) | removed,
                                  summary, progress, on_problem, shard)
        store.write_meta(gen, archive=str(archive.resolve()), **{READING_KEY: _reading(settings)})
    except BaseException:
        writer.cancel()
        raise
    return summary


def _open_writer(gen: Path, lang: str) -> Writer:
    try:
        return Writer(gen, build_schema(lang))
    except (DamagedFile, whoosh_compat.TocError, whoosh_compat.EmptyIndexError, FileNotFoundError) as exc:
        raise IndexDamagedError(
            f"the index at {gen.parent} is damaged ({exc}); run `searchkit reindex --full` to rebuild it"
        ) from None


def _scan(archive: Path, progress: ProgressCallback | None,
          settings: ArchiveSettings) -> dict[str, FileToRead]:
    if progress:
        progress(ReindexProgress("scanning", 0, None))
    return scan_archive(archive, settings)


def _write(writer: Writer, archive: Path, found: dict[str, FileToRead], to_read: list[str],
           to_delete: set[str], summary: ReindexSummary, progress: ProgressCallback | None,
           on_problem: ProblemCallback | None, shard: ShardSpec | None = None) -> int:
    """Delete, read and commit; returns the number of articles in the index."""
    files = [found[rel] for rel in to_read]
    weight = sum(f.weight for f in files)
    processes = min(2, os.cpu_count() or 1) if weight >= PARALLEL_BYTES else 1
    if progress:
        progress(ReindexProgress("reading", 0, len(files)))

    files_done = 0
    articles_read = 0

    def articles(read: int) -> None:  # while a chunk is read: a big file shows its progress too
        nonlocal articles_read
        articles_read = max(articles_read, read)
        if progress:
            progress(ReindexProgress("reading", files_done, len(files), articles=articles_read))

    def chunk_done(result: ChunkResult, done: int) -> None:
        nonlocal files_done
        files_done = done
        summary.added_articles += result.articles
        for problem in result.problems:
            if problem.skipped:
                summary.skipped += 1
            summary.problems.append(problem)
            if on_problem:
                on_problem(problem)
        if progress:
            progress(ReindexProgress("reading", done, len(files),
                                     articles=max(articles_read, summary.added_articles)))

    writer.remove_files(to_delete)
    writer.add_files(files, processes=processes, on_chunk=chunk_done, on_articles=articles if progress else None,
                     shard=shard)
    if progress:
        progress(ReindexProgress("committing", len(files), len(files), articles=summary.added_articles))
    return writer.commit({"archive": str(archive.resolve())})


def stage(archive: Path, index_dir: Path, shard: ShardSpec, *, full: bool = False,
          progress: ProgressCallback | None = None, on_problem: ProblemCallback | None = None,
          verify: bool = False, settings: ArchiveSettings | None = None) -> tuple[ReindexSummary, Path | None]:
    """Prepare the next generation of one shard of a sharded archive without making it
    live: (summary, its folder), or (summary, None) when nothing changed. The caller
    switches every shard together (cluster/reindex.py), so no search sees some shards
    old and others new.

    An incremental update works on a copy of the live generation made of hard links
    (segment, commit and TOC files are written once and never changed in place), so the
    live generation keeps answering, untouched, until the switch.
    """
    if settings is not None:
        language(settings.language)  # an unknown language is refused before anything is written
    started = time.perf_counter()
    store.claim(index_dir, archive)
    with store.reindex_lock(index_dir, 0.0):
        live = _live_generation(index_dir, full)
        store.remove_stale_generations(index_dir, keep=live)
        staged: list[Path] = []
        if live is not None and not full and not is_current_format(live):
            full = True
        chosen, reread, lang = _reading_of(index_dir, live, settings, full)
        if full or live is None:
            summary = _build_generation(archive, index_dir, progress, on_problem, chosen, lang, shard=shard,
                                        staged=staged)
        else:
            gen = store.new_generation(index_dir)
            try:
                for item in live.iterdir():
                    if item.is_file() and not item.name.endswith("LOCK"):
                        os.link(item, gen / item.name)
                summary = _update_generation(archive, gen, progress, on_problem, verify, chosen, reread, lang, shard)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
            if summary.new or summary.changed or summary.removed or summary.retried:
                staged.append(gen)
            else:
                shutil.rmtree(gen, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary, (staged[0] if staged else None)
