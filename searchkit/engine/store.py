"""The index directory on disk.

    index/
      searchkit-index.json  the marker: this folder is a searchkit index, and the
                            generations searchkit created in it
      CURRENT               name of the live generation, replaced atomically
      gen-000002/           a complete Whoosh index (plus searchkit.json)
      .reindex.lock         held by the one reindex allowed at a time

A full rebuild writes a new generation beside the live one and switches CURRENT
only when it is complete, so searches never see a half-built index.

Ownership: searchkit writes only into a folder that is missing, empty, or carries its
marker, and deletes only the generations the marker says it created. Anything else
in the folder (a `gen-photos/` of someone's, a stray `CURRENT`) is never touched, and
a folder that is not empty and has no marker is refused before anything is written.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from ..errors import IndexBusyError, IndexDamagedError, IndexMissingError, NotAnIndexError

CURRENT = "CURRENT"
LOCK = ".reindex.lock"
META = "searchkit.json"
MARKER = "searchkit-index.json"
MARKER_FORMAT = "searchkit-index"
GEN_PREFIX = "gen-"
_GEN_NAME = re.compile(r"gen-\d{6}")
# What a repository ships to keep an empty folder: such a folder still counts as empty.
_PLACEHOLDERS = {".gitignore", ".gitkeep", ".keep"}


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's directory, or None if there is no index yet.

    Raises NotAnIndexError for a folder that is not empty and is not an index.
    """
    if not is_ours(index_dir):
        return None
    try:
        name = (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexDamagedError(
            f"the index at {index_dir} is damaged ({CURRENT} cannot be read: {exc}); "
            "run `searchkit reindex --full` to rebuild it"
        ) from None
    gen = index_dir / name
    if not _GEN_NAME.fullmatch(name) or not gen.is_dir():
        raise IndexDamagedError(
            f"the index at {index_dir} is damaged ({CURRENT} names a missing generation {name!r}); "
            "run `searchkit reindex --full` to rebuild it"
        )
    return gen


def require_generation(index_dir: Path) -> Path:
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(
            f"no index at {index_dir}: run `searchkit reindex` to build one"
        )
    return gen


# -- ownership ---------------------------------------------------------------------


def _entries(index_dir: Path) -> list[str] | None:
    """The folder's entries, or None if it does not exist; refuses a file."""
    try:
        return os.listdir(index_dir)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise NotAnIndexError(f"the index path {index_dir} is a file, not a folder: "
                              "choose a folder for the index") from None
    except PermissionError:
        raise NotAnIndexError(f"cannot read the index folder {index_dir}: permission denied") from None


def _refuse(index_dir: Path) -> NotAnIndexError:
    return NotAnIndexError(
        f"{index_dir} is not a searchkit index and is not empty; searchkit writes only "
        "into an empty folder or one it created: choose another index folder"
    )


def read_marker(index_dir: Path) -> dict | None:
    """The folder's marker, or None if it has none."""
    try:
        data = json.loads((index_dir / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _damaged_marker(index_dir, str(exc)) from None
    if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT \
            or not isinstance(data.get("generations"), list):
        raise _damaged_marker(index_dir, "not a searchkit index marker")
    crc = data.pop("crc", None)
    if crc is not None and crc != _meta_crc(data):  # it lists what searchkit may delete
        raise _damaged_marker(index_dir, "it fails its checksum")
    return data


def _damaged_marker(index_dir: Path, reason: str) -> IndexDamagedError:
    # Not "run reindex --full": with its marker unreadable, searchkit cannot tell which
    # of the folder's contents it created, so it will not delete anything there.
    return IndexDamagedError(
        f"the index marker {index_dir / MARKER} is damaged ({reason}); if {index_dir} holds "
        "only a searchkit index, delete the folder and run `searchkit reindex`"
    )


def _legacy_generations(index_dir: Path, entries: list[str]) -> list[str] | None:
    """The generations of an index written before the marker existed, or None if the
    folder is not one: CURRENT names a `gen-NNNNNN` holding searchkit's metadata file,
    and every other entry is searchkit's lock or a `gen-NNNNNN` of nothing but Whoosh's
    and searchkit's files (a killed rebuild's leftovers)."""
    try:
        live = (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    gens = [e for e in entries if _GEN_NAME.fullmatch(e) and _holds_only_index_files(index_dir / e)]
    known = set(gens) | {CURRENT, LOCK} | _PLACEHOLDERS
    if live not in gens or not (index_dir / live / META).is_file() \
            or any(e not in known and not _is_own_tmp(e) for e in entries):
        return None
    return sorted(gens)


_INDEX_FILE = re.compile(r"_?MAIN[._].*|commit-\d+\.arrays|searchkit\.json|\.searchkit\.json\..*\.tmp")


def _holds_only_index_files(folder: Path) -> bool:
    try:
        return all(_INDEX_FILE.fullmatch(name) for name in os.listdir(folder))
    except OSError:
        return False


def _is_own_tmp(name: str) -> bool:
    return name.startswith(f".{CURRENT}.") and name.endswith(".tmp")


def is_ours(index_dir: Path) -> bool:
    """True if the folder is a searchkit index; False if it is missing or empty.

    Raises NotAnIndexError for anything else, so nothing is read from or written to it.
    """
    entries = _entries(index_dir)
    if entries is None or not (set(entries) - _PLACEHOLDERS):
        return False
    if read_marker(index_dir) is not None or _legacy_generations(index_dir, entries) is not None:
        return True
    raise _refuse(index_dir)


def claim(index_dir: Path, archive: Path | None = None) -> None:
    """Make `index_dir` a searchkit index, or check that it is one, before any write.

    A missing or empty folder gets the marker; an index from before the marker
    existed is adopted (its own generations recorded); anything else is refused.
    """
    entries = _entries(index_dir)
    if entries is not None and set(entries) - _PLACEHOLDERS:
        if read_marker(index_dir) is not None:
            return
        legacy = _legacy_generations(index_dir, entries)
        if legacy is None:
            raise _refuse(index_dir)
        _write_marker(index_dir, generations=legacy, archive=None)
        return
    index_dir.mkdir(parents=True, exist_ok=True)
    _write_marker(index_dir, generations=[],
                  archive=str(archive.resolve()) if archive is not None else None)


def _write_marker(index_dir: Path, *, generations: list[str], archive: str | None,
                  created: str | None = None) -> None:
    marker = {
        "format": MARKER_FORMAT,
        "version": 1,
        "created": created or _now(),
        "archive": archive,
        "generations": generations,
    }
    marker["crc"] = _meta_crc(marker)
    _write_atomically(index_dir / MARKER, json.dumps(marker, indent=2))


def _record_generations(index_dir: Path, generations: list[str]) -> None:
    marker = read_marker(index_dir) or {}
    _write_marker(index_dir, generations=sorted(set(generations)),
                  archive=marker.get("archive"), created=marker.get("created"))


def own_generations(index_dir: Path) -> list[str]:
    marker = read_marker(index_dir)
    return list(marker["generations"]) if marker else []


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation directory with the next free number, recorded in the
    marker before it is created (a crash in between leaves a record of nothing)."""
    mine = own_generations(index_dir)
    taken = [int(name[len(GEN_PREFIX):]) for name in mine + os.listdir(index_dir)
             if _GEN_NAME.fullmatch(name)]
    gen = index_dir / f"{GEN_PREFIX}{max(taken, default=0) + 1:06d}"
    _record_generations(index_dir, [*mine, gen.name])
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
    """Delete every generation searchkit created here but `keep`: old ones and the
    leftovers of killed rebuilds. Folders the marker does not list are never touched.

    Only called while holding the reindex lock.
    """
    mine = own_generations(index_dir)
    stale = [name for name in mine if keep is None or name != keep.name]
    for name in stale:
        shutil.rmtree(index_dir / name, ignore_errors=True)
    if stale:
        _record_generations(index_dir, [name for name in mine if name not in stale])
    for name in (CURRENT, MARKER):  # what a killed atomic write left behind
        for tmp in index_dir.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)
    if keep is not None:
        for tmp in keep.glob(f".{META}.*.tmp"):
            tmp.unlink(missing_ok=True)


def read_meta(gen: Path) -> dict:
    """A generation's metadata (the archive it was built from, when it was updated),
    {} if there is none yet. Its checksum is checked: a flipped byte in the archive's
    path would otherwise send every hit's path astray."""
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise _damaged_meta(gen, str(exc)) from None
    if not isinstance(meta, dict):
        raise _damaged_meta(gen, "not a JSON object")
    crc = meta.pop("crc", None)
    if crc is not None and crc != _meta_crc(meta):  # files from before the checksum have none
        raise _damaged_meta(gen, "fails its checksum")
    if crc is None and "language" in meta:  # written since the checksum: its key was damaged
        raise _damaged_meta(gen, "has lost its checksum")
    return meta


def _meta_crc(meta: dict) -> int:
    return zlib.crc32(json.dumps(meta, sort_keys=True).encode("utf-8"))


def _damaged_meta(gen: Path, reason: str) -> IndexDamagedError:
    return IndexDamagedError(f"the index at {gen.parent} is damaged ({gen.name}/{META} {reason}); "
                             "run `searchkit reindex --full` to rebuild it")


def write_meta(gen: Path, **values: object) -> None:
    try:
        meta = read_meta(gen)
    except IndexDamagedError:
        meta = {}  # rewritten whole below
    meta.update(values)
    meta["updated"] = _now()
    meta["crc"] = _meta_crc(meta)
    _write_atomically(gen / META, json.dumps(meta, indent=2))


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


_held_locks: set[int] = set()  # file descriptors of the reindex locks this process holds


def release_inherited_locks() -> None:
    """In a forked worker: close the lock descriptors copied from the parent, so a
    worker that outlives a killed parent does not keep the index locked."""
    for fd in list(_held_locks):
        with suppress(OSError):
            os.close(fd)
    _held_locks.clear()


@contextmanager
def reindex_lock(index_dir: Path, wait_seconds: float = 10.0) -> Iterator[None]:
    """Hold the one-reindex-at-a-time lock; wait a bounded time for it.

    An flock dies with its process, so a killed reindex never leaves the index locked.
    The folder is claimed first (see `claim`): a folder not ours gets no lock file.
    """
    claim(index_dir)
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
        _held_locks.add(fd)
        yield
    finally:
        _held_locks.discard(fd)
        os.close(fd)  # releases the lock
