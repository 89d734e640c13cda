"""JSON Lines: one article per line, optionally gzip or xz compressed.

Keys are matched loosely, since every feed names them its own way:
date/date_published/published, source, place, title, body/description/content/text, url/link, id.
"""

from __future__ import annotations

import gzip
import io
import json
import lzma
from collections.abc import Iterator
from pathlib import Path

from ..dates import parse_archive_date
from ..models import Article, ReadProblem
from .files import UnreadableFile, looks_binary
from .text import lead_sentence, strip_html, tidy

EXTENSIONS = (".jsonl", ".jsonl.gz", ".jsonl.xz", ".ndjson")

_DATE_KEYS = ("date", "date_published", "published", "pubDate", "timestamp")
_BODY_KEYS = ("body", "description", "content", "text", "summary")
_URL_KEYS = ("url", "link")
_TOPIC_KEYS = ("topics", "tags", "categories", "topic")


def _open(path: Path,
          encoding: str | None = None) -> io.TextIOWrapper[gzip.GzipFile | lzma.LZMAFile | io.BufferedReader]:
    name = path.name.lower()
    # The caller closes the text wrapper, which closes these.
    raw: gzip.GzipFile | lzma.LZMAFile | io.BufferedReader
    if name.endswith(".gz"):
        raw = gzip.open(path, "rb")  # noqa: SIM115
    elif name.endswith(".xz"):
        raw = lzma.open(path, "rb")  # noqa: SIM115
    else:
        raw = open(path, "rb")  # noqa: SIM115
    # JSON is UTF-8 by its standard; a collection may still name another encoding.
    return io.TextIOWrapper(raw, encoding=encoding or "utf-8", errors="replace", newline="\n")


def _first(record: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _text(value: object) -> str:
    if isinstance(value, list):
        value = "\n\n".join(str(v) for v in value if v is not None)
    return tidy(strip_html(str(value))) if value is not None else ""


def _topics(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list):
        return tuple(t for t in (str(v).strip() for v in value) if t)
    return ()


def record_to_article(record: dict, rel: str, line_no: int) -> Article | None:
    """One decoded JSON object to an Article; None when it holds no text at all."""
    title = _text(record.get("title"))
    body = _text(_first(record, _BODY_KEYS))
    if not title and not body:
        return None
    source = record.get("source") or record.get("publisher")
    if isinstance(source, dict):  # {"name": "..."} as some feeds nest it
        source = source.get("name")
    place = record.get("place") or record.get("dateline")
    url = _first(record, _URL_KEYS)
    return Article(
        id=f"{rel}#{line_no}",
        path=rel,
        body=body,
        title=title or lead_sentence(body),
        source=tidy(str(source)) or None if source else None,
        date=parse_archive_date(str(_first(record, _DATE_KEYS) or "")),
        place=tidy(str(place)) or None if place else None,
        topics=_topics(_first(record, _TOPIC_KEYS)),
        url=str(url) if url else None,
    )


def read(path: Path, rel: str, encoding: str | None = None) -> Iterator[Article | ReadProblem]:
    try:
        stream = _open(path, encoding)
        with stream:
            # Judge the file by its first block, not its first line: one broken line
            # at the top must not cost the records after it.
            if looks_binary(stream.buffer.peek(8192)[:8192], records=True):
                raise UnreadableFile("binary file, not JSON Lines")
            for line_no, line in enumerate(stream, start=1):
                if line_no == 1:
                    line = line.lstrip("\ufeff")
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    # Not only JSONDecodeError: an over-long integer is a plain ValueError.
                    reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                    yield ReadProblem(rel, f"not valid JSON ({reason})", line=line_no)
                    continue
                if not isinstance(record, dict):
                    yield ReadProblem(rel, "not a JSON object", line=line_no)
                    continue
                article = record_to_article(record, rel, line_no)
                if article is None:
                    yield ReadProblem(rel, "record has no title or text", line=line_no)
                else:
                    yield article
    except (OSError, EOFError, lzma.LZMAError) as exc:
        # A truncated or corrupt compressed stream: what came before it is kept.
        message = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        yield ReadProblem(rel, f"cannot read the rest of the file: {message}")
