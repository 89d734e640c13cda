"""A sharded index of Reuters-21578 (4 shards), beside the single index of conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchkit.cluster.reindex import reindex_sharded


@pytest.fixture(scope="session")
def reuters_shards(reuters_archive: Path, tmp_path_factory) -> Path:
    """Reuters-21578 in 4 shards (read-only: tests that reindex copy it)."""
    index_dir = tmp_path_factory.mktemp("reuters-shards") / "index"
    reindex_sharded(reuters_archive, index_dir, shards=4)
    return index_dir
