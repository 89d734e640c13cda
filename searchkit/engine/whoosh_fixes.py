"""A fix for a Whoosh 2.7.4 slow path, applied once when the engine is imported.

`W3PerDocReader._cached_reader` caches the column readers it finds but not the
absence of one, so every posting of a field without a length column (ID, KEYWORD,
the spelling field) asks the filesystem again whether the column file exists: a
`stat()` per posting while a segment is written (a fifth of a Reuters build).
A segment's files never change once written, so remembering "no column" is safe.
"""

from __future__ import annotations

from whoosh.codec import whoosh3


def _cached_reader(self, fieldname, column):
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader
