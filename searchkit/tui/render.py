"""Hits and articles as Rich `Text`: archive text is appended as text, never parsed.

Every piece of article text goes through `safe.printable`, so markup-like content such
as `[bold]` and escape sequences are shown as they are, inert.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.text import Text

from ..models import Article, Hit, Span
from ..output import MATCH_STYLE, format_date, spans_to_text
from ..safe import printable

META_STYLE = "dim"
TITLE_STYLE = "bold"
CURRENT_MATCH_STYLE = "bold black on yellow"  # the match the reader jumped to
URL_STYLE = "underline"


def hit_text(hit: Hit) -> Text:
    """Two parts: a line of date · source · place and the title, then the snippet."""
    text = Text(no_wrap=False, end="")
    meta = " · ".join(part for part in (format_date(hit.date), hit.source, hit.place) if part)
    if meta:
        text.append(printable(meta, single_line=True), style=META_STYLE)
        text.append("  ")
    title = spans_to_text(hit.title_spans) if hit.title_spans else Text("(no title)")
    title.stylize(TITLE_STYLE)
    text.append_text(title)
    if hit.snippet:
        text.append("\n")
        text.append_text(spans_to_text(hit.snippet))
    return text


def article_header(article: Article, title: tuple[Span, ...]) -> Text:
    """The reader's heading: the title (matches marked), then what is known about it."""
    text = spans_to_text(title) if title else Text("(no title)")
    text.stylize(TITLE_STYLE)
    facts = [
        format_date(article.date),
        article.source,
        ", ".join(p for p in (article.place, *article.places) if p) or None,
        ("topics: " + ", ".join(article.topics)) if article.topics else None,
    ]
    text.append("\n")
    text.append(printable(" · ".join(f for f in facts if f), single_line=True), style=META_STYLE)
    text.append("\n")
    text.append(printable(article.id, single_line=True), style=META_STYLE)
    if article.url:
        text.append("\n")
        text.append(printable(article.url, single_line=True), style=URL_STYLE)
        text.append("  (o opens it)" if openable_url(article.url) else "  (not a web link: not opened)",
                    style=META_STYLE)
    return text


def citation(item: Hit | Article) -> str:
    """One line to paste into notes: title. Source, place, date. URL (or the id)."""
    facts = ", ".join(f for f in (item.source, item.place, format_date(item.date)) if f)
    line = f"{item.title or '(no title)'}." + (f" {facts}." if facts else "")
    line += f" {item.url}" if item.url else f" [{item.id}]"
    return printable(line, single_line=True)


def openable_url(url: str | None) -> str | None:
    """The URL if it is a web link fit to hand to a browser, else None: archive text
    decides nothing, so only http(s) with a host and no spaces or control characters."""
    if not url:
        return None
    url = url.strip()
    if printable(url, single_line=True) != url or " " in url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def body_text(body: tuple[Span, ...], current: int | None) -> tuple[Text, int]:
    """The article body with every match marked, match number `current` the most.

    Returns the text and how many matches it holds.
    """
    text = Text()
    number = 0
    for span in body:
        if not span.match:
            text.append(printable(span.text))
            continue
        style = CURRENT_MATCH_STYLE if number == current else MATCH_STYLE
        text.append(printable(span.text), style=style)
        number += 1
    return text, number
