"""Highlighting: which words of a text the query matched, and the best passage to show.

Matching follows the analyzer, so `peacekeeper` highlights `peacekeepers`: the text is
run through the same analysis chain as at indexing time, with character offsets.
"""

from __future__ import annotations

from collections.abc import Collection

from ..models import Span
from .schema import text_analyzer

_ANALYZER = text_analyzer()
ELLIPSIS = "…"
# The best passage is looked for in this much of an article: finding matches runs the
# analyzer over the text, which for a multi-megabyte article takes seconds per hit.
SNIPPET_SCAN_CHARS = 100_000


def match_offsets(text: str, terms: Collection[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every token of `text` whose analysed form is in `terms`."""
    if not terms or not text:
        return []
    return [
        (tok.startchar, tok.endchar, tok.text)
        for tok in _ANALYZER(text, chars=True, mode="index")
        if tok.text in terms
    ]


def spans(text: str, matches: list[tuple[int, int, str]], start: int = 0, end: int | None = None) -> tuple[Span, ...]:
    """Cut text[start:end] into plain and matched spans."""
    end = len(text) if end is None else end
    out: list[Span] = []
    pos = start
    for s, e, _ in matches:
        if e <= start or s >= end:
            continue
        if s > pos:
            out.append(Span(text[pos:s]))
        out.append(Span(text[s:e], match=True))
        pos = e
    if pos < end:
        out.append(Span(text[pos:end]))
    return tuple(out)


def highlight(text: str, terms: Collection[str]) -> tuple[Span, ...]:
    """All of `text`, every match marked (the reader view)."""
    return spans(text, match_offsets(text, terms))


def best_window(matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """(start, end) of the matches in the `width`-character window holding the most
    distinct terms (then the most matches)."""
    best, best_key = (matches[0][0], matches[0][1]), (0, 0)
    right = 0
    counts: dict[str, int] = {}
    for left in range(len(matches)):
        limit = matches[left][0] + width
        while right < len(matches) and matches[right][1] <= limit:
            term = matches[right][2]
            counts[term] = counts.get(term, 0) + 1
            right += 1
        key = (len(counts), right - left)
        if key > best_key:
            best_key, best = key, (matches[left][0], matches[right - 1][1])
        term = matches[left][2]
        if right > left:
            counts[term] -= 1
            if not counts[term]:
                del counts[term]
    return best


def snippet(text: str, terms: Collection[str], width: int = 240) -> tuple[Span, ...]:
    """A passage of about `width` characters around the densest matches."""
    cut = len(text) > SNIPPET_SCAN_CHARS
    text = " ".join(text[:SNIPPET_SCAN_CHARS].split())  # one line: paragraphs do not matter
    if len(text) <= width and not cut:
        return spans(text, match_offsets(text, terms))
    matches = match_offsets(text, terms)
    start = 0
    if matches:
        # Centre the best window's matches, so the first one has some context.
        first, last = best_window(matches, width)
        start = max(0, first - max(0, width - (last - first)) // 2)
    start = min(start, max(0, len(text) - width))
    if start and text[start - 1] != " ":
        space = text.find(" ", start)
        start = space + 1 if space != -1 else start
    end = start + width
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    out = list(spans(text, matches, start, end))
    if start > 0:
        out.insert(0, Span(ELLIPSIS + " "))
    if end < len(text) or cut:
        out.append(Span(" " + ELLIPSIS))
    return tuple(out)
