"""Wire text: one article per .txt file, the shape of the shipped seeds.

     date 2022-01-19 MOSCOW, January 19. /TASS/. The peacekeepers of the ...

A leading `date` and ISO date, then a dateline `PLACE, Month D. /SOURCE/.` (the place
may carry a region: `IGORA /Leningrad Region/,`), then the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..dates import parse_archive_date
from ..models import Article, ReadProblem
from .files import read_text
from .text import lead_sentence, tidy

EXTENSIONS = (".txt",)

_DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>\S+)\s+", re.I)
_DATELINE = re.compile(
    r"""^(?P<place>[A-Z][A-Z0-9 .'’&()-]{0,60}?)\s*
        (?:/(?P<region>[^/\n]{1,60})/\s*)?
        ,\s*(?P<when>[A-Z][a-z]{2,9}\.?\s+\d{1,2})\s*\.?\s*
        /(?P<source>[^/\n]{1,40})/\s*\.?\s*""",
    re.X,
)
# A dateline without the date: "MOSCOW /TASS/. "
_SHORT_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z0-9 .'’&()-]{0,60}?)\s*(?:/(?P<region>[^/\n]{1,60})/\s*)?,?\s*"
    r"/(?P<source>[^/\n]{1,40})/\s*\.?\s*"
)


def read(path: Path, rel: str, encoding: str | None = None) -> Iterator[Article | ReadProblem]:
    decoded = read_text(path, encoding)
    if decoded.warning:
        yield ReadProblem(rel, decoded.warning, skipped=False)
    yield from parse(decoded.text, rel)


def parse(text: str, rel: str) -> Iterator[Article | ReadProblem]:
    text = text.lstrip("\ufeff")
    problems: list[str] = []
    date = None
    m = _DATE_PREFIX.match(text)
    if m:
        date = parse_archive_date(m.group("date"))
        if date is None:
            problems.append(f"unreadable date {m.group('date')!r}")
        text = text[m.end():]
    else:
        problems.append("no 'date' header")

    place = region = source = None
    dateline = _DATELINE.match(text) or _SHORT_DATELINE.match(text)
    if dateline:
        place = " ".join(dateline.group("place").split()) or None
        region = dateline.group("region")
        source = dateline.group("source").strip() or None
        text = text[dateline.end():]
    else:
        problems.append("no dateline (PLACE, Month D. /SOURCE/.)")

    body = tidy(text)
    if not body:
        yield ReadProblem(rel, "no article text")
        return
    for message in problems:
        yield ReadProblem(rel, message + "; indexed with what could be read", skipped=False)
    yield Article(
        id=rel,
        path=rel,
        body=body,
        title=lead_sentence(body),
        source=source,
        date=date,
        place=place,
        places=(region.strip(),) if region and region.strip() else (),
    )
