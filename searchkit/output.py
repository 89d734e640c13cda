"""Turning responses into what the CLI prints: JSON for scripts, text for people."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Rich is imported where text is drawn: `--json` never loads it
    from rich.console import Console
    from rich.text import Text

from .models import Article, FacetCount, Hit, IndexCheck, IndexStats, ReindexSummary, SearchResponse, Span
from .safe import printable

JSON_FACETS = ("source", "place", "month")  # the --json contract (README, "JSON output")
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


def hit_to_json(hit: Hit) -> dict:
    return {
        "id": hit.id,
        "path": hit.path,
        "date": format_date(hit.date),
        "source": hit.source,
        "place": hit.place,
        "title": hit.title,
        "score": hit.score,
        "snippet": spans_to_html(hit.snippet),
    }


def response_to_json(response: SearchResponse) -> dict:
    return {
        "query": response.request.text,
        "total": response.total,
        "took_ms": response.took_ms,
        "hits": [hit_to_json(h) for h in response.hits],
        "facets": _facets_json(response.facets),
        "suggestion": response.suggestion,
        "matched": response.matched,
        # Only a sharded archive missing shards says so (the keys are absent otherwise).
        **({"partial": True, "missing_shards": list(response.missing_shards)} if response.partial else {}),
    }


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
    from rich.text import Text

    request = response.request
    if response.partial:
        shards = ", ".join(str(k) for k in response.missing_shards)
        console.print(Text(f"warning: partial answer, shards missing: {shards}", style="bold red"))
    if response.matched == "any" and response.total:
        console.print(Text("No article holds all the words; these hold some of them.", style="italic"))
        console.print()
    offset = (request.page - 1) * request.page_size
    for number, hit in enumerate(response.hits, start=offset + 1):
        line = Text(f"{number:>3}. ", style="bold")
        line.append_text(_meta_line(hit.date, hit.source, hit.place))
        console.print(line)
        console.print(Text("     ") + Text(printable(hit.title, single_line=True), style="bold"))
        console.print(Text("     ") + spans_to_text(hit.snippet))
        console.print(Text(f"     {printable(hit.id, single_line=True)}", style="dim"))
        console.print()
    summary = f"{response.total:,} hit{'s' if response.total != 1 else ''} in {response.took_ms:.1f} ms"
    if response.total > request.page_size:
        summary += f"  (page {request.page} of {response.pages:,})"
    console.print(Text(summary, style="bold"))
    if response.suggestion:
        console.print(Text("did you mean: ", style="bold") + Text(printable(response.suggestion), style="italic"))
    for name in ("source", "place", "topic", "month"):
        values = response.facets.get(name, ())
        if not values:
            continue
        line = Text(f"{name}: ", style="bold")
        for i, facet in enumerate(values[:8]):
            if i:
                line.append(" · ")
            line.append(printable(facet.value, single_line=True))
            line.append(f" {facet.count:,}", style="dim")
        if len(values) > 8:
            line.append(f" · +{len(values) - 8} more", style="dim")
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
