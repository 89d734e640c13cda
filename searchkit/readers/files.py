"""Reading bytes from disk into text, whatever the archive's encoding."""

from __future__ import annotations

import codecs
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be turned into article text (binary, no permission...)."""


def looks_binary(sample: bytes, *, records: bool = False) -> bool:
    """A NUL byte or many control bytes in the first block: not a text file.

    In a file of records (JSON Lines) a few bad bytes are one broken line, reported
    with its number: only a block with many control bytes counts as binary.
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample and not records:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return len(sample) > 0 and control / len(sample) > (0.05 if records else 0.1)


def decode(data: bytes, preferred: str = "utf-8") -> tuple[str, str]:
    """Decode bytes; returns (text, encoding used). Falls back to cp1251, cp1252, latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for encoding in (preferred, "utf-8"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    if _looks_cyrillic(data):
        return data.decode("cp1251"), "cp1251"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _looks_cyrillic(data: bytes) -> bool:
    """Is this 8-bit text more likely Windows Cyrillic (cp1251) than Western (cp1252)?

    In cp1251 text nearly every letter is a byte from 0xC0 up; in Western European
    text such bytes are the odd accented letter among ASCII ones.
    """
    sample = data[:65536]
    high = sum(1 for b in sample if b >= 0xC0)
    ascii_letters = sum(1 for b in sample if 65 <= b <= 90 or 97 <= b <= 122)
    return high > ascii_letters


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
