"""Readers turn archive files into Articles, one small module per format.

Adding a format means adding a module with EXTENSIONS and read(path, rel) and
listing it in FORMATS; nothing else changes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from ..models import Article, ReadProblem
from . import jsonl, reuters, wiretext
from .files import UnreadableFile

FORMATS: tuple[ModuleType, ...] = (wiretext, jsonl, reuters)


def reader_for(name: str) -> ModuleType | None:
    lowered = name.lower()
    for module in FORMATS:
        if lowered.endswith(module.EXTENSIONS):
            return module
    return None


def known_extensions() -> tuple[str, ...]:
    return tuple(ext for module in FORMATS for ext in module.EXTENSIONS)


class Selection:
    """Which files of an archive are read: gitignore-style `include` patterns (empty: all)
    and `exclude` patterns, matched against paths relative to the archive."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        import pathspec  # only when patterns are given

        self.include = pathspec.GitIgnoreSpec.from_lines(include) if include else None
        self.exclude = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None

    def wants(self, rel: str) -> bool:
        if self.exclude is not None and self.exclude.match_file(rel):
            return False
        return self.include is None or self.include.match_file(rel)

    def skips_folder(self, rel_folder: str) -> bool:
        """A folder excluded whole (`drafts/`) is not even walked."""
        return self.exclude is not None and self.exclude.match_file(rel_folder)


def selection(include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Selection | None:
    return Selection(include, exclude) if include or exclude else None


def find_files(archive: Path, select: Selection | None = None) -> Iterator[tuple[Path, str]]:
    """Every file of a known format under `archive`, as (path, path relative to archive).

    Hidden files and folders are passed over; symlinked folders are followed once
    (a symlink loop is not followed twice). In the folder of the Reuters-21578
    distribution (it holds the SGML's `lewis.dtd`), the `.txt` files are the collection's
    documentation and word lists (README.txt, all-topics-strings.lc.txt...), not
    articles: they are passed over too.
    """
    for path, rel in walk_files(archive, select):
        yield Path(path), rel


def walk_files(archive: Path, select: Selection | None = None) -> Iterator[tuple[str, str]]:
    """`find_files` as plain strings, in the same order: cheap enough for archives of
    hundreds of thousands of files (no Path object per file)."""
    seen_dirs: set[tuple[int, int]] = set()

    def walk(folder: str, rel: str) -> Iterator[tuple[str, str]]:
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen_dirs:
                return
            seen_dirs.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as entries:
                listed = sorted((e.name, e) for e in entries if not e.name.startswith("."))
        except OSError:
            return
        folders = []
        reuters_distribution = any(name == reuters.DISTRIBUTION_MARKER for name, _ in listed)
        for name, entry in listed:
            try:
                is_dir = entry.is_dir()  # follows symlinks, as os.walk(followlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if select is None or not select.skips_folder(f"{rel}{name}/"):
                    folders.append(name)
            elif reader_for(name) is not None:
                if reuters_distribution and name.lower().endswith(wiretext.EXTENSIONS):
                    continue
                if select is None or select.wants(rel + name):
                    yield entry.path, rel + name
        for name in folders:
            yield from walk(os.path.join(folder, name), f"{rel}{name}/")

    yield from walk(os.fspath(archive), "")


# Longer article text is cut: one 50 MB "article" would cost minutes and gigabytes to
# index and is no article anyway.
MAX_BODY_CHARS = 8_000_000


def read_file(path: Path, rel: str, encoding: str | None = None) -> Iterator[Article | ReadProblem]:
    """Articles and problems from one file. Never raises for a bad file.

    `encoding`: of a text file, as its collection names it; None: detected."""
    module = reader_for(path.name)
    if module is None:
        yield ReadProblem(rel, "not a known archive format")
        return
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # reading a pipe would wait forever
            yield ReadProblem(rel, "not a regular file (a pipe, socket or device)")
            return
        for item in module.read(path, rel, encoding):
            if isinstance(item, Article) and len(item.body) > MAX_BODY_CHARS:
                yield ReadProblem(rel, f"article {item.id} is over {MAX_BODY_CHARS:,} characters: "
                                  "only its beginning is indexed", skipped=False)
                item = replace(item, body=item.body[:MAX_BODY_CHARS])
            yield item
    except UnreadableFile as exc:
        yield ReadProblem(rel, str(exc))
    except (OSError, ValueError, UnicodeError, MemoryError, RecursionError) as exc:
        yield ReadProblem(rel, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
