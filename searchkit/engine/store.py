"""The index directory on disk.

    index/
      CURRENT          name of the live generation, replaced atomically
      gen-000002/      a complete Whoosh index (plus searchkit.json)
      .reindex.lock    held by the one reindex allowed at a time

A full rebuild writes a new generation beside the live one and switches CURRENT
only when it is complete, so searches never see a half-built index.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..errors import IndexBusyError, IndexDamagedError, IndexMissingError

CURRENT = "CURRENT"
LOCK = ".reindex.lock"
META = "searchkit.json"
GEN_PREFIX = "gen-"
SEGMENT_SUFFIXES = (".seg", ".pst", ".trm", ".col", ".vps", ".sto")


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's directory, or None if there is no index yet."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexDamagedError(
            f"cannot read {index_dir / CURRENT} ({exc}); run `searchkit reindex --full`"
        ) from None
    gen = index_dir / name
    if not name.startswith(GEN_PREFIX) or not gen.is_dir():
        raise IndexDamagedError(
            f"the index at {index_dir} points to a missing generation {name!r}; "
            "run `searchkit reindex --full`"
        )
    return gen


def require_generation(index_dir: Path) -> Path:
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(
            f"no index at {index_dir}: run `searchkit reindex` to build one"
        )
    return gen


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation directory with the next free number."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [
        int(p.name[len(GEN_PREFIX):])
        for p in index_dir.glob(GEN_PREFIX + "*")
        if p.name[len(GEN_PREFIX):].isdigit()
    ]
    gen = index_dir / f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"
    gen.mkdir()
    return gen


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def switch_to(index_dir: Path, gen: Path) -> None:
    """Make `gen` the live generation (one atomic rename)."""
    _write_atomically(index_dir / CURRENT, gen.name + "\n")


def remove_stale_generations(index_dir: Path, keep: Path | None) -> None:
    """Delete every generation but `keep`: old ones and the leftovers of killed rebuilds.

    Only called while holding the reindex lock.
    """
    for gen in index_dir.glob(GEN_PREFIX + "*"):
        if gen.is_dir() and gen != keep:
            shutil.rmtree(gen, ignore_errors=True)
    for tmp in index_dir.glob(f".{CURRENT}.*.tmp"):
        tmp.unlink(missing_ok=True)
    if keep is not None:
        for tmp in keep.glob(f".{META}.*.tmp"):
            tmp.unlink(missing_ok=True)


def read_meta(gen: Path) -> dict:
    try:
        return json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def segment_files(gen: Path) -> dict[str, int]:
    """{file name: size} of the generation's segment files (Whoosh never rewrites them)."""
    return {p.name: p.stat().st_size for p in gen.iterdir()
            if p.is_file() and p.suffix in SEGMENT_SUFFIXES}


def check_segment_files(gen: Path, live_segments: list[str]) -> None:
    """Raise IndexDamagedError if a file of a live segment is missing or changed size.

    Whoosh notices a truncated postings file only when a search reads it; the sizes
    recorded after each commit catch it when the index is opened. Files of segments
    that are no longer live (merged away) are not checked.
    """
    recorded = read_meta(gen).get("files", {})
    for name, size in recorded.items():
        if not any(name.startswith(f"{segment}.") for segment in live_segments):
            continue
        try:
            actual = (gen / name).stat().st_size
        except OSError:
            actual = None
        if actual != size:
            state = "missing" if actual is None else f"{actual:,} bytes instead of {size:,}"
            raise IndexDamagedError(
                f"the index at {gen.parent} is damaged (segment file {name} is {state}); "
                "run `searchkit reindex --full` to rebuild it"
            )


def write_meta(gen: Path, **values: object) -> None:
    meta = read_meta(gen)
    meta.update(values)
    meta["updated"] = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")
    _write_atomically(gen / META, json.dumps(meta, indent=2))


@contextmanager
def reindex_lock(index_dir: Path, wait_seconds: float = 10.0) -> Iterator[None]:
    """Hold the one-reindex-at-a-time lock; wait a bounded time for it.

    An flock dies with its process, so a killed reindex never leaves the index locked.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another reindex of {index_dir} is running; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
