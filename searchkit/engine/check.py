"""`searchkit check`: read every file of the live index end to end and say what is wrong.

Searches check what they read as they read it (arrays.py); this reads everything at
once, so damage in a part no search has reached yet is found too.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import IndexDamagedError
from ..models import IndexCheck
from . import store, whoosh_compat
from .arrays import DamagedFile
from .commit import check_segments, commit_path, read_commit
from .schema import build_schema
from .segment import SegmentArrays


def check_index(index_dir: Path) -> IndexCheck:
    """Every problem found in the live generation's files (raises if there is no index)."""
    gen = store.require_generation(index_dir)
    problems: list[str] = []
    files = size = articles = 0
    try:
        store.read_meta(gen)
    except IndexDamagedError as exc:
        problems.append(str(exc))
    try:
        generation, records = whoosh_compat.read_toc(gen, build_schema())
    except (whoosh_compat.TocError, whoosh_compat.EmptyIndexError, OSError) as exc:
        return IndexCheck(str(index_dir), files, size, articles, (*problems, f"the table of contents: {exc}"))
    for record in records:
        path = gen / record.file_name()
        try:
            segment = SegmentArrays(path)
            segment.file.verify()
        except DamagedFile as exc:
            problems.append(str(exc))
            continue
        except OSError as exc:
            problems.append(f"{path.name}: {exc.strerror or exc}")
            continue
        files, size = files + 1, size + segment.file.nbytes()
        articles += record.doc_count()
    try:
        commit = read_commit(gen, generation)
        commit.file.verify()
        check_segments(gen, generation, commit, records)
        files, size = files + 1, size + commit.file.nbytes()
    except DamagedFile as exc:
        problems.append(str(exc))  # names the file: the commit file, or the TOC it disagrees with
    except OSError as exc:
        problems.append(f"{commit_path(gen, generation).name}: {exc.strerror or exc}")
    return IndexCheck(str(index_dir), files, size, articles, tuple(problems))

