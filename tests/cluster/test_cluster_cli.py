"""`searchkit cluster up`, `--cluster` and `searchkit cluster down`, as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.cluster


def _searchkit(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searchkit.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300, stdin=subprocess.DEVNULL)


def test_cluster_up_query_down(archive: Path, tmp_path: Path) -> None:
    env = dict(os.environ, SEARCHKIT_CLUSTER_STATE=str(tmp_path / "cluster.json"),
               RAY_USAGE_STATS_ENABLED="0")
    env.pop("SEARCHKIT_CLUSTER", None)
    paths = ["--archive", str(archive), "--index", str(tmp_path / "index")]
    assert _searchkit("reindex", "--shards", "2", *paths, env=env).returncode == 0
    single = json.loads(_searchkit("query", "peacekeepers", "--json", *paths, env=env).stdout)
    up = _searchkit("cluster", "up", "--nodes", "2", env=env)
    try:
        assert up.returncode == 0, up.stderr
        address = up.stdout.splitlines()[0]
        assert address.startswith("127.0.0.1:")
        supervisor = psutil.Process(json.loads((tmp_path / "cluster.json").read_text())["pid"])
        listening = {c.laddr.ip for p in [supervisor, *supervisor.children(recursive=True)]
                     for c in p.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN}
        assert listening and listening <= {"127.0.0.1", "::ffff:127.0.0.1"}
        clustered = _searchkit("query", "peacekeepers", "--json", "--cluster", address, *paths, env=env)
        assert clustered.returncode == 0, clustered.stderr
        answer = json.loads(clustered.stdout)
        assert (answer["total"], answer["hits"], answer["facets"]) == \
            (single["total"], single["hits"], single["facets"])
    finally:
        down = _searchkit("cluster", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stderr
    assert not (tmp_path / "cluster.json").exists()
    assert not supervisor.is_running() or supervisor.status() == psutil.STATUS_ZOMBIE
    gone = _searchkit("query", "peacekeepers", "--json", "--cluster", address, *paths, env=env)
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1
