"""`searchkit cluster up|down`: a Ray cluster of several nodes on this machine, for trying.

`up` starts a small supervisor process (this module run as a program) that starts the
nodes with Ray's own `ray.cluster_utils.Cluster`, every one bound to 127.0.0.1 without
the dashboard, writes the cluster's address to a state file, and waits. `down` signals
that one process, which stops its nodes: nothing else on the machine is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..errors import UserError

START_SECONDS = 180.0
OBJECT_STORE_BYTES = 100 * 1024 * 1024


def state_file() -> Path:
    """Where the running local cluster is noted (SEARCHKIT_CLUSTER_STATE: elsewhere)."""
    chosen = os.environ.get("SEARCHKIT_CLUSTER_STATE")
    return Path(chosen) if chosen else Path(tempfile.gettempdir()) / f"searchkit-cluster-{os.getuid()}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_state() -> dict | None:
    try:
        state = json.loads(state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not _alive(int(state.get("pid", 0) or 0)):
        return None
    return state


def start(nodes: int, cpus: int) -> str:
    """Start the local cluster (or find it running); its address."""
    state = _read_state()
    if state is not None and state.get("address"):
        return str(state["address"])
    state_file().unlink(missing_ok=True)
    log = state_file().with_suffix(".log")
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "searchkit.cluster.local_cluster", "--nodes", str(nodes), "--cpus", str(cpus)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        state = _read_state()
        if state is not None and state.get("pid") == process.pid and state.get("address"):
            return str(state["address"])
        if process.poll() is not None:
            raise UserError(f"the local Ray cluster did not start (see {log})")
        time.sleep(0.2)
    process.terminate()
    raise UserError(f"the local Ray cluster did not start within {START_SECONDS:.0f} s (see {log})")


def stop() -> bool:
    """Stop the local cluster started by `start`; False if none was running."""
    state = _read_state()
    if state is None:
        state_file().unlink(missing_ok=True)
        return False
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
        with suppress(ChildProcessError):  # reap it if it is our child (after `up` exited, init does)
            os.waitpid(pid, os.WNOHANG)
    return True


def _serve(nodes: int, cpus: int) -> None:
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report sent anywhere
    from ray.cluster_utils import Cluster

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": cpus, "node_ip_address": "127.0.0.1", "include_dashboard": False,
        "object_store_memory": OBJECT_STORE_BYTES,
    })
    try:
        for _ in range(nodes - 1):
            cluster.add_node(num_cpus=cpus, node_ip_address="127.0.0.1", object_store_memory=OBJECT_STORE_BYTES)
        cluster.wait_for_nodes()
        tmp = state_file().with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "address": cluster.address, "nodes": nodes}))
        os.replace(tmp, state_file())
        stopped.wait()
    finally:
        cluster.shutdown()
        state_file().unlink(missing_ok=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=1)
    options = parser.parse_args()
    _serve(options.nodes, options.cpus)


def kill_node(cluster: Any, node: Any) -> None:
    """SIGKILL every process of a node of a `ray.cluster_utils.Cluster` (its raylet, object
    store and the workers it started), then forget it: a node lost as a machine is lost."""
    import psutil  # type: ignore[import-untyped]  # the cluster extra; no stubs

    roots = [info.process.pid for infos in node.all_processes.values() for info in infos if info.process]
    victims = []
    for pid in roots:
        with suppress(psutil.NoSuchProcess):
            victims += [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    for victim in victims:
        with suppress(psutil.NoSuchProcess):
            victim.kill()
    psutil.wait_procs(victims, timeout=30)
    cluster.remove_node(node, allow_graceful=False)
