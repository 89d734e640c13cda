"""One term's postings over the whole index, read once and kept while there is room.

A Whoosh posting block is a single pickle of document numbers, weights and positions
together, so even reading the numbers unpickles the positions too. A search reads the
same terms several times (which documents match, then each word's scores, then the
proximity ceilings), and typing a query repeats its first words on every keystroke;
kept here, each term's blocks are decoded once per index generation.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict

from whoosh.matching.wrappers import FilterMatcher

BUDGET = 3_000_000  # postings kept (12 bytes each); the least recently used go first


class PostingLists:
    """(document numbers, weights) per term for one reader, deleted documents included."""

    def __init__(self, reader, budget: int = BUDGET) -> None:
        self._segments = reader.leaf_readers()  # [(segment reader, docnum offset)]
        self._budget = budget
        self._kept: OrderedDict[tuple[str, bytes], tuple[array, array]] = OrderedDict()
        self._held = 0

    def get(self, fieldname: str, text: str | bytes) -> tuple[array, array]:
        """The term's document numbers (ascending) and weights, over all segments."""
        key = (fieldname, text.encode("utf-8") if isinstance(text, str) else text)
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            return found
        found = self._read(*key)
        size = len(found[0])
        if size <= self._budget:
            self._kept[key] = found
            self._held += size
            while self._held > self._budget:
                _, (ids, _) = self._kept.popitem(last=False)
                self._held -= len(ids)
        return found

    def _read(self, fieldname: str, btext: bytes) -> tuple[array, array]:
        ids, weights = array("l"), array("d")
        for segment, offset in self._segments:
            if (fieldname, btext) not in segment:
                continue
            matcher = segment.postings(fieldname, btext)
            if isinstance(matcher, FilterMatcher):  # deletions: callers leave them out
                matcher = matcher.child
            if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
                while matcher.is_active():  # whoosh3's block reader: a block at a time
                    if matcher._ids is None:
                        matcher._read_ids()
                    if matcher._weights is None:
                        matcher._read_weights()
                    # iter(): whoosh keeps these as tuples or arrays of other kinds
                    ids.extend(iter(matcher._ids) if not offset else (d + offset for d in matcher._ids))
                    weights.extend(iter(matcher._weights))
                    matcher._next_block()
            else:
                while matcher.is_active():
                    ids.append(matcher.id() + offset)
                    weights.append(matcher.weight())
                    matcher.next()
        return ids, weights
