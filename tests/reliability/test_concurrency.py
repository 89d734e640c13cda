"""Two reindexes at once, and searches while a reindex runs."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher
from searchkit.errors import IndexBusyError
from searchkit.models import SearchRequest

from .helpers import REPO, assert_one_line_error, run_searchkit, searchkit_cmd
from .wire import make_archive, marker, write_article

ARTICLES = 1200


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    make_archive(archive, ARTICLES, words=30)
    reindex(archive, index_dir)
    return archive, index_dir


def _start_reindex(archive: Path, index_dir: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = searchkit_cmd("reindex", "--archive", str(archive), "--index", str(index_dir), *extra)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_new_generation(index_dir: Path, proc: subprocess.Popen) -> None:
    """A --full reindex holds the lock once its new generation folder exists."""
    deadline = time.monotonic() + 60
    while len(list(index_dir.glob("gen-*"))) < 2:
        assert proc.poll() is None, "the first reindex ended before the test could overlap it"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _total(archive: Path, index_dir: Path, text: str = "") -> int:
    result = CliRunner().invoke(cli, ["query", "--archive", str(archive), "--index", str(index_dir),
                                      "--json", text], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["total"]


def test_second_reindex_waits_then_says_another_is_running(indexed) -> None:
    archive, index_dir = indexed
    first = _start_reindex(archive, index_dir, "--full", "--quiet")
    try:
        _wait_for_new_generation(index_dir, first)
        started = time.monotonic()
        second = run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir),
                               "--wait", "1")
        waited = time.monotonic() - started
        if first.poll() is None:  # the overlap really happened
            assert_one_line_error(second.stderr, second.returncode, expect="another reindex")
            assert waited >= 1.0
            try:
                reindex(archive, index_dir, wait_seconds=0.2)
            except IndexBusyError:
                pass
            else:  # only possible once the first let go of the lock, as its last act
                assert first.wait(timeout=10) == 0
    finally:
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "indexed 1,200 articles" in out
    assert _total(archive, index_dir) == ARTICLES


def test_second_reindex_with_enough_wait_runs_after_the_first(indexed) -> None:
    archive, index_dir = indexed
    write_article(archive, ARTICLES)
    first = _start_reindex(archive, index_dir, "--full", "--quiet")
    try:
        _wait_for_new_generation(index_dir, first)
        second = run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir),
                               "--wait", "120", timeout=180)
    finally:
        first.communicate(timeout=120)
    assert first.returncode == 0
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith(f"indexed {ARTICLES + 1:,} articles (0 new, 0 changed")
    assert "Traceback" not in second.stderr


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_searches_answer_during_reindex_and_see_the_commit(indexed, full: bool) -> None:
    archive, index_dir = indexed
    added = range(ARTICLES, ARTICLES + 400)
    for n in added:
        write_article(archive, n, words=30)
    probe = marker(added[0])
    long_lived = Searcher(index_dir)  # like the TUI: opened before, kept open, never refreshed
    proc = _start_reindex(archive, index_dir, "--quiet", *(["--full"] if full else []))
    answers = []
    try:
        while proc.poll() is None:
            total = _total(archive, index_dir)
            assert total in (ARTICLES, ARTICLES + 400), total
            # A commit may land between these two searches, but never go back.
            found = _total(archive, index_dir, probe)
            assert found == 1 if total > ARTICLES else found in (0, 1)
            seen = long_lived.search(SearchRequest("")).total
            assert seen in (ARTICLES, ARTICLES + 400)
            answers.append(total)
        assert proc.returncode == 0, proc.stderr.read()
        assert answers and answers[0] == ARTICLES, "no search ran while the reindex did"
        # The commit is seen at the next search: by a new searcher and the long-lived one.
        assert _total(archive, index_dir) == ARTICLES + 400
        assert long_lived.search(SearchRequest(probe)).total == 1
        assert long_lived.search(SearchRequest("")).total == ARTICLES + 400
    finally:
        long_lived.close()
        proc.communicate(timeout=120)
