"""Making archive text safe to print: shown, never interpreted.

Articles can hold escape sequences (clear screen, OSC 52 clipboard writes, title
changes), bare carriage returns and backspaces, and bidi overrides. All of these are
replaced by visible stand-ins before anything reaches the terminal. Rich markup is never
parsed from archive text: callers pass it as `rich.text.Text`, not as markup strings.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\t\n]")
# C0 and C1 controls except newline and tab, DEL, and the Unicode bidi controls.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 0x40)  # ESC → ^[, CR → ^M, BS → ^H
    return f"<U+{code:04X}>"


def printable_name(name: str) -> str:
    """A file name on one line, its newlines and tabs shown (^J, ^I) rather than lost."""
    return _LINE_BREAKS.sub(_visible, printable(name))


def printable(text: str, *, single_line: bool = False) -> str:
    """`text` with every control character made visible and inert."""
    if single_line:
        text = _WHITESPACE.sub(" ", text)
    return _UNSAFE.sub(_visible, text)
