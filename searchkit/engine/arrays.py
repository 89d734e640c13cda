"""The file format of searchkit's index data: named NumPy arrays in one file, memory-mapped.

    magic (8 bytes) | header length (8) | header CRC-32 (8) | header (JSON) | arrays

The header names each array with its dtype, offset, length and CRC-32, and for an array
over `BLOCK_BYTES` a CRC-32 of each block of it; every array starts on a 64-byte
boundary. Opening a file maps it and reads the header: the arrays are views of the
mapping, so opening costs the same whatever the file's size, and pages are read from
disk only as queries touch them. Files are written once and never changed.

Nothing is used before it is checked: small arrays when the file is opened, a large
one block by block as reads first reach each block (`whole`, `range`, `take`, `raw`).
A file whose header, extents or checksums do not add up raises `DamagedFile`, naming
the file and what failed: the caller reports the index as damaged and never answers
from it.
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import zlib
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

import numpy as np

MAGIC = b"SKARRAY1"
ALIGN = 64
BLOCK_BYTES = 1 << 18  # large arrays are checked in blocks of this size, as they are read
CHECK_ON_OPEN_BYTES = BLOCK_BYTES  # arrays up to this size are checked when opened
_PREFIX = len(MAGIC) + 16


class DamagedFile(Exception):
    """An index file that cannot be read as written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{Path(path).name}: {reason}")
        self.path = Path(path)
        self.reason = reason


class FormatMismatch(DamagedFile):
    """An index file written whole, by a searchkit that lays its files out differently."""


def _block_crcs(raw: memoryview) -> list[int] | None:
    if len(raw) <= BLOCK_BYTES:
        return None
    return [zlib.crc32(raw[i:i + BLOCK_BYTES]) for i in range(0, len(raw), BLOCK_BYTES)]


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, object] | None = None) -> int:
    """Write `arrays` (1-D, any numeric dtype) and `meta` (JSON) to `path`; returns bytes written."""
    entries: dict[str, list] = {}
    offset = 0
    contiguous: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        data = np.ascontiguousarray(array)
        if data.ndim != 1:
            raise ValueError(f"array {name!r} is not one-dimensional")
        offset = _aligned(offset)
        raw = data.data.cast("B")
        entries[name] = [data.dtype.str, offset, int(data.shape[0]), zlib.crc32(raw), _block_crcs(raw)]
        contiguous[name] = data
        offset += data.nbytes
    header = json.dumps({"arrays": entries, "meta": dict(meta or {})}, separators=(",", ":")).encode()
    start = _aligned(_PREFIX + len(header))
    with open(path, "wb") as fh:
        fh.write(MAGIC + len(header).to_bytes(8, "little") + zlib.crc32(header).to_bytes(8, "little") + header)
        fh.write(b"\0" * (start - fh.tell()))
        for name, data in contiguous.items():
            position = start + entries[name][1]
            fh.write(b"\0" * (position - fh.tell()))
            fh.write(data.data.cast("B"))
        fh.flush()
        os.fsync(fh.fileno())
        return fh.tell()


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


class _Entry:
    """One array of a file: where it is, and which of its blocks have been checked."""

    __slots__ = ("blocks", "checked", "count", "crc", "dtype", "offset")

    def __init__(self, dtype: str, offset: int, count: int, crc: int, blocks: list[int] | None) -> None:
        self.dtype = np.dtype(dtype)
        self.offset, self.count, self.crc = int(offset), int(count), int(crc)
        self.blocks = blocks
        self.checked = np.zeros(len(blocks) if blocks else 1, dtype=bool)

    @property
    def nbytes(self) -> int:
        return self.count * self.dtype.itemsize


