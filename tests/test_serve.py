"""`searchkit serve`: a real server on 127.0.0.1, asked by a real HTTP client."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette")
httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

import searchkit  # noqa: E402
from searchkit.models import SearchRequest  # noqa: E402
from searchkit.serve import MAX_QUERY_CHARS, create_app  # noqa: E402

from .conftest import Cli  # noqa: E402


class Server:
    """uvicorn serving an app on a socket bound to 127.0.0.1 (a free port) in a thread."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        client = httpx.Client(base_url=self.url, timeout=30)
        for _ in range(600):  # until it accepts connections
            try:
                client.get("/nothing")
                break
            except httpx.TransportError:
                threading.Event().wait(0.05)
        self.client = client
        return client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


@pytest.fixture
def served(archive: Path, tmp_path: Path) -> Iterator[tuple[httpx.Client, Cli, searchkit.Index]]:
    run = Cli(archive, tmp_path / "index")
    assert run("reindex").exit_code == 0
    index = searchkit.open(tmp_path / "index", archive)
    with Server(create_app(index)) as client:
        yield client, run, index
    index.close()


def test_search_article_stats_and_health_answer_as_the_cli(served) -> None:
    client, run, _ = served
    got = client.get("/search", params={"q": "peacekeepers", "sort": "newest", "limit": 5})
    assert got.status_code == 200
    expected = json.loads(run("query", "peacekeepers", "--sort", "newest", "--limit", "5", "--json").output)
    data = got.json()
    assert data.pop("took_ms") >= 0 and expected.pop("took_ms") >= 0
    assert data == expected and data["total"] > 0
    hit = data["hits"][0]["id"]
    assert client.get(f"/article/{hit}").json() == json.loads(run("show", hit, "--json").output)
    assert client.get("/article/no-such-id").status_code == 404
    stats = client.get("/stats").json()
    assert stats["articles"] == json.loads(run("stats", "--json").output)["articles"]
    assert client.get("/health").json() == {"status": "ok", "articles": stats["articles"], "sharded": False}
    placed = client.get("/search", params={"q": "peacekeepers", "place": "MINSK", "since": "2022-01"}).json()
    assert placed["total"] == json.loads(
        run("query", "peacekeepers", "--place", "MINSK", "--since", "2022-01", "--json").output)["total"]


@pytest.mark.parametrize("params", [
    {"q": "x" * (MAX_QUERY_CHARS + 1)}, {"q": "oil", "limit": "1000"}, {"q": "oil", "limit": "ten"},
    {"q": "oil", "sort": "random"}, {"q": "oil", "since": "the day after"}, {"q": "(oil AND"},
    {"q": "oil", "page": "5000", "limit": "100"},
])
def test_a_bad_request_is_400_with_one_line(served, params) -> None:
    client, _, _ = served
    got = client.get("/search", params=params)
    assert got.status_code == 400
    assert got.json()["error"] and "\n" not in got.json()["error"]


def test_a_reindex_shows_at_the_next_search(served, archive: Path) -> None:
    client, run, _ = served
    assert client.get("/search", params={"q": "zanzibarite"}).json()["total"] == 0
    (archive / "extra.jsonl").write_text(json.dumps({
        "date": "2023-05-01", "source": "Wire", "title": "Zanzibarite found",
        "body": "A new mineral, zanzibarite, was found near the coast."}) + "\n")
    assert run("reindex").exit_code == 0  # another process would do the same
    assert client.get("/search", params={"q": "zanzibarite"}).json()["total"] == 1


class _Blocking:
    """An index whose searches wait until released (to fill the server's slots)."""

    sharded = False

    def __init__(self) -> None:
        self.entered, self.release = threading.Semaphore(0), threading.Event()

    def search(self, request: SearchRequest):
        self.entered.release()
        self.release.wait(30)
        raise searchkit.errors.UserError("released")


def test_one_client_cannot_exhaust_the_server() -> None:
    blocking = _Blocking()
    with Server(create_app(blocking, max_concurrent=1, request_seconds=0.5)) as client:  # type: ignore[arg-type]
        # The first search runs past the time limit: 503, and it keeps its slot until it ends.
        assert client.get("/search", params={"q": "slow"}).status_code == 503
        assert blocking.entered.acquire(timeout=30)
        busy = client.get("/search", params={"q": "more"})
        assert busy.status_code == 503 and "too many" in busy.json()["error"]
        blocking.release.set()
        for _ in range(100):  # the slot frees once the first search ends
            got = client.get("/search", params={"q": "again"})
            if got.status_code != 503:
                break
        assert got.status_code == 400 and got.json()["error"] == "released"


def test_serve_listens_on_loopback_by_default() -> None:
    from searchkit.cli import cli

    serve = cli.commands["serve"]
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
