"""A changed file is noticed even when it keeps its size and modification time (what
`cp -p`, `rsync -a` or a re-extracted tarball do); `reindex --verify` compares contents."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .helpers import run_searchkit

STORY = " date 2022-01-05 MOSCOW, January 5. /TASS/. The {word} harvest beat the forecast this year.\n"


def _total(archive: Path, index_dir: Path, word: str) -> int:
    result = run_searchkit("query", "--archive", str(archive), "--index", str(index_dir), word, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["total"]


def _reindex(archive: Path, index_dir: Path, *extra: str) -> str:
    result = run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir), *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_file_replaced_with_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    story = archive / "story.txt"
    story.write_text(STORY.format(word="wheat"), encoding="utf-8")
    _reindex(archive, index_dir)
    assert _total(archive, index_dir, "wheat") == 1

    # Replaced by a copy with the same size and the same times (cp -p), as a new inode.
    replacement = tmp_path / "replacement.txt"
    replacement.write_text(STORY.format(word="maize"), encoding="utf-8")
    stat = story.stat()
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    shutil.copy2(replacement, story)
    os.utime(story, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert story.stat().st_size == stat.st_size and story.stat().st_mtime_ns == stat.st_mtime_ns
    assert "1 changed" in _reindex(archive, index_dir)
    assert (_total(archive, index_dir, "maize"), _total(archive, index_dir, "wheat")) == (1, 0)


def test_verify_compares_contents(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    story = archive / "story.txt"
    story.write_text(STORY.format(word="wheat"), encoding="utf-8")
    _reindex(archive, index_dir)
    assert "0 changed" in _reindex(archive, index_dir, "--verify")  # nothing changed: nothing read

    # Rewritten in place, times and size put back: only the content tells.
    stat = story.stat()
    with open(story, "r+b") as fh:
        fh.write(STORY.format(word="maize").encode("utf-8"))
    os.utime(story, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "1 changed" in _reindex(archive, index_dir, "--verify")
    assert _total(archive, index_dir, "maize") == 1
