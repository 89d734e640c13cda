"""Turning responses into what the CLI prints: JSON for scripts, text for people."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # Rich is imported where text is drawn: `--json` never loads it
    from rich.console import Console
    from rich.text import Text

from .models import Article, FacetCount, Hit, IndexCheck, IndexStats, ReindexSummary, SearchResponse, Span
from .safe import printable

JSON_FACETS = ("source", "place", "topic", "year", "month")  # the --json contract (README, "JSON output")
FORMATS = ("text", "json", "jsonl", "csv", "ids", "paths")
CSV_COLUMNS = ("id", "path", "date", "source", "place", "title", "score", "topics", "url")
MATCH_STYLE = "bold yellow"


def format_date(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.hour == value.minute == value.second == value.microsecond == 0:
        return value.date().isoformat()
    return value.isoformat(timespec="seconds")


def spans_to_html(spans: tuple[Span, ...]) -> str:
    """HTML-escaped text with each match wrapped in <em>…</em>."""
    return "".join(
        f"<em>{html.escape(s.text, quote=False)}</em>" if s.match else html.escape(s.text, quote=False)
        for s in spans
    )


def spans_to_text(spans: tuple[Span, ...], *, single_line: bool = True) -> Text:
    """A Rich Text with the matches styled; archive text is never parsed as markup."""
    from rich.text import Text

    text = Text()
    for s in spans:
        text.append(printable(s.text, single_line=single_line), style=MATCH_STYLE if s.match else None)
    return text


def _facets_json(facets: dict[str, tuple[FacetCount, ...]]) -> dict:
    return {
        name: [{"value": f.value, "count": f.count} for f in facets.get(name, ())]
        for name in JSON_FACETS
    }


def hit_to_json(hit: Hit, collection: str | None = None) -> dict:
    out = {
        "id": hit.id,
        "path": hit.path,
        "date": format_date(hit.date),
        "source": hit.source,
        "place": hit.place,
        "title": hit.title,
        "score": hit.score,
        "snippet": spans_to_html(hit.snippet),
        "topics": list(hit.topics),
        "url": hit.url,
    }
    if collection is not None:  # several collections searched at once
        out["collection"] = collection
    return out


def response_to_json(response: SearchResponse, collections: Sequence[str] = (), *,
                     every: bool = False) -> dict:
    """The --json object; `collections` names each hit's collection (several searched);
    `every`: the hits are all of them (--all), not one page."""
    names: Sequence[str | None] = collections or [None] * len(response.hits)
    return {
        "query": response.request.text,
        "total": response.total,
        "took_ms": response.took_ms,
        "page": None if every else response.request.page,
        "limit": None if every else response.request.page_size,
        "hits": [hit_to_json(h, n) for h, n in zip(response.hits, names)],
        "facets": _facets_json(response.facets),
        "suggestion": response.suggestion,
        "matched": response.matched,
        # Only a sharded archive missing shards says so (the keys are absent otherwise).
        **({"partial": True, "missing_shards": list(response.missing_shards)} if response.partial else {}),
    }


FACETS_SHOWN = 8  # values of each facet a person sees under the hits, by default


class HitWriter:
    """Writes a search's hits in one of FORMATS, page by page as they arrive
    (`--all` streams pages; everything but text and json is written at once)."""

    def __init__(self, fmt: str, out: IO[str], *, console: Console | None = None, print0: bool = False,
                 collections: bool = False, every: bool = False, more_like: str | None = None,
                 facets_shown: int | None = FACETS_SHOWN) -> None:
        self.fmt, self.out, self.console = fmt, out, console
        self.more_like = more_like
        self.facets_shown = facets_shown  # values per facet in text (None: all there are)
        self.every = every
        self.end = "\0" if print0 else "\n"
        self.collections = collections
        self._json_hits: list[dict] = []
        self._seen_paths: set[str] = set()
        self._csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None

    def start(self, response: SearchResponse) -> None:
        if self._csv is not None:
            self._csv.writerow((("collection",) if self.collections else ()) + CSV_COLUMNS)
        elif self.fmt == "text" and self.console is not None:
            print_notice(self.console, response)

    def hits(self, hits: Sequence[Hit], offset: int, names: Sequence[str] = ()) -> None:
        named: Sequence[str | None] = names or [None] * len(hits)
        if self.fmt == "text" and self.console is not None:
            print_hits(self.console, hits, offset, named)
        elif self.fmt == "json":
            self._json_hits.extend(hit_to_json(h, n) for h, n in zip(hits, named))
        elif self.fmt == "jsonl":
            for h, n in zip(hits, named):
                self.out.write(json.dumps(hit_to_json(h, n), ensure_ascii=True) + "\n")
        elif self._csv is not None:
            for h, n in zip(hits, named):
                row = [h.id, h.path, format_date(h.date) or "", h.source or "", h.place or "", h.title,
                       h.score, ";".join(h.topics), h.url or ""]
                self._csv.writerow(([n or ""] if self.collections else []) + row)
        elif self.fmt == "ids":
            for h in hits:
                self.out.write(h.id + self.end)
        elif self.fmt == "paths":  # each file once: a JSON Lines file holds many articles
            for h in hits:
                if h.path not in self._seen_paths:
                    self._seen_paths.add(h.path)
                    self.out.write(h.path + self.end)
        self.out.flush()

    def finish(self, response: SearchResponse, shown: int) -> None:
        if self.fmt == "json":
            data = response_to_json(response, every=self.every)
            data["hits"] = self._json_hits
            if self.more_like is not None:  # the article the hits are like (`query` is empty)
                data["more_like"] = self.more_like
            self.out.write(dumps(data) + "\n")
        elif self.fmt == "text" and self.console is not None:
            print_summary(self.console, response, every=self.every, facets_shown=self.facets_shown)
        self.out.flush()


def article_to_json(article: Article) -> dict:
    return {
        "id": article.id,
        "path": article.path,
        "date": format_date(article.date),
        "source": article.source,
        "place": article.place,
        "places": list(article.places),
        "topics": list(article.topics),
        "url": article.url,
        "title": article.title,
        "body": article.body,
    }


def dumps(data: dict) -> str:
    # ensure_ascii keeps every control character escaped (\u001b), so the JSON is
    # safe to print to a terminal as well as to parse.
    return json.dumps(data, ensure_ascii=True, indent=2)


def _meta_line(date: datetime | None, source: str | None, place: str | None) -> Text:
    from rich.text import Text

    parts = [format_date(date) or "(no date)", source or "", place or ""]
    return Text("  ".join(printable(p, single_line=True) for p in parts if p), style="cyan")


def print_response(console: Console, response: SearchResponse) -> None:
    request = response.request
    print_notice(console, response)
    print_hits(console, response.hits, (request.page - 1) * request.page_size)
    print_summary(console, response)


def print_notice(console: Console, response: SearchResponse) -> None:
    from rich.text import Text

    if response.partial:
        shards = ", ".join(str(k) for k in response.missing_shards)
        console.print(Text(f"warning: partial answer, shards missing: {shards}", style="bold red"))
    if response.matched == "any" and response.total:
        console.print(Text("No article holds all the words; these hold some of them.", style="italic"))
        console.print()


INDENT = 5  # hits are numbered "  1. "; what follows the number lines up under it


def print_hits(console: Console, hits: Sequence[Hit], offset: int,
               collections: Sequence[str | None] = ()) -> None:
    from rich.text import Text

    names = collections or [None] * len(hits)
    for number, (hit, name) in enumerate(zip(hits, names), start=offset + 1):
        line = Text(f"{number:>3}. ", style="bold")
        line.append_text(_meta_line(hit.date, hit.source, hit.place))
        if name:
            line.append(f"  [{printable(name, single_line=True)}]", style="magenta")
        console.print(line)
        title = Text(printable(hit.title, single_line=True), style="bold")
        for part, one_line in ((title, True), (spans_to_text(hit.snippet), False),
                               (Text(printable(hit.id, single_line=True), style="dim"), False)):
            _print_indented(console, part, one_line=one_line)
        console.print()


def _print_indented(console: Console, text: Text, *, one_line: bool) -> None:
    """`text` under the title's column. On a terminal a title is cut to one line with an
    ellipsis, and other text wraps with a hanging indent; piped, lines are never wrapped."""
    from rich.text import Text

    indent = Text(" " * INDENT)
    if console.soft_wrap:
        console.print(indent + text)
        return
    width = max(10, console.width - INDENT)
    if one_line:
        text = text.copy()
        text.truncate(width, overflow="ellipsis")
        console.print(indent + text)
        return
    for line in text.wrap(console, width):
        line.rstrip()
        console.print(indent + line)


def print_summary(console: Console, response: SearchResponse, *, every: bool = False,
                  facets_shown: int | None = FACETS_SHOWN) -> None:
    """The count, did-you-mean, and the facets: `facets_shown` values of each (None: every
    value the response lists), then how many more there are."""
    from rich.text import Text

    request = response.request
    summary = f"{response.total:,} hit{'s' if response.total != 1 else ''} in {response.took_ms:.1f} ms"
    if response.total > request.page_size and not every:
        summary += f"  (page {request.page} of {response.pages:,})"
    console.print(Text(summary, style="bold"))
    if response.suggestion:
        console.print(Text("did you mean: ", style="bold") + Text(printable(response.suggestion), style="italic"))
    for name in ("source", "place", "topic", "year", "month"):
        values = response.facets.get(name, ())
        if not values:
            continue
        line = Text(f"{name}: ", style="bold")
        shown = values if facets_shown is None else values[:facets_shown]
        for i, facet in enumerate(shown):
            if i:
                line.append(" · ")
            line.append(printable(facet.value, single_line=True))
            line.append(f" {facet.count:,}", style="dim")
        more = max(response.facet_sizes.get(name, len(values)), len(values)) - len(shown)
        if more > 0:
            line.append(f"{' · ' if shown else ''}+{more:,} more (--facets all)", style="dim")
        console.print(line)


def print_article(console: Console, article: Article) -> None:
    from rich.text import Text

    console.print(_meta_line(article.date, article.source, article.place))
    console.print(Text(printable(article.title, single_line=True), style="bold"))
    extra = []
    if article.places:
        extra.append("places: " + ", ".join(article.places))
    if article.topics:
        extra.append("topics: " + ", ".join(article.topics))
    if article.url:
        extra.append(article.url)
    extra.append(f"{article.id}  ({article.path})")
    for line in extra:
        console.print(Text(printable(line, single_line=True), style="dim"))
    console.print()
    console.print(Text(printable(article.body)))


def reindex_summary_line(summary: ReindexSummary) -> str:
    files = f"{summary.new:,} new, {summary.changed:,} changed, {summary.removed:,} removed"
    if summary.retried:
        files += f", {summary.retried:,} read again"
    if summary.full:
        files = f"full rebuild of {summary.new:,} file{'s' if summary.new != 1 else ''}"
    return (
        f"indexed {summary.articles:,} articles ({files}, {summary.skipped:,} skipped) "
        f"in {summary.seconds:.1f} s"
    )


def check_line(report: IndexCheck) -> str:
    size = _human_bytes(report.bytes)
    if report.whole:
        return (f"the index at {printable(report.index_dir, single_line=True)} is whole: {report.articles:,} "
                f"articles, {report.files} files ({size}) read and checked")
    return (f"the index at {printable(report.index_dir, single_line=True)} is damaged: "
            f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}; "
            "run `searchkit reindex --full` to rebuild it")


def check_to_json(report: IndexCheck) -> dict:
    return {"index": report.index_dir, "whole": report.whole, "articles": report.articles,
            "files": report.files, "bytes": report.bytes, "problems": list(report.problems)}


def stats_to_json(stats: IndexStats) -> dict:
    return {
        "articles": stats.articles,
        "sources": stats.sources,
        "places": stats.places,
        "first_date": format_date(stats.first_date),
        "last_date": format_date(stats.last_date),
        "size_bytes": stats.size_bytes,
        "updated": stats.updated.isoformat() if stats.updated else None,
        "index": stats.index_dir,
        "archive": stats.archive_dir,
        "top_sources": [{"value": f.value, "count": f.count} for f in stats.top_sources],
    }


def print_stats(console: Console, stats: IndexStats) -> None:
    from rich.text import Text

    rows = [
        ("articles", f"{stats.articles:,}"),
        ("sources", f"{stats.sources:,}"),
        ("places", f"{stats.places:,}"),
        ("dates", f"{format_date(stats.first_date) or '-'} … {format_date(stats.last_date) or '-'}"),
        ("index size", _human_bytes(stats.size_bytes)),
        ("updated", f"{stats.updated.isoformat(sep=' ')} UTC" if stats.updated else "-"),
        ("index", stats.index_dir),
        ("archive", stats.archive_dir or "-"),
    ]
    for label, value in rows:
        console.print(Text(f"{label:>11}  ", style="bold") + Text(printable(value, single_line=True)))
    if stats.top_sources:
        tops = " · ".join(f"{printable(f.value, single_line=True)} {f.count:,}" for f in stats.top_sources)
        console.print(Text(f"{'top sources':>11}  ", style="bold") + Text(tops))


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"
