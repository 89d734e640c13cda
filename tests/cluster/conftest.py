"""A sharded index of Reuters-21578 (4 shards), beside the single index of conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

# Before any test module imports Ray, which reads them once: keep a local cluster on
# 127.0.0.1 (else Ray swaps 127.0.0.1 for the machine's address), and send no usage report.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import pytest

from searchkit.cluster.reindex import reindex_sharded


@pytest.fixture(scope="session")
def reuters_shards(reuters_archive: Path, tmp_path_factory) -> Path:
    """Reuters-21578 in 4 shards (read-only: tests that reindex copy it)."""
    index_dir = tmp_path_factory.mktemp("reuters-shards") / "index"
    reindex_sharded(reuters_archive, index_dir, shards=4)
    return index_dir
