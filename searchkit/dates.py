"""Dates as archives and people write them, normalised to naive UTC."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

from .errors import UserError

# Two defaults that differ in every component: whatever a parse leaves
# unchanged between them is what the text actually said.
_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)
_YEAR_ONLY = re.compile(r"^\s*(\d{4})\s*$")
_BROKEN_TIME = re.compile(r"^(\d{1,2}-[A-Za-z]{3}-\d{4})\b")
# Reuters' "26-FEB-1987 15:01:01.79", read without strptime (a tenth of its cost).
_REUTERS = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_archive_date(text: str | None) -> datetime | None:
    """Parse a date found in an article; None when it cannot be read."""
    if not text or not text.strip():
        return None
    text = text.strip()
    # The shapes archives use most, without dateutil's cost (~100 µs a call, and
    # 25 ms to import: it is imported only when needed, off the cold query path).
    try:
        return to_naive_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    reuters = _REUTERS.match(text)
    if reuters:
        day, month, year, hour, minute, second, fraction = reuters.groups()
        try:
            return datetime(int(year), _MONTHS.get(month.lower(), 0), int(day), int(hour), int(minute),
                            int(second), int((fraction or "0").ljust(6, "0")))
        except ValueError:
            pass
    from dateutil import parser as dateparser
    from dateutil.parser import UnknownTimezoneWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownTimezoneWarning)
            return to_naive_utc(dateparser.parse(text))
    except (ValueError, OverflowError, TypeError):
        pass
    # Reuters has "31-MAR-1987 605:12:19.12": keep the day, drop the broken time.
    m = _BROKEN_TIME.match(text)
    if m:
        try:
            return dateparser.parse(m.group(1))
        except (ValueError, OverflowError):
            return None
    return None


def parse_user_date(text: str, *, end: bool = False) -> datetime:
    """Parse a date a person typed ("2022-01-10", "Jan 10 2022", "2022-01", "2022").

    With end=False, the start of the period named; with end=True, the first moment
    after it, so `--until 2022-01` includes all of January.
    """
    from dateutil import parser as dateparser
    from dateutil.relativedelta import relativedelta

    raw = text.strip()
    if not raw:
        raise UserError("empty date: give a date such as 2022-01-10, 'Jan 10 2022' or 2022-01")
    year_only = _YEAR_ONLY.match(raw)
    if year_only:
        start = datetime(int(year_only.group(1)), 1, 1)
        return start + relativedelta(years=1) if end else start
    try:
        a = dateparser.parse(raw, default=_DEFAULT_A)
        b = dateparser.parse(raw, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        raise UserError(
            f"cannot read the date {raw!r}: use a date such as 2022-01-10, 'Jan 10 2022' or 2022-01"
        ) from None
    if a.tzinfo is not None:
        a, b = to_naive_utc(a), to_naive_utc(b)
    if a.year != b.year:
        # "Jan 10": no year given, which is more likely a mistake than this year.
        raise UserError(f"the date {raw!r} has no year: add one, e.g. 'Jan 10 2022'")
    if a.month != b.month:  # only a year (in some other spelling)
        start = datetime(a.year, 1, 1)
        step: relativedelta | timedelta = relativedelta(years=1)
    elif a.day != b.day:  # a month
        start = datetime(a.year, a.month, 1)
        step = relativedelta(months=1)
    elif a.hour != b.hour:  # a day
        start = datetime(a.year, a.month, a.day)
        step = relativedelta(days=1)
    else:  # a moment
        start, step = a, timedelta(0)
    return start + step if end else start
