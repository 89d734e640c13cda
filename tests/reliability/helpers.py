"""What the reliability tests share: running searchkit as a person would, reading the
index back whole, and recognising a clean failure."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from searchkit.engine.searcher import Searcher
from searchkit.models import SearchRequest

REPO = Path(__file__).resolve().parents[2]


def searchkit_cmd(*args: str, parallel_writer: bool = False) -> list[str]:
    """The command line of `searchkit ARGS` in a fresh Python process.

    parallel_writer=True lowers the size at which reindex writes with worker processes
    to zero, so a small archive takes the same path as a big one.
    """
    if not parallel_writer:
        return [sys.executable, "-m", "searchkit", *args]
    code = (
        "import sys, searchkit.engine.indexer as ix; ix.PARALLEL_BYTES = 0; "
        "from searchkit.cli import cli; cli(sys.argv[1:], prog_name='searchkit')"
    )
    return [sys.executable, "-c", code, *args]


def run_searchkit(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(searchkit_cmd(*args), capture_output=True, text=True, timeout=timeout,
                          env=env, **kwargs)


def indexed_ids(index_dir: Path) -> Counter:
    """How many times each article id is in the index (browsing everything, one page)."""
    with Searcher(index_dir) as searcher:
        response = searcher.search(SearchRequest("", page_size=1_000_000, snippet_chars=20))
        assert response.total == len(response.hits)
        return Counter(hit.id for hit in response.hits)


def assert_one_line_error(stderr: str, exit_code: int, *, expect: str | None = None) -> None:
    """A failure as a person should see it: exit 2, one line on stderr, no traceback."""
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("searchkit: ")
    if expect is not None:
        assert expect in lines[0], lines[0]