class ArrayFile(Mapping[str, np.ndarray]):
    """A file written by `write_arrays`, mapped read-only; arrays by name, checked
    before use (`arrays[name]` checks the whole array the first time)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with open(self.path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise DamagedFile(self.path, f"cannot be mapped ({exc})") from None
        if mapped is None or size < _PREFIX or mapped[: len(MAGIC)] != MAGIC:
            raise DamagedFile(self.path, "not a searchkit index file (bad magic)")
        self._map: mmap.mmap = mapped
        length = int.from_bytes(mapped[len(MAGIC): len(MAGIC) + 8], "little")
        crc = int.from_bytes(mapped[len(MAGIC) + 8: _PREFIX], "little")
        if length > size - _PREFIX:
            raise DamagedFile(self.path, "header runs past the end of the file")
        header = mapped[_PREFIX: _PREFIX + length]
        if zlib.crc32(header) != crc:
            raise DamagedFile(self.path, "its header fails its checksum")
        try:
            parsed = json.loads(header)
            self._entries = {name: _Entry(*fields) for name, fields in parsed["arrays"].items()}
            self.meta: dict = parsed["meta"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DamagedFile(self.path, f"unreadable header ({exc})") from None
        self._start = _aligned(_PREFIX + length)
        self._views: dict[str, np.ndarray] = {}
        for name, entry in self._entries.items():
            if entry.offset < 0 or entry.count < 0 or self._start + entry.offset + entry.nbytes > size:
                raise DamagedFile(self.path, f"array {name!r} runs past the end of the file")
            if entry.blocks is not None and len(entry.blocks) != -(-entry.nbytes // BLOCK_BYTES):
                raise DamagedFile(self.path, f"array {name!r} has the wrong number of block checksums")
            if entry.nbytes <= CHECK_ON_OPEN_BYTES:
                self._check(name, 0, entry.nbytes)

    # Checked access ----------------------------------------------------------------

    def __getitem__(self, name: str) -> np.ndarray:
        """The whole array, checked (the first time) end to end."""
        entry = self._entries[name]
        if not entry.checked.all():
            self._check(name, 0, entry.nbytes)
        return self._view(name)

    def range(self, name: str, start: int, stop: int) -> np.ndarray:
        """array[start:stop], the blocks it lies in checked first."""
        entry = self._entries[name]
        if stop > start:
            self._check(name, start * entry.dtype.itemsize, stop * entry.dtype.itemsize)
        return self._view(name)[start:stop]

    def raw(self, name: str, start: int, end: int) -> bytes:
        """Bytes start:end of a uint8 array, checked, straight from the mapping."""
        entry = self._entries[name]
        if end > start:
            self._check(name, start, end)
        base = self._start + entry.offset
        return self._map[base + start: base + end]

    def count(self, name: str) -> int:
        """How many elements an array holds (nothing is read or checked)."""
        return self._entries[name].count

    def _view(self, name: str) -> np.ndarray:
        view = self._views.get(name)
        if view is None:
            entry = self._entries[name]
            view = np.frombuffer(self._map, dtype=entry.dtype, count=entry.count, offset=self._start + entry.offset)
            self._views[name] = view
        return view

    def _check(self, name: str, lo: int, hi: int) -> None:
        """Check the bytes lo:hi of an array (and the rest of their blocks) once."""
        entry = self._entries[name]
        base = self._start + entry.offset
        if entry.blocks is None:
            if not entry.checked[0]:
                if zlib.crc32(self._map[base: base + entry.nbytes]) != entry.crc:
                    raise DamagedFile(self.path, f"array {name!r} fails its checksum")
                entry.checked[0] = True
            return
        first, last = lo // BLOCK_BYTES, (max(hi, lo + 1) - 1) // BLOCK_BYTES
        if entry.checked[first:last + 1].all():
            return
        for block in range(first, min(last + 1, len(entry.blocks))):
            if entry.checked[block]:
                continue
            a = base + block * BLOCK_BYTES
            b = min(a + BLOCK_BYTES, base + entry.nbytes)
            if zlib.crc32(self._map[a:b]) != entry.blocks[block]:
                raise DamagedFile(self.path, f"array {name!r} fails its checksum (block {block})")
            entry.checked[block] = True

    # The rest of the Mapping ---------------------------------------------------------

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def verify(self) -> None:
        """Check every array end to end (reads the whole file)."""
        for name, entry in self._entries.items():
            self._check(name, 0, entry.nbytes)
            if entry.blocks is not None and zlib.crc32(self._view(name).data.cast("B")) != entry.crc:
                raise DamagedFile(self.path, f"array {name!r} fails its checksum")

    def nbytes(self) -> int:
        return len(self._map)


# -- string tables: many strings as one UTF-8 blob and offsets ----------------------


def pack_strings(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 blob, int64 offsets of len(values) + 1) holding `values` in order."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


class StringTable(Sequence[str]):
    """Strings stored by `pack_strings`, read without decoding them all.

    For a table written sorted, `find` and `prefix_range` binary-search the UTF-8
    bytes (whose order is the code points' order).
    """

    def __init__(self, source: ArrayFile | Mapping[str, np.ndarray], name: str) -> None:
        self._offsets = source[f"{name}.off"]
        self._count = len(self._offsets) - 1
        if isinstance(source, ArrayFile):
            self._bytes = lambda a, b: source.raw(f"{name}.blob", a, b)
        else:
            blob = source[f"{name}.blob"]
            self._bytes = lambda a, b: blob[a:b].tobytes()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._count))]
        return self.raw(i).decode("utf-8")

    def raw(self, i: int) -> bytes:
        if i < 0:
            i += self._count
        return self._bytes(int(self._offsets[i]), int(self._offsets[i + 1]))

    def find(self, value: str) -> int:
        """The index of `value` in a sorted table, or -1."""
        key = value.encode("utf-8")
        i = bisect_left(range(self._count), key, key=self.raw)
        return i if i < self._count and self.raw(i) == key else -1

    def prefix_range(self, prefix: str) -> range:
        """Indices of the strings starting with `prefix`, in a sorted table."""
        key = prefix.encode("utf-8")
        lo = bisect_left(range(self._count), key, key=self.raw)
        hi = bisect_left(range(lo, self._count), key + b"\xff", key=self.raw)
        return range(lo, lo + hi)

    def all(self) -> list[str]:
        """Every string, decoded (reads the whole table)."""
        blob = self._bytes(0, int(self._offsets[-1])).decode("utf-8") if self._count else ""
        if not self._count:
            return []
        offsets = self._offsets
        # Offsets count bytes; slicing the decoded text needs characters, so split on
        # byte boundaries only when the text is ASCII, else decode one by one.
        if len(blob) == int(offsets[-1]):
            bounds = offsets.tolist()
            return [blob[a:b] for a, b in itertools.pairwise(bounds)]
        return [self[i] for i in range(self._count)]
