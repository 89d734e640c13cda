"""Wire text: one article per .txt file, the shape of the shipped seeds.

     date 2022-01-19 MOSCOW, January 19. /TASS/. The peacekeepers of the ...

A leading `date` and ISO date, then a dateline `PLACE, Month D. /SOURCE/.` (the place
may carry a region: `IGORA /Leningrad Region/,`), then the body. Russian wire copy has
the same shape in Cyrillic, the day first: `МОСКВА, 19 января. /ТАСС/.`. A dateline that
names the year (`January 19, 2022`) gives the date when there is no `date` header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ..dates import parse_archive_date
from ..models import Article, ReadProblem
from .files import read_text
from .text import lead_sentence, tidy

EXTENSIONS = (".txt",)

_DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>\S+)\s+", re.I)
_UPPER = "A-ZА-ЯЁ"  # datelines are in capitals, Latin or Cyrillic
_PLACE = rf"(?P<place>[{_UPPER}][{_UPPER}0-9 .'’&()-]{{0,60}}?)"
# English "January 19" / "Jan. 5", Russian "19 января"; a year may follow ("January 19, 2022").
_WHEN = r"(?P<when>[A-Z][a-z]{2,9}\.?\s+\d{1,2}|\d{1,2}\s+[а-яё]{3,9})(?:,?\s+(?P<year>\d{4})(?:\s*г)?)?"
_DATELINE = re.compile(
    rf"""^{_PLACE}\s*
        (?:/(?P<region>[^/\n]{{1,60}})/\s*)?
        ,\s*{_WHEN}\s*\.?\s*
        /(?P<source>[^/\n]{{1,40}})/\s*\.?\s*""",
    re.X,
)
# A dateline without the date: "MOSCOW /TASS/. "
_SHORT_DATELINE = re.compile(
    rf"^{_PLACE}\s*(?:/(?P<region>[^/\n]{{1,60}})/\s*)?,?\s*"
    r"/(?P<source>[^/\n]{1,40})/\s*\.?\s*"
)
_RU_MONTHS = {stem: i for i, stem in enumerate(
    ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"),
    start=1)}


def _dateline_date(when: str, year: str | None) -> datetime | None:
    """The date a dateline gives, when it names the year (wire datelines usually do not)."""
    if not year:
        return None
    day_first = re.match(r"(\d{1,2})\s+([а-яё]+)", when)
    if day_first:
        word = day_first.group(2)
        # "мая" is May; every other month's stem is at least four letters.
        month = next((n for stem, n in _RU_MONTHS.items() if len(stem) > 2 and word.startswith(stem)),
                     5 if word in ("мая", "май") else None)
        if month is None:
            return None
        try:
            return datetime(int(year), month, int(day_first.group(1)))
        except ValueError:
            return None
    return parse_archive_date(f"{when} {year}")


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
        if date is None and "when" in dateline.groupdict():
            date = _dateline_date(dateline.group("when"), dateline.group("year"))
            if date is not None and not m:
                problems.remove("no 'date' header")
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
