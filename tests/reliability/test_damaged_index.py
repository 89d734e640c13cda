"""A damaged index: a clear one-line message that says to run `searchkit reindex --full`,
which then recovers."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.engine.indexer import reindex

from .helpers import assert_one_line_error
from .wire import make_archive

ARTICLES = 300
COMMANDS = [("query", "peacekeepers"), ("query", "zqbx", "--json"), ("query",), ("query", "peace*"),
            ("query", "peacekeeprs"), ("show", "00/a000000.txt"), ("stats",)]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("damage")
    make_archive(root / "archive", ARTICLES, words=30)
    reindex(root / "archive", root / "index")
    return root / "archive", root / "index"


def _live(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def _segment(index_dir: Path) -> Path:
    """The largest segment file (every search reads one)."""
    files = [p for p in _live(index_dir).glob("MAIN_*.arrays")]
    return max(files, key=lambda p: p.stat().st_size)


def _commit(index_dir: Path) -> Path:
    """The commit file: duplicates, the file manifest, the word dictionary."""
    return next(_live(index_dir).glob("commit-*.arrays"))


def _toc(index_dir: Path) -> Path:
    return next(_live(index_dir).glob("_MAIN_*.toc"))


DAMAGE = {
    "segment deleted": lambda ix: _segment(ix).unlink(),
    "segment emptied": lambda ix: os.truncate(_segment(ix), 0),
    "segment cut in half": lambda ix: os.truncate(_segment(ix), _segment(ix).stat().st_size // 2),
    "segment last byte cut": lambda ix: os.truncate(_segment(ix), _segment(ix).stat().st_size - 1),
    "commit file deleted": lambda ix: _commit(ix).unlink(),
    "commit file cut in half": lambda ix: os.truncate(_commit(ix), _commit(ix).stat().st_size // 2),
    "table of contents deleted": lambda ix: _toc(ix).unlink(),
    "table of contents emptied": lambda ix: os.truncate(_toc(ix), 0),
    "table of contents cut in half": lambda ix: os.truncate(_toc(ix), _toc(ix).stat().st_size // 2),
    "generation folder deleted": lambda ix: shutil.rmtree(_live(ix)),
    "CURRENT garbage": lambda ix: (ix / "CURRENT").write_bytes(b"\xff\xfe\x00"),
    "CURRENT names nothing": lambda ix: (ix / "CURRENT").write_text("gen-999999\n"),
}


def _run(archive: Path, index_dir: Path, *args: str):
    return CliRunner().invoke(cli, [args[0], "--archive", str(archive), "--index", str(index_dir),
                                    *args[1:]], catch_exceptions=False)


def _assert_recovers(archive: Path, index_dir: Path) -> None:
    result = _run(archive, index_dir, "reindex", "--full")
    assert result.exit_code == 0, result.output
    result = _run(archive, index_dir, "query", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == ARTICLES


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damage_is_named_and_reindex_full_recovers(pristine, tmp_path: Path, damage: str) -> None:
    archive, clean = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    DAMAGE[damage](index_dir)
    for args in [*COMMANDS, ("reindex",)]:
        result = _run(archive, index_dir, *args)
        assert_one_line_error(result.stderr, result.exit_code, expect="searchkit reindex --full")
    _assert_recovers(archive, index_dir)


def test_overwritten_segment_is_named_when_read_and_reindex_full_recovers(pristine, tmp_path: Path) -> None:
    """Random bytes of the same size: the damage is named, and nothing gives a traceback."""
    archive, clean = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    segment = _segment(index_dir)
    segment.write_bytes(os.urandom(segment.stat().st_size))
    named = 0
    for args in COMMANDS:
        result = _run(archive, index_dir, *args)
        if result.exit_code != 0:
            assert_one_line_error(result.stderr, result.exit_code, expect="searchkit reindex --full")
            named += 1
    assert named > 0
    _assert_recovers(archive, index_dir)


def test_corrupt_bytes_inside_a_segment_never_give_a_traceback(pristine, tmp_path: Path) -> None:
    """Corruption that passes opening and surfaces only when a search reads that part."""
    archive, clean = pristine
    rnd = random.Random(7)
    outcomes = {"answered": 0, "named the damage": 0}
    for trial in range(20):
        index_dir = tmp_path / f"index{trial}"
        shutil.copytree(clean, index_dir)
        segment = _segment(index_dir)
        data = bytearray(segment.read_bytes())
        start, size = rnd.randrange(len(data)), rnd.choice([16, 256, 4096])
        data[start:start + size] = rnd.randbytes(len(data[start:start + size]))
        segment.write_bytes(bytes(data))
        for args in COMMANDS:
            result = _run(archive, index_dir, *args)
            if result.exit_code == 0:
                outcomes["answered"] += 1
            else:
                # Random bytes can also make a lookup miss ("no article with id ..."):
                # what must hold is one line and no traceback.
                assert_one_line_error(result.stderr, result.exit_code, expect="searchkit: ")
                outcomes["named the damage"] += "reindex --full" in result.stderr
        _assert_recovers(archive, index_dir)
    assert outcomes["named the damage"] > 0


def test_an_index_of_another_version_is_named_as_such_and_rebuilt(pristine, tmp_path: Path) -> None:
    """Files written whole by a searchkit of another layout: not "damaged", but "another
    version"; a plain reindex rebuilds it whole."""
    from searchkit.engine.arrays import ArrayFile, write_arrays

    archive, clean = pristine
    index_dir = tmp_path / "index"
    shutil.copytree(clean, index_dir)
    segment = _segment(index_dir)
    old = ArrayFile(segment)
    arrays = {name: old[name].copy() for name in old}
    write_arrays(segment, arrays, {**old.meta, "format": 99})
    result = _run(archive, index_dir, "query", "peacekeepers")
    assert_one_line_error(result.stderr, result.exit_code, expect="another version of searchkit")
    assert "damaged" not in result.stderr
    assert _run(archive, index_dir, "reindex").exit_code == 0
    assert json.loads(_run(archive, index_dir, "query", "--json").stdout)["total"] == ARTICLES
