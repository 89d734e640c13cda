"""Reindexing a sharded archive: every shard prepared, then all switched together.

Each shard reads the whole archive and keeps the articles whose duplicate key hashes
to it (engine/sharding.py), so all copies of a story share a shard and collapse as in
one index. Under the archive's one reindex lock, each shard prepares its next
generation without making it live (engine/indexer.stage: a full build, or an
incremental update of a hard-linked copy); then every shard switches, and the shards
file names the new generations in one atomic rename. Searches check each shard against
that file (coordinator.py), so none sees some shards old and others new; a reindex
killed before the rename leaves the old generations named, and the next one redoes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ..engine import store
from ..engine.analysis import language
from ..engine.indexer import ProblemCallback, ProgressCallback, stage
from ..errors import UserError
from ..models import ArchiveSettings, ReindexSummary
from .layout import MAX_SHARDS, Layout, is_sharded, read_layout, shard_name, write_layout

# Prepares shards (their numbers, of how many): each shard's summary and the name of the
# generation folder it prepared (None: nothing changed).
StageAll = Callable[[list[int], int], dict[int, tuple[ReindexSummary, str | None]]]


def local_stager(archive: Path, index_dir: Path, *, full: bool, verify: bool,
                 progress: ProgressCallback | None, on_problem: ProblemCallback | None,
                 settings: ArchiveSettings | None = None) -> StageAll:
    """Shards prepared one after another in this process."""

    def stage_all(shards: list[int], count: int) -> dict[int, tuple[ReindexSummary, str | None]]:
        out = {}
        for k in shards:
            # Every shard reads every file: problems are named (and counted) by the first.
            summary, gen = stage(archive, index_dir / shard_name(k), (k, count), full=full, verify=verify,
                                 progress=progress, on_problem=on_problem if k == shards[0] else None,
                                 settings=settings)
            out[k] = (summary, gen.name if gen is not None else None)
        return out

    return stage_all


def reindex_sharded(archive: Path, index_dir: Path, *, shards: int | None = None, full: bool = False,
                    progress: ProgressCallback | None = None, on_problem: ProblemCallback | None = None,
                    wait_seconds: float = 10.0, verify: bool = False,
                    stage_all: StageAll | None = None, settings: ArchiveSettings | None = None) -> ReindexSummary:
    """Build or update the sharded index at `index_dir` (`shards` of them when new)."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if not archive.is_dir():
        state = "is not a folder" if archive.exists() else "does not exist"
        raise UserError(f"archive folder {archive} {state} (set --archive or SEARCHKIT_ARCHIVE)")
    if shards is not None and not 1 <= shards <= MAX_SHARDS:
        raise UserError(f"--shards must be between 1 and {MAX_SHARDS}")
    if not is_sharded(index_dir) and store.current_generation(index_dir) is not None:
        raise UserError(f"{index_dir} holds a single index: choose another --index for a sharded one")
    if settings is not None:
        language(settings.language)  # an unknown language is refused before anything is written
    store.claim(index_dir, archive)
    with store.reindex_lock(index_dir, wait_seconds):
        layout = read_layout(index_dir) if is_sharded(index_dir) else None
        if layout is not None and shards is not None and shards != layout.shards:
            raise UserError(f"the index at {index_dir} has {layout.shards} shards; reindex into a new "
                            f"--index to have {shards}")
        count = layout.shards if layout is not None else (shards or 1)
        stage_all = stage_all or local_stager(archive, index_dir, full=full, verify=verify,
                                              progress=progress, on_problem=on_problem, settings=settings)
        staged = stage_all(list(range(count)), count)
        for k, (_, gen) in sorted(staged.items()):
            if gen is not None:
                store.switch_to(index_dir / shard_name(k), index_dir / shard_name(k) / gen)
        generations = {}
        for k in range(count):
            live = store.current_generation(index_dir / shard_name(k))
            if live is None:
                raise UserError(f"shard {k} of {index_dir} was not built; run `searchkit reindex --full`")
            generations[shard_name(k)] = live.name
        epoch = layout.epoch + 1 if layout is not None else 1
        write_layout(index_dir, Layout(count, generations, epoch))
        for k in range(count):  # searches under way keep the files they opened
            shard_dir = index_dir / shard_name(k)
            store.remove_stale_generations(shard_dir, keep=store.current_generation(shard_dir))
    summaries = [staged[k][0] for k in sorted(staged)]
    first = summaries[0]
    return ReindexSummary(
        articles=sum(s.articles for s in summaries), new=first.new, changed=first.changed,
        removed=first.removed, unchanged=first.unchanged, retried=first.retried, skipped=first.skipped,
        added_articles=sum(s.added_articles for s in summaries), seconds=time.perf_counter() - started,
        full=first.full, problems=first.problems,
    )
