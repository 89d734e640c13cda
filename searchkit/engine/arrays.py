"""The file format of searchkit's index data: named NumPy arrays in one file, memory-mapped.

    magic (8 bytes) | header length (8 bytes, little-endian) | header (JSON) | arrays

The header names each array with its dtype, offset, length and CRC-32; every array
starts on a 64-byte boundary. Opening a file maps it and reads the header only: the
arrays are views of the mapping, so opening costs the same whatever the file's size,
and pages are read from disk only as queries touch them. Files are written once and
never changed.

A file whose header, extents or checksums do not add up raises `DamagedFile`, naming
the file: the caller reports the index as damaged, never answers from it.
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
# Arrays up to this size are checked against their CRC when the file is opened; larger
# ones when `verify` is asked (`searchkit check`), so opening stays cheap.
CHECK_ON_OPEN_BYTES = 1 << 20


class DamagedFile(Exception):
    """An index file that cannot be read as written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{Path(path).name}: {reason}")
        self.path = Path(path)
        self.reason = reason


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
        entries[name] = [data.dtype.str, offset, int(data.shape[0]), zlib.crc32(raw)]
        contiguous[name] = data
        offset += data.nbytes
    header = json.dumps({"arrays": entries, "meta": dict(meta or {})}, separators=(",", ":")).encode()
    start = _aligned(len(MAGIC) + 8 + len(header))
    with open(path, "wb") as fh:
        fh.write(MAGIC + len(header).to_bytes(8, "little") + header)
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


class ArrayFile(Mapping[str, np.ndarray]):
    """A file written by `write_arrays`, mapped read-only; arrays by name."""

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
        if mapped is None or size < len(MAGIC) + 8 or mapped[: len(MAGIC)] != MAGIC:
            raise DamagedFile(self.path, "not a searchkit index file (bad magic)")
        self._map: mmap.mmap = mapped
        length = int.from_bytes(self._map[len(MAGIC): len(MAGIC) + 8], "little")
        if length > size:
            raise DamagedFile(self.path, "header runs past the end of the file")
        try:
            header = json.loads(self._map[len(MAGIC) + 8: len(MAGIC) + 8 + length])
            self._entries: dict[str, tuple[np.dtype, int, int, int]] = {
                name: (np.dtype(dtype), int(offset), int(count), int(crc))
                for name, (dtype, offset, count, crc) in header["arrays"].items()
            }
            self.meta: dict = header["meta"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DamagedFile(self.path, f"unreadable header ({exc})") from None
        self._start = _aligned(len(MAGIC) + 8 + length)
        self._views: dict[str, np.ndarray] = {}
        for name, (dtype, offset, count, _) in self._entries.items():
            if offset < 0 or count < 0 or self._start + offset + count * dtype.itemsize > size:
                raise DamagedFile(self.path, f"array {name!r} runs past the end of the file")
            if count * dtype.itemsize <= CHECK_ON_OPEN_BYTES:
                self._check(name)

    def __getitem__(self, name: str) -> np.ndarray:
        view = self._views.get(name)
        if view is None:
            dtype, offset, count, _ = self._entries[name]
            view = np.frombuffer(self._map, dtype=dtype, count=count, offset=self._start + offset)
            self._views[name] = view
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def raw(self, name: str, start: int, end: int) -> bytes:
        """Bytes start:end of a uint8 array, straight from the mapping (no NumPy object)."""
        _, offset, _, _ = self._entries[name]
        base = self._start + offset
        return self._map[base + start: base + end]

    def _check(self, name: str) -> None:
        _, _, _, crc = self._entries[name]
        if zlib.crc32(self[name].data.cast("B")) != crc:
            raise DamagedFile(self.path, f"array {name!r} fails its checksum")

    def verify(self) -> None:
        """Check every array against its CRC (reads the whole file)."""
        for name in self._entries:
            self._check(name)

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
