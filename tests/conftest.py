"""Shared fixtures: the shipped seeds, the real corpora in ../shared, built indexes."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the repository")


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path_factory, monkeypatch) -> None:
    """No test reads or writes the real user's config file or data folder."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("SEARCHKIT_COLLECTION", raising=False)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A writable copy of the seeds, for tests that change the archive."""
    target = tmp_path / "archive"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the shipped seeds (read-only: do not reindex it)."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    reindex(SEEDS, index_dir)
    return index_dir


@pytest.fixture
def seed_searcher(seed_index: Path):
    with Searcher(seed_index) as searcher:
        yield searcher


@pytest.fixture(scope="session")
def reuters_archive(tmp_path_factory) -> Path:
    """Reuters-21578 unpacked from ../shared (the .sgm files only)."""
    tarball = CORPUS / "reuters21578" / "reuters21578.tar.xz"
    if not tarball.is_file():
        pytest.skip("../shared/corpus/reuters21578 is not available")
    target = tmp_path_factory.mktemp("reuters")
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith(".sgm")]
        tar.extractall(target, members=members, filter="data")
    (sgm_dir,) = {p.parent for p in target.rglob("*.sgm")}
    return sgm_dir


@pytest.fixture(scope="session")
def reuters_index(reuters_archive: Path, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("reuters-index")
    reindex(reuters_archive, index_dir)
    return index_dir


class Cli:
    """Runs `searchkit ...` in-process, like a person at a shell."""

    def __init__(self, archive: Path, index_dir: Path) -> None:
        self.archive, self.index_dir = archive, index_dir

    def __call__(self, *args: str, env: dict | None = None):
        runner = CliRunner()
        options = [a for a in args if a == "--debug"]  # options of `searchkit` itself
        args = tuple(a for a in args if a != "--debug")
        full = [*options, args[0], "--archive", str(self.archive), "--index", str(self.index_dir), *args[1:]]
        return runner.invoke(cli, full, env=env, catch_exceptions=False)


@pytest.fixture
def run(archive: Path, tmp_path: Path) -> Cli:
    """The CLI on a private copy of the seeds and a private index."""
    return Cli(archive, tmp_path / "index")
