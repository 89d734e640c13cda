"""Errors a person can cause and fix; the CLI prints them as one line and exits 2."""


class UserError(Exception):
    """A mistake in what was asked (bad date, bad query, missing archive...)."""


class QueryError(UserError):
    """The query text could not be understood."""


class QueryTimeout(QueryError):
    """A query ran past its time budget and was stopped (it is too broad, not the index broken)."""


class IndexMissingError(UserError):
    """There is no index yet where one was expected."""


class IndexDamagedError(UserError):
    """The index exists but cannot be read."""


class IndexBusyError(UserError):
    """Another reindex holds the lock."""


class NotAnIndexError(UserError):
    """The index folder holds something that is not a searchkit index: never written to."""
