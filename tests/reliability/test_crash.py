"""SIGKILL a reindex at random moments; the index must never be lost, mixed or broken.

One archive of a few thousand generated articles. Each round changes the archive (new,
changed and removed files), starts `searchkit reindex` (incremental or --full, some with
the parallel writer) as a real process and kills it after a random delay spread over a
whole run: while it imports, scans, reads, writes, commits or swaps generations. Then:
- `searchkit query` answers, and the index holds exactly the old or exactly the new
  set of articles (changed ones all in their old or all in their new version);
- the next reindex completes, every article of the archive is in the index exactly
  once, and nothing a killed run left behind remains.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.engine import store
from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher

from .helpers import REPO, indexed_ids, searchkit_cmd
from .wire import make_archive, marker, write_article

ARTICLES = 2000
KILLS = {"incremental": 34, "full": 18}  # kills that landed while reindex was running
MAX_ROUNDS = 150  # some rounds finish before their kill: bound the test anyway
CHANGES = (60, 40, 20)  # files added, changed, removed per round
SEED = int(os.environ.get("SEARCHKIT_KILL_SEED", "20260322"))


class Archive:
    """The generated archive and what the index should hold for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ids = make_archive(root, ARTICLES, words=30)
        self.version = {n: 0 for n in range(ARTICLES)}
        self.next_n = ARTICLES

    def change(self, rnd: random.Random) -> tuple[set[str], dict[str, int]]:
        """Add, change and remove files; returns (the new ids, changed id → version)."""
        added, changed, removed = CHANGES
        alive = sorted(self.version)
        changed_ids = {}
        for n in rnd.sample(alive, changed):
            self.version[n] += 1
            changed_ids[write_article(self.root, n, self.version[n], words=30)] = self.version[n]
        for n in rnd.sample([n for n in alive if f"{n % 20:02d}/a{n:06d}.txt" not in changed_ids], removed):
            rel = f"{n % 20:02d}/a{n:06d}.txt"
            (self.root / rel).unlink()
            self.ids.discard(rel)
            del self.version[n]
        for n in range(self.next_n, self.next_n + added):
            self.ids.add(write_article(self.root, n, words=30))
            self.version[n] = 0
        self.next_n += added
        return set(self.ids), changed_ids


def _versions_seen(index_dir: Path, changed: dict[str, int]) -> set[bool]:
    """For each changed article in the index: is it in its new version?"""
    seen = set()
    with Searcher(index_dir) as searcher:
        for article_id, version in changed.items():
            article = searcher.article(article_id)
            if article is not None:
                seen.add(f"version v{version}." in article.body)
    return seen


def _check_consistent(index_dir: Path, archive: Path, old: set[str], new: set[str],
                      changed: dict[str, int]) -> str:
    """The index is the old state or the new one, whole; returns which."""
    counts = indexed_ids(index_dir)
    assert max(counts.values()) == 1, "an article is in the index twice"
    ids = set(counts)
    assert ids in (old, new), (
        f"a mix: {len(ids - old - new)} unknown, {len(old - ids)} of the old state missing, "
        f"{len(new - ids)} of the new state missing"
    )
    state = "new" if ids == new else "old"
    assert _versions_seen(index_dir, changed) <= {state == "new"}, "changed articles in both versions"
    # The command a person runs answers from that state.
    probe = sorted(new - old)[0]
    n = int(Path(probe).stem[1:])
    result = CliRunner().invoke(cli, ["query", "--archive", str(archive), "--index", str(index_dir),
                                      "--json", marker(n)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == (1 if state == "new" else 0)
    return state


def _check_recovered(index_dir: Path, expected: set[str], changed: dict[str, int]) -> None:
    counts = indexed_ids(index_dir)
    assert set(counts) == expected, f"lost {len(expected - set(counts))}, extra {len(set(counts) - expected)}"
    assert max(counts.values()) == 1, "an article is in the index twice"
    assert _versions_seen(index_dir, changed) <= {True}, "a changed article kept its old text"
    # Nothing a killed run left behind: one generation, no temporary files or folders.
    entries = sorted(p.name for p in index_dir.iterdir())
    assert entries[:2] == [".reindex.lock", "CURRENT"] and len(entries) == 4, entries
    assert entries[3] == store.MARKER
    gen = index_dir / entries[2]
    assert store.own_generations(index_dir) == [gen.name]
    leftovers = [p.name for p in gen.iterdir() if p.is_dir() or ".tmp" in p.name or ".toc." in p.name]
    assert leftovers == []
    assert len(list(gen.glob("_MAIN_*.toc"))) == 1


def _timed_run(cmd: list[str], env: dict) -> float:
    started = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
    return time.monotonic() - started


@pytest.mark.heavy
@pytest.mark.timeout(600)
def test_sigkill_never_loses_or_mixes_articles(tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    archive = Archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    reindex(archive.root, index_dir)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    base = ["reindex", "--archive", str(archive.root), "--index", str(index_dir), "--quiet"]

    # How long an uninterrupted run takes, so that kills spread over all of it.
    startup = _timed_run(searchkit_cmd("--version"), env)
    archive.change(rnd)
    duration = {"incremental": _timed_run(searchkit_cmd(*base), env)}
    archive.change(rnd)
    duration["full"] = _timed_run(searchkit_cmd(*base, "--full"), env)

    kills = {mode: 0 for mode in KILLS}
    completed = 0
    for round_no in range(MAX_ROUNDS):
        if kills == KILLS:
            break
        mode = "full" if kills["full"] < KILLS["full"] and round_no % 3 == 2 else "incremental"
        if kills[mode] >= KILLS[mode]:
            mode = "full" if mode == "incremental" else "incremental"
        old = set(archive.ids)
        new, changed = archive.change(rnd)
        cmd = searchkit_cmd(*base, *(["--full"] if mode == "full" else []),
                            parallel_writer=round_no % 4 == 1)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(startup * 0.7, duration[mode] * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills[mode] += 1
        else:
            completed += 1
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), stderr.decode()

        _check_consistent(index_dir, archive.root, old, new, changed)
        # The next reindex completes (workers of a killed parallel run do not hold
        # the lock) and brings in everything.
        reindex(archive.root, index_dir, wait_seconds=3)
        _check_recovered(index_dir, new, changed)

    print(f"\nkills survived: {kills['incremental']} incremental, {kills['full']} full "
          f"({completed} runs finished before their kill; {len(archive.ids)} articles, none lost)")
    assert kills == KILLS
