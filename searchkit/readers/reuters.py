"""Reuters-21578 SGML (.sgm): <REUTERS> records, latin-1, not valid XML.

Parsed leniently with regular expressions, so a truncated file still gives every
record that is whole.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

from ..dates import parse_archive_date
from ..models import Article, ReadProblem
from .files import read_text
from .text import tidy

EXTENSIONS = (".sgm", ".sgml")
# The DTD shipped beside the .sgm files of Reuters-21578: it marks the distribution's folder,
# whose .txt files are documentation and word lists, not wire text.
DISTRIBUTION_MARKER = "lewis.dtd"

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S | re.I)
_OPENING = re.compile(r"<REUTERS\b", re.I)
_ATTR_NEWID = re.compile(r'NEWID="(\d+)"', re.I)
_D = re.compile(r"<D>(.*?)</D>", re.S | re.I)
_TRAILER = re.compile(r"\s*Reuter\s*$", re.I)
# "SALVADOR, Feb 26 - " / "NEW YORK, March 3 - "
_DATELINE_PLACE = re.compile(r"^\s*([^,]+?)\s*,")


_TAGS = {name: re.compile(rf"<{name}\b[^>]*>(.*?)</{name}>", re.S | re.I)
         for name in ("TITLE", "BODY", "TEXT", "DATE", "DATELINE", "PLACES", "TOPICS")}


def _tag(record: str, name: str) -> str | None:
    m = _TAGS[name].search(record)
    return m.group(1) if m else None


def _clean(value: str | None) -> str:
    return tidy(html.unescape(value)) if value else ""


def _list(record: str, name: str) -> tuple[str, ...]:
    inner = _tag(record, name)
    return tuple(_clean(d) for d in _D.findall(inner)) if inner else ()


def read(path: Path, rel: str, encoding: str | None = None) -> Iterator[Article | ReadProblem]:
    # Reuters-21578 is latin-1 (its few 8-bit bytes are Western letters): no detection.
    decoded = read_text(path, encoding, fallback="latin-1")
    if decoded.warning:
        yield ReadProblem(rel, decoded.warning, skipped=False)
    yield from parse(decoded.text, rel)


def parse(text: str, rel: str) -> Iterator[Article | ReadProblem]:
    whole = 0
    line_no, counted_to = 1, 0
    for m in _RECORD.finditer(text):
        whole += 1
        attrs, record = m.group(1), m.group(2)
        line_no += text.count("\n", counted_to, m.start())
        counted_to = m.start()
        newid_match = _ATTR_NEWID.search(attrs)
        newid = newid_match.group(1) if newid_match else str(whole)
        title = _clean(_tag(record, "TITLE"))
        body = _TRAILER.sub("", _clean(_tag(record, "BODY")))
        if not body and not title:
            # TYPE="UNPROC" stories keep raw text straight inside <TEXT>.
            raw = _tag(record, "TEXT") or ""
            body = _TRAILER.sub("", _clean(re.sub(r"<[^>]+>", " ", raw)))
        if not body and not title:
            yield ReadProblem(rel, f"record NEWID={newid} has no title or text", line=line_no)
            continue
        raw_date = _clean(_tag(record, "DATE"))
        date = parse_archive_date(raw_date)
        if date is None:
            yield ReadProblem(rel, f"record NEWID={newid}: unreadable date {raw_date!r}",
                              line=line_no, skipped=False)
        dateline = _clean(_tag(record, "DATELINE"))
        place_match = _DATELINE_PLACE.match(dateline)
        place = " ".join(place_match.group(1).upper().split()) if place_match else None
        yield Article(
            id=f"{rel}#{newid}",
            path=rel,
            body=body,
            title=title or body.split("\n", 1)[0][:200],
            source="Reuters",
            date=date,
            place=place,
            places=_list(record, "PLACES"),
            topics=_list(record, "TOPICS"),
        )
    opened = len(_OPENING.findall(text))
    if opened > whole:
        yield ReadProblem(rel, f"{opened - whole} record(s) not closed (truncated file?)")
