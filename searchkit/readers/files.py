"""Reading bytes from disk into text, whatever the archive's encoding."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the one used
    warning: str | None = None  # what a person should know: a doubtful guess, bytes replaced


# The 8-bit code pages an archive of news wires plausibly uses. Detection is limited to
# these: left to choose among all of them, a detector finds exotic ones in short texts.
PLAUSIBLE_ENCODINGS = ("cp1251", "koi8_r", "cp866", "iso8859_5", "mac_cyrillic", "cp1252", "latin_1",
                       "iso8859_15")
# Above this share of "chaos" (charset-normalizer's measure of unlikely characters) a
# guess is named in a warning: the text may be garbled.
DOUBTFUL_CHAOS = 0.2


def decode(data: bytes, encoding: str | None = None, *, fallback: str | None = None) -> Decoded:
    """Decode bytes: in `encoding` when the collection names one, else by a byte order mark,
    as UTF-8, or as detected among PLAUSIBLE_ENCODINGS (`fallback`, if given, is tried
    right after UTF-8: a format whose encoding is known, like Reuters' latin-1)."""
    if encoding is not None:
        try:
            return Decoded(data.decode(encoding), encoding)
        except UnicodeDecodeError as exc:
            return Decoded(data.decode(encoding, errors="replace"), encoding,
                           f"not valid {encoding} at byte {exc.start:,}: bytes that cannot be read were replaced")
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16")
    for candidate in ("utf-8", fallback):
        if candidate is None:
            continue
        try:
            return Decoded(data.decode(candidate), candidate)
        except UnicodeDecodeError:
            continue
    return _detect(data)


def _detect(data: bytes) -> Decoded:
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(data[:65536], cp_isolation=list(PLAUSIBLE_ENCODINGS), explain=False).best()
    if best is None:
        return Decoded(data.decode("latin-1"), "latin-1",
                       "encoding not recognised: read as latin-1 (name the collection's encoding to fix)")
    encoding = best.encoding
    text = data.decode(encoding, errors="replace")
    if best.chaos > DOUBTFUL_CHAOS:
        return Decoded(text, encoding, f"encoding uncertain, read as {encoding} "
                       "(name the collection's encoding if the text looks garbled)")
    return Decoded(text, encoding)


def read_text(path: Path, encoding: str | None = None, *, fallback: str | None = None) -> Decoded:
    """Read a whole text file; raises UnreadableFile with a reason a person understands.

    `encoding`: the collection's (None: detected)."""
    try:
        data = path.read_bytes()
    except PermissionError:
        raise UnreadableFile("permission denied") from None
    except IsADirectoryError:
        raise UnreadableFile("is a directory") from None
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    if looks_binary(data[:8192]) and not (encoding or "").lower().startswith("utf-16"):
        raise UnreadableFile("binary file, not text")
    return decode(data, encoding, fallback=fallback)
