"""searchkit writes only into an index folder it created, and deletes only what it made.

A folder that is not empty and carries no marker (someone's notes, the archive itself, a
home folder, a stray CURRENT file) is refused with one line and exit 2, byte for byte
untouched; inside its own index, searchkit never deletes a folder it did not create,
even one whose name looks like a generation.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from searchkit.engine import store

from ..conftest import SEEDS
from .helpers import assert_one_line_error, run_searchkit


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a digest of its content and its mtime."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            out[rel + "/"] = str(path.stat().st_mtime_ns)
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f"@{path.stat().st_mtime_ns}"
    return out


def reindex(index_dir: Path, *extra: str, archive: Path = SEEDS):
    return run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir), *extra)


def query(index_dir: Path, text: str = "Almaty"):
    return run_searchkit("query", "--archive", str(SEEDS), "--index", str(index_dir), text, "--json")


def test_user_folders_named_like_generations_survive_every_reindex(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert reindex(index_dir).returncode == 0
    mine = {"gen-2023-notes/notes.txt": "my notes", "gen-photos/a.jpg": "jpeg",
            "gen-000099/keep.txt": "looks like a generation, is not one", "readme.txt": "hi"}
    for rel, text in mine.items():
        (index_dir / rel).parent.mkdir(exist_ok=True)
        (index_dir / rel).write_text(text)

    for extra in ((), ("--full",), (), ("--full",)):
        result = reindex(index_dir, *extra)
        assert result.returncode == 0, result.stderr
        for rel, text in mine.items():
            assert (index_dir / rel).read_text() == text, f"{rel} lost after reindex {extra}"
    assert json.loads(query(index_dir).stdout)["total"] == 2
    # One generation of searchkit's own is left, numbered past the user's lookalike.
    assert store.own_generations(index_dir) == [store.current_generation(index_dir).name]
    assert store.current_generation(index_dir).name > "gen-000099"


@pytest.mark.parametrize("shape", ["foreign CURRENT", "the archive itself", "home folder"])
def test_a_folder_that_is_not_an_index_is_refused_and_untouched(tmp_path: Path, shape: str) -> None:
    folder = tmp_path / "folder"
    if shape == "the archive itself":
        shutil.copytree(SEEDS, folder)
    else:
        folder.mkdir()
        (folder / "notes.txt").write_text("mine")
        if shape == "foreign CURRENT":
            (folder / "CURRENT").write_text("gen-000001\n")
            (folder / "gen-000001").mkdir()
            (folder / "gen-000001" / "photo.jpg").write_bytes(b"\xff\xd8")
        else:
            (folder / ".bashrc").write_text("alias ll='ls -l'\n")
            (folder / "Documents").mkdir()
    before = tree(folder)

    for result in (reindex(folder), reindex(folder, "--full"), query(folder),
                   run_searchkit("stats", "--index", str(folder))):
        assert_one_line_error(result.stderr, result.returncode, expect="is not a searchkit index")
        assert "--full" not in result.stderr
    assert tree(folder) == before


def test_an_index_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index"
    path.write_text("not a folder")
    for result in (reindex(path), query(path)):
        assert_one_line_error(result.stderr, result.returncode, expect="is a file")
    assert path.read_text() == "not a folder"


@pytest.mark.parametrize("content", [[], [".gitignore"]])
def test_an_empty_folder_becomes_an_index(tmp_path: Path, content: list[str]) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    for name in content:
        (folder / name).write_text("*\n")
    assert reindex(folder).returncode == 0
    assert (folder / store.MARKER).is_file()
    for name in content:
        assert (folder / name).read_text() == "*\n"
    assert json.loads(query(folder).stdout)["total"] == 2


def test_an_index_from_before_the_marker_is_adopted(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert reindex(index_dir).returncode == 0
    (index_dir / store.MARKER).unlink()  # what an older searchkit wrote
    live = store.current_generation(index_dir)
    assert json.loads(query(index_dir).stdout)["total"] == 2
    assert reindex(index_dir, "--full").returncode == 0
    assert not live.exists() and store.own_generations(index_dir) == [store.current_generation(index_dir).name]


def test_a_damaged_marker_is_named_and_nothing_is_deleted(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert reindex(index_dir).returncode == 0
    (index_dir / store.MARKER).write_text("{not json")
    before = tree(index_dir)
    for result in (reindex(index_dir, "--full"), query(index_dir)):
        assert_one_line_error(result.stderr, result.returncode, expect="index marker")
    assert tree(index_dir) == before


def test_another_archive_is_refused_unless_the_rebuild_is_asked_for(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(SEEDS, first)
    second.mkdir()
    (second / "other.txt").write_text(
        " date 2022-02-01 MINSK, February 1. /BelTA/. Wheat exports grew in January.\n")
    index_dir = tmp_path / "index"
    assert reindex(index_dir, archive=first).returncode == 0

    refused = reindex(index_dir, archive=second)
    assert_one_line_error(refused.stderr, refused.returncode, expect="was built from")
    assert "--full" in refused.stderr
    assert json.loads(query(index_dir).stdout)["total"] == 2  # the first archive's articles stay

    assert reindex(index_dir, "--full", archive=second).returncode == 0
    assert json.loads(query(index_dir, "wheat").stdout)["total"] == 1
    assert json.loads(query(index_dir).stdout)["total"] == 0


def test_the_tui_refuses_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = run_searchkit("tui", "--archive", str(SEEDS), "--index", str(folder))
    assert_one_line_error(result.stderr, result.returncode, expect="is not a searchkit index")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
