"""Reading bytes from disk into text, whatever the archive's encoding."""

from __future__ import annotations

import codecs
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be turned into article text (binary, no permission...)."""


def looks_binary(sample: bytes) -> bool:
    """A NUL byte or many control bytes in the first block: not a text file."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return len(sample) > 0 and control / len(sample) > 0.1


def decode(data: bytes, preferred: str = "utf-8") -> tuple[str, str]:
    """Decode bytes; returns (text, encoding used). Falls back to cp1252/latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for encoding in (preferred, "utf-8"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_text(path: Path, preferred: str = "utf-8") -> tuple[str, str]:
    """Read a whole text file; raises UnreadableFile with a reason a person understands."""
    try:
        data = path.read_bytes()
    except PermissionError:
        raise UnreadableFile("permission denied") from None
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    if looks_binary(data[:8192]):
        raise UnreadableFile("binary file, not text")
    return decode(data, preferred)
