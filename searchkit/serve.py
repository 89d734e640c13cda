"""`searchkit serve`: the search over HTTP, as JSON (Starlette, run by uvicorn).

    GET /search?q=…&source=…&place=…&topic=…&since=…&until=…&sort=…&page=…&limit=…&match=…
        the `--json` contract of `searchkit query` (README, "JSON output")
    GET /article/ID   the article, as `searchkit show ID --json`
    GET /stats        as `searchkit stats --json`
    GET /health       {"status": "ok", ...}: the index answers

One client cannot exhaust the server: a query is at most MAX_QUERY_CHARS long, a page
at most MAX_PAGE_SIZE hits and reaches at most MAX_DEPTH; at most MAX_CONCURRENT
searches run at once (more are refused with 503 at once, never queued without bound),
and one that runs past REQUEST_SECONDS answers 503. Mistakes are 400 with
{"error": "..."}. Searches run in worker threads over one shared `searchkit.Index`,
which follows the index's commits: a reindex shows at the next search.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import output
from .api import Index
from .dates import parse_user_date
from .errors import IndexBusyError, IndexMissingError, UserError
from .models import MATCH_MODES, SORT_ORDERS, SearchRequest

MAX_QUERY_CHARS = 2_000
MAX_PAGE_SIZE = 100
MAX_DEPTH = 10_000
MAX_CONCURRENT = 8
REQUEST_SECONDS = 5.0
MULTI = ("source", "place", "topic", "year", "month")


class BadRequest(Exception):
    pass


def _one(request: Request, name: str, default: str | None = None) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"{name} given {len(values)} times")
    return values[0] if values else default


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = _one(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def search_request(request: Request) -> SearchRequest:
    """The SearchRequest a query string asks for (BadRequest or UserError if it is wrong)."""
    text = _one(request, "q", "") or ""
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"the query is longer than {MAX_QUERY_CHARS:,} characters")
    sort = _one(request, "sort", "relevance")
    if sort not in SORT_ORDERS:
        raise BadRequest(f"sort must be one of {', '.join(SORT_ORDERS)}")
    match = _one(request, "match", "auto")
    if match not in MATCH_MODES:
        raise BadRequest(f"match must be one of {', '.join(MATCH_MODES)}")
    limit = _int(request, "limit", 10, 1, MAX_PAGE_SIZE)
    page = _int(request, "page", 1, 1, MAX_DEPTH)
    if page * limit > MAX_DEPTH:
        raise BadRequest(f"pages reach at most hit {MAX_DEPTH:,}")
    since, until = _one(request, "since"), _one(request, "until")
    filters: dict[str, Any] = {}
    for name in MULTI:
        values = tuple(v for v in request.query_params.getlist(name) if v)
        if sum(map(len, values)) > MAX_QUERY_CHARS:
            raise BadRequest(f"{name} is too long")
        filters[name] = values
    return SearchRequest(
        text=text, since=parse_user_date(since) if since else None,
        until=parse_user_date(until, end=True) if until else None,
        sort=sort, page=page, page_size=limit, match=match, **filters,
    )


def create_app(index: Index, *, max_concurrent: int = MAX_CONCURRENT,
               request_seconds: float = REQUEST_SECONDS) -> Starlette:
    slots = threading.BoundedSemaphore(max_concurrent)

    async def answer(work: Callable[[], Any]) -> JSONResponse:
        if not slots.acquire(blocking=False):
            return JSONResponse({"error": "too many searches at once; try again"}, status_code=503)
        def run() -> Any:
            try:
                return work()
            finally:  # the slot is held until the search ends, even one that timed out
                slots.release()

        try:
            data = await asyncio.wait_for(asyncio.to_thread(run), timeout=request_seconds)
        except TimeoutError:
            return JSONResponse({"error": f"the search took over {request_seconds:g} s"}, status_code=503)
        except BadRequest as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except IndexBusyError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        except IndexMissingError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        except UserError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if isinstance(data, JSONResponse):
            return data
        return JSONResponse(data)

    async def search(request: Request) -> JSONResponse:
        def work() -> Any:
            return output.response_to_json(index.search(search_request(request)))

        return await answer(work)

    async def article(request: Request) -> JSONResponse:
        article_id = request.path_params["article_id"]

        def work() -> Any:
            found = index.article(article_id)
            if found is None:
                return JSONResponse({"error": f"no article with id {article_id[:200]!r}"}, status_code=404)
            return output.article_to_json(found)

        return await answer(work)

    async def stats(request: Request) -> JSONResponse:
        return await answer(lambda: output.stats_to_json(index.stats()))

    async def health(request: Request) -> JSONResponse:
        def work() -> Any:
            articles = index.stats().articles
            return {"status": "ok", "articles": articles, "sharded": index.sharded}

        return await answer(work)

    return Starlette(routes=[
        Route("/search", search),
        Route("/article/{article_id:path}", article),
        Route("/stats", stats),
        Route("/health", health),
    ])


def serve(index: Index, host: str = "127.0.0.1", port: int = 8080,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted."""
    import uvicorn

    config = uvicorn.Config(create_app(index), host=host, port=port, log_level="warning", access_log=False,
                            limit_concurrency=4 * MAX_CONCURRENT, timeout_keep_alive=5)
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready(f"http://{host}:{port}")
    server.run()
