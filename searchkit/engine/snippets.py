"""Highlighting from stored positions: which tokens the query matched, and the passage to show.

The searcher knows where each match stands (token positions, from the postings, and
for a phrase every word of each occurrence). To turn positions into characters, the
text is read from the nearest checkpoint before them (analysis.checkpoints, kept for
every 32nd token at indexing), so the cost of a snippet is bounded by its width, not
by the length of the article; nothing is analysed again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby

import numpy as np

from ..models import Span
from .analysis import CHECKPOINT_EVERY, tokens_from

ELLIPSIS = "…"
CHARS_PER_TOKEN = 7  # about, in news text: sizes a window of tokens from one of characters
_SPACES = re.compile(r"\s+")

Mark = tuple[int, str]  # (token position, what matched there: a word or a phrase)


def offsets(text: str, positions: Sequence[int], checkpoints: np.ndarray | None) -> list[tuple[int, int, int]]:
    """(start, end, position) of the tokens at `positions` (ascending), each read from
    the checkpoint before it (a text kept without checkpoints is read from its start)."""
    if not positions:
        return []
    if checkpoints is None or not len(checkpoints):
        groups: list[tuple[int, list[int]]] = [(0, list(positions))]
    else:
        groups = [(block, list(group)) for block, group
                  in groupby(positions, key=lambda p: p // CHECKPOINT_EVERY)]
    out: list[tuple[int, int, int]] = []
    for block, group in groups:
        if checkpoints is not None and block >= len(checkpoints):
            break  # past the end of the text
        start_char = int(checkpoints[block]) if block and checkpoints is not None else 0
        wanted, last = set(group), group[-1]
        for position, start, end in tokens_from(text, start_char, block * CHECKPOINT_EVERY):
            if position in wanted:
                out.append((start, end, position))
            if position >= last:
                break
    return out


def spans(text: str, marked: Sequence[tuple[int, int, int]], start: int = 0, end: int | None = None,
          *, one_line: bool = False) -> tuple[Span, ...]:
    """text[start:end] cut into plain and matched spans (`marked` ascending)."""
    end = len(text) if end is None else end
    out: list[Span] = []
    pos = start

    def plain(piece: str) -> None:
        if piece:
            out.append(Span(_SPACES.sub(" ", piece) if one_line else piece))

    for s, e, _ in marked:
        if e <= start or s >= end or s < pos:
            continue
        plain(text[pos:s])
        out.append(Span(text[s:e], match=True))
        pos = e
    plain(text[pos:end])
    return tuple(out)


def highlight(text: str, positions: Sequence[int], checkpoints: np.ndarray | None) -> tuple[Span, ...]:
    """All of `text`, every matched position marked (the reader view)."""
    return spans(text, offsets(text, positions, checkpoints))


def best_window(marks: Sequence[Mark], tokens: int) -> tuple[int, int]:
    """(first, last) index into `marks` of the run within `tokens` positions that holds
    the most distinct matches, then the most matches."""
    best, best_key = (0, 0), (0, 0)
    right = 0
    counts: dict[str, int] = {}
    for left in range(len(marks)):
        while right < len(marks) and marks[right][0] - marks[left][0] < tokens:
            label = marks[right][1]
            counts[label] = counts.get(label, 0) + 1
            right += 1
        key = (len(counts), right - left)
        if key > best_key:
            best_key, best = key, (left, right - 1)
        label = marks[left][1]
        counts[label] -= 1
        if not counts[label]:
            del counts[label]
    return best


def snippet(text: str, marks: Sequence[Mark], checkpoints: np.ndarray | None, width: int = 240) -> tuple[Span, ...]:
    """A passage of about `width` characters around the densest matches, on one line."""
    if not text:
        return ()
    start = 0
    if marks:
        first, last = best_window(marks, max(1, width // CHARS_PER_TOKEN))
        ends = offsets(text, [marks[first][0], marks[last][0]] if last > first else [marks[first][0]], checkpoints)
        if ends:
            lo, hi = ends[0][0], ends[-1][1]
            # Centre the window's matches, so the first one has some context.
            start = max(0, lo - max(0, width - (hi - lo)) // 2)
    start = min(start, max(0, len(text) - width))
    if start and not text[start - 1].isspace():
        space = _next_space(text, start)
        start = space + 1 if space != -1 and space < start + width // 2 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = _last_space(text, start, end)
        end = space if space > start else end
    wanted = _positions_between(text, sorted({p for p, _ in marks}), checkpoints, start, end)
    out = list(spans(text, wanted, start, end, one_line=True))
    if start > 0:
        out.insert(0, Span(ELLIPSIS + " "))
    if end < len(text):
        out.append(Span(" " + ELLIPSIS))
    if out and not out[0].match:
        out[0] = Span(out[0].text.lstrip() or out[0].text)
    return tuple(out)


def _positions_between(text: str, positions: list[int], checkpoints: np.ndarray | None,
                       start: int, end: int) -> list[tuple[int, int, int]]:
    """The marked tokens whose characters fall in [start, end)."""
    if not positions:
        return []
    block, first_char = 0, 0
    if checkpoints is not None and len(checkpoints):
        block = max(0, int(np.searchsorted(checkpoints, start, side="right")) - 1)
        first_char = int(checkpoints[block]) if block else 0
    wanted = set(positions)
    out = []
    for position, s, e in tokens_from(text, first_char, block * CHECKPOINT_EVERY):
        if s >= end:
            break
        if position in wanted and e > start:
            out.append((s, e, position))
    return out


def _next_space(text: str, start: int) -> int:
    match = _SPACES.search(text, start)
    return match.start() if match else -1


def _last_space(text: str, start: int, end: int) -> int:
    for i in range(end, start, -1):
        if text[i - 1].isspace():
            return i - 1
    return -1
