"""`reindex --full` switches generations while every kind of reader is searching: API
threads, `searchkit query` processes and the TUI. None of them fails during the switch,
and every search that starts after the switch sees the new generation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tui_helpers import STORIES, FixedApp, settle, write_archive

import searchkit
from searchkit.tui.widgets import StatusLine

pytestmark = pytest.mark.asyncio
REPO = Path(__file__).resolve().parents[2]
NEW = [(f"2022-04-0{n}", "TASS", "MOSCOW", [], f"Zeppelin {n}", f"A zeppelin flew over Moscow, day {n}.")
       for n in range(1, 4)]


class Loop(threading.Thread):
    """Searches for `zeppelin` again and again: (started, total or the error)."""

    def __init__(self, search) -> None:
        super().__init__(daemon=True)
        self.search, self.answers, self.stop = search, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self.answers.append((started, self.search()))
            except Exception as exc:  # counted, and the test fails on any
                self.answers.append((started, exc))
            time.sleep(0.05)  # a person's pace, not a spin: the TUI shares the interpreter


def _cli_total(archive: Path, index_dir: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "searchkit", "query", "zeppelin", "--json", "--archive",
                             str(archive), "--index", str(index_dir)], capture_output=True, text=True, env=env)
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout)["total"]


async def test_full_reindex_under_load(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    with searchkit.open(index_dir, archive) as ix:
        ix.reindex()
    write_archive(archive, STORIES + NEW)  # three stories about zeppelins, not yet indexed

    readers = [searchkit.open(index_dir) for _ in range(3)]
    loops = [Loop(lambda ix=ix: ix.search("zeppelin").total) for ix in readers]
    loops.append(Loop(lambda: _cli_total(archive, index_dir)))
    app = FixedApp(archive, index_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press(*"zeppelin")
        await settle(pilot)
        assert screen.response.total == 0
        for loop in loops:
            loop.start()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        reindex = subprocess.Popen([sys.executable, "-m", "searchkit", "reindex", "--full", "--archive",
                                    str(archive), "--index", str(index_dir)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        tui_answers = []
        while reindex.poll() is None:  # the TUI searches again and again meanwhile (Ctrl+O: sort)
            await pilot.press("ctrl+o")
            tui_answers.append((await settle(pilot)).response.total)
        switched = time.monotonic()
        assert reindex.returncode == 0, reindex.stderr.read()
        await pilot.press("ctrl+o")
        screen = await settle(pilot)
        assert screen.response.total == 3 and "3 hits" in str(screen.query_one(StatusLine).render())
        time.sleep(0.5)
        for loop in loops:
            loop.stop.set()
        for loop in loops:
            loop.join(timeout=60)
    for ix in readers:
        ix.close()
    answers = [a for loop in loops for a in loop.answers]
    errors = [a for _, a in answers if isinstance(a, Exception)]
    stale = [a for started, a in answers if started > switched and a != 3]
    assert not errors, errors[:3]
    assert set(tui_answers) <= {0, 3}
    assert sum(1 for started, _ in answers if started > switched) >= 4  # every loop searched after it
    assert not stale, f"{len(stale)} answers after the switch came from the old generation"
    assert {a for _, a in answers} <= {0, 3}
