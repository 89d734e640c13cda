"""When the system fails a reindex (a full disk, a read-only folder) or stops it (Ctrl-C,
SIGTERM): one line, the right exit status, the old index untouched, the lock released.

A full disk is a small tmpfs mounted by the test (as root); where mounting is not
possible, the same failure is simulated by making a write raise ENOSPC.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from .helpers import REPO, run_searchkit, searchkit_cmd
from .wire import make_archive, write_article


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[bool]:
    """A small file system at `path`; yields False (and a plain folder) if it cannot be mounted."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _total(archive: Path, index_dir: Path) -> int:
    result = run_searchkit("query", "--archive", str(archive), "--index", str(index_dir), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["total"]


def _live_generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))


def _assert_lock_released(archive: Path, index_dir: Path) -> None:
    result = run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir), "--wait", "0")
    assert "another reindex" not in result.stderr


@pytest.mark.parametrize("full", [False, True], ids=["incremental", "full"])
def test_a_full_disk_fails_in_one_line_and_keeps_the_old_index(tmp_path: Path, full: bool) -> None:
    archive = tmp_path / "archive"
    make_archive(archive, 40, words=20)
    with tmpfs(tmp_path / "disk", "600k") as mounted:
        index_dir = tmp_path / "disk" / "index"
        assert run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir)).returncode == 0
        for n in range(40, 3000):  # far more than the disk holds
            write_article(archive, n, words=80)
        args = ["reindex", "--archive", str(archive), "--index", str(index_dir), *(["--full"] if full else [])]
        if mounted:
            result = run_searchkit(*args)
            stderr, code = result.stderr, result.returncode
        else:  # simulated: the first segment written fails as a full disk would
            from searchkit.engine import segment

            def full_disk(*a, **k):
                raise OSError(errno.ENOSPC, "No space left on device", str(index_dir))

            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(segment, "write_arrays", full_disk)
                out = CliRunner().invoke(cli, args)
            stderr, code = out.stderr, out.exit_code
        assert code == 74, stderr
        assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
        assert "No space left on device" in stderr and "nothing was changed" in stderr
        assert _total(archive, index_dir) == 40  # the old index, whole
        assert _live_generations(index_dir) == ["gen-000001"]
        _assert_lock_released(archive, index_dir)


def test_a_read_only_index_fails_in_one_line_and_still_answers(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    make_archive(archive, 40, words=20)
    with tmpfs(tmp_path / "disk", "4m") as mounted:
        if not mounted and os.geteuid() == 0:
            pytest.skip("root ignores file permissions and no file system could be mounted read-only")
        index_dir = tmp_path / "disk" / "index"
        assert run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir)).returncode == 0
        write_article(archive, 40)
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "disk")], check=True)
        else:
            for path in [index_dir, *index_dir.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            result = run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir))
            assert result.returncode == 77, result.stderr
            assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
            assert "nothing was changed" in result.stderr
            assert _total(archive, index_dir) == 40
        finally:
            if mounted:
                subprocess.run(["mount", "-o", "remount,rw", str(tmp_path / "disk")], check=True)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_reindex_says_so_in_one_line_and_undoes_itself(tmp_path: Path, signum: int) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    make_archive(archive, 300, words=20)
    assert run_searchkit("reindex", "--archive", str(archive), "--index", str(index_dir)).returncode == 0
    for n in range(300, 6000):
        write_article(archive, n, words=120)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = searchkit_cmd("reindex", "--full", "--archive", str(archive), "--index", str(index_dir),
                        parallel_writer=True)  # worker processes, as a big archive gets
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_live_generations(index_dir)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # until the new generation is being written
    time.sleep(0.3)
    assert proc.poll() is None, "the reindex finished before it could be stopped"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (130 if signum == signal.SIGINT else 143), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("searchkit: interrupted" if signum == signal.SIGINT else "searchkit: terminated")
    assert _total(archive, index_dir) == 300  # the old index, whole
    assert _live_generations(index_dir) == ["gen-000001"]  # the partial rebuild is gone
    _assert_lock_released(archive, index_dir)
