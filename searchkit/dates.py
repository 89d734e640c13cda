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


# Words of relative dates, and Cyrillic: dates that dateutil cannot read (or misreads:
# "7 days ago" would be "the 7th, no year"), left to dateparser.
_WORDY = re.compile(r"\b(ago|yesterday|today|now|last|next|this|in)\b|[а-яё]", re.I)
_UNREADABLE = "use a date such as 2022-01-10, 'Jan 10 2022', 2022-01, 'yesterday' or '7 days ago'"


def parse_user_date(text: str, *, end: bool = False, now: datetime | None = None) -> datetime:
    """Parse a date a person typed ("2022-01-10", "Jan 10 2022", "2022-01", "2022",
    "yesterday", "last week", "7 days ago", "19 января 2022").

    With end=False, the start of the period named; with end=True, the first moment
    after it, so `--until 2022-01` includes all of January. `now`: what relative dates
    count from (the local time when not given).
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
    if _WORDY.search(raw):
        return _parse_words(raw, end=end, now=now)
    try:
        a = dateparser.parse(raw, default=_DEFAULT_A)
        b = dateparser.parse(raw, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        if not any(c.isalpha() for c in raw):  # "2022-13-45" is a mistake, not another order
            raise UserError(f"cannot read the date {raw!r}: {_UNREADABLE}") from None
        return _parse_words(raw, end=end, now=now)
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


def _parse_words(raw: str, *, end: bool, now: datetime | None) -> datetime:
    """Relative and Russian dates, by dateparser (imported only here: it costs a fifth
    of a second, which a query without such a date never pays)."""
    from dateparser.date import DateDataParser
    from dateutil.relativedelta import relativedelta

    settings: dict = {"RETURN_TIME_AS_PERIOD": True, "PREFER_DATES_FROM": "past"}
    if now is not None:
        settings["RELATIVE_BASE"] = now
    try:
        data = DateDataParser(languages=["en", "ru"], settings=settings).get_date_data(raw)
    except (ValueError, OverflowError, TypeError):
        data = None
    if data is None or data.date_obj is None:
        raise UserError(f"cannot read the date {raw!r}: {_UNREADABLE}")
    found = to_naive_utc(data.date_obj)
    step: relativedelta
    if data.period == "year":
        start, step = datetime(found.year, 1, 1), relativedelta(years=1)
    elif data.period == "month":
        start, step = datetime(found.year, found.month, 1), relativedelta(months=1)
    elif data.period == "time":  # "now", "2 hours ago": that moment
        start, step = found, relativedelta()
    else:  # a day; "last week" is the day a week ago
        start, step = datetime(found.year, found.month, found.day), relativedelta(days=1)
    return start + step if end else start
