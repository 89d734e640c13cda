"""Did-you-mean respellings and fuzzy-term expansion over the archive's word dictionary.

A `SpellingIndex` answers two questions about the distinct words of an archive:

* `within(word, d)`: every dictionary word at most `d` (0..2) edits from `word`, for fuzzy
  query terms (`inflaton~`, `cofee~2`). The distance is the optimal string alignment
  distance (Damerau–Levenshtein where swapping two adjacent letters is one edit and no
  substring is edited twice), over Unicode characters, so Cyrillic words work like Latin ones.
* `suggest(word)`: the respelling a person most probably meant, or None.

Layout. The words are kept sorted by (length in letters, ASCII before the rest, UTF-8 bytes)
as one UTF-8 byte blob with offsets, with a document frequency and a 64-bit letter signature
per word and where each (length, ASCII or not) group starts. Every array is flat, so the
caller stores them as they are and opens them from memory maps: opening reads nothing per
word. `frequency()` binary-searches the one group the typed word can be in; ASCII words
are grouped apart so that the look-ups read their letters straight from the bytes.

Look-up: scan, then verify. A word within `d` edits of an `m`-letter word has `m-d .. m+d`
letters, and thanks to the sort those words are one contiguous slice per length. In those
slices a vectorised test on the signatures keeps only words whose letters could be `d`
edits from the typed word's; the survivors (hundreds, at most some thousands) are verified
exactly by Hyyrö's bit-parallel edit distance with transpositions, which NumPy runs on all
of them at once: the typed word is the bit pattern, each candidate a lane, and the loop
goes over letter positions, not over candidates. The filter drops only words that are too far,
so `within` misses nothing.

The signature: letters fall into 32 buckets (the 28 characters most frequent in the
dictionary get one each; rarer characters share the other 4 by code point). A word sets
bit b when bucket b occurs in it and bit 32+b when it occurs twice or more. One edit
removes at most one letter occurrence and adds at most one, so a word within `d` edits
lacks at most `d` of the typed word's bits and has at most `d` bits the typed word lacks;
a length difference tightens both bounds (see `_signature_survivors`).

Why this structure: of the three candidates it is the only one that stays exact within
the size and build-time budget. A deletion index (SymSpell) stores every deletion of every
word up to distance 2, some 35 entries a word: hundreds of bytes a word and many seconds
to build. An n-gram inverted index costs a posting per letter of every word and its count
filter cannot filter short words (one transposition destroys three bigrams, so two edits
can destroy every bigram of a five-letter word). The signature costs 8 bytes a word, the
scan a few NumPy passes over the length slices, and the verification is cheap because
its survivors are few.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .analysis import normalise

FORMAT_VERSION = 2
MAX_DISTANCE = 2  # beyond two edits almost every short word matches and look-ups slow down

_BUCKETS = 32  # signature buckets, each with an "occurs" bit and an "occurs twice" bit
_SHARED_BUCKETS = 4  # the buckets that rare characters share, chosen by code point
_OWN_BUCKETS = _BUCKETS - _SHARED_BUCKETS
_BIT_PARALLEL_LIMIT = 64  # typed words up to this length fit one uint64 bit pattern

# Did-you-mean rules (measured; see SpellingIndex.suggest).
_MIN_LETTERS = 3  # shorter words are one edit from too many others
_COMMON = 10  # a typed word in this many documents is what the person meant
_MIN_SUGGESTED = 3  # a respelling must be a word people use, not a typo seen once or twice
_SMALL_ARCHIVE = 100  # ... unless the commonest word is in fewer documents: all words are rare
_OUTWEIGH = 100  # a typed word that occurs needs a respelling this much more likely
_LONG_WORD = 8  # from this length a word two edits away may be proposed ...
_DOMINANCE = 20  # ... if it is this much more frequent than any other two edits away
_LEFT_OUT, _SWAPPED, _ADDED, _WRONG_LETTER = 1.0, 2.0, 0.05, 0.02  # odds of each typo
_DOUBLED = 4.0  # a doubled letter left out or added (cofee, japanesse) is that much likelier

IntArray = npt.NDArray[np.int64]
UInt8Array = npt.NDArray[np.uint8]
UInt32Array = npt.NDArray[np.uint32]
UInt64Array = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class _Group:
    """A run of look-up candidates that have the same length and are all ASCII or all not."""

    length: int
    ascii: bool
    first: int  # position among the candidates
    end: int


class SpellingIndex:
    """Exact fuzzy look-up and respelling suggestions over a dictionary of words."""

    @staticmethod
    def build(words: Sequence[str], freqs: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """Arrays to store for a dictionary of distinct words (lower-case) and their document
        frequencies. Every value is a 1-D NumPy array (any numeric dtype, uint8 for bytes);
        the caller stores them and later hands them back, possibly as read-only np.memmap views.

        Which words work best: up to ~30 letters, without digits (codes and numbers, never
        respelled), and including the words seen in a single document. `suggest` never
        proposes those, but it needs to know them: a rare real word missing from the
        dictionary looks like a typo and gets respelled (on the RSS archive, leaving them out
        nearly tripled how often rare real words were respelled), and fuzzy terms should reach
        rare names too. Leaving them out would halve a news dictionary but speed look-ups up
        by only about a third.
        """
        word_list = list(words)
        counts = np.asarray(freqs, dtype=np.int64)
        if counts.shape != (len(word_list),):
            raise ValueError(f"{len(word_list)} words but {counts.size} frequencies")
        if counts.size and counts.min() < 0:
            raise ValueError("document frequencies cannot be negative")
        if not all(word_list):
            raise ValueError("the empty string is not a word")
        _reject_duplicates(word_list)
        order, groups = _storage_order(word_list)
        ordered = [word_list[i] for i in order.tolist()]
        lengths = groups // 2
        code_points = np.frombuffer("".join(ordered).encode("utf-32-le"), dtype=np.uint32)
        blob = np.frombuffer("".join(ordered).encode("utf-8"), dtype=np.uint8)
        own_chars = _own_bucket_chars(code_points)
        group_count = 2 * (int(lengths[-1]) + 1) if lengths.size else 2
        return {
            "format": np.array([FORMAT_VERSION], dtype=np.uint32),
            "blob": blob.copy(),  # frombuffer views are read-only and tied to a bytes object
            "offsets": _byte_offsets(code_points, lengths),
            "freqs": np.minimum(counts[order], 2**32 - 1).astype(np.uint32),
            "signatures": _signatures(code_points, lengths, own_chars),
            "group_starts": np.searchsorted(groups, np.arange(group_count + 1)).astype(np.int64),
            "signature_chars": own_chars,
            "largest_freq": np.array([counts.max() if counts.size else 0], dtype=np.int64),
        }

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        version = int(arrays["format"][0])
        if version != FORMAT_VERSION:
            raise ValueError(f"spelling index format {version}; searchkit reads {FORMAT_VERSION}")
        self._blob: UInt8Array = arrays["blob"]
        self._offsets: npt.NDArray[np.unsignedinteger] = arrays["offsets"]
        self._freqs: npt.NDArray[np.unsignedinteger] = arrays["freqs"]
        self._signatures: UInt64Array = arrays["signatures"]
        # A few dozen numbers, read once into Python because every look-up needs them.
        # Group 2n holds the ASCII words of n letters, group 2n+1 the others.
        self._group_starts: list[int] = arrays["group_starts"].tolist()
        self._group_bounds = np.asarray(arrays["group_starts"], dtype=np.int64)
        self._longest = len(self._group_starts) // 2 - 1
        self._bucket_of = {chr(c): b for b, c in enumerate(arrays["signature_chars"].tolist())}
        small_archive = int(arrays["largest_freq"][0]) < _SMALL_ARCHIVE
        self._min_suggested = 1 if small_archive else _MIN_SUGGESTED

    def __len__(self) -> int:
        return int(self._freqs.shape[0])

    # -- exact look-ups ----------------------------------------------------------------

    def frequency(self, word: str) -> int:
        """The word's document frequency, 0 if it is not in the dictionary."""
        index = self._find(word)
        return int(self._freqs[index]) if index >= 0 else 0

    def _find(self, word: str) -> int:
        """Where `word` is stored, or -1: a binary search in its (length, ASCII) group."""
        if not word or len(word) > self._longest:
            return -1
        group = 2 * len(word) + (not word.isascii())
        low, high = self._group_starts[group], self._group_starts[group + 1]
        target = word.encode("utf-8")
        while low < high:
            middle = (low + high) // 2
            start, end = self._offsets[middle : middle + 2].tolist()
            stored = self._blob[start:end].tobytes()
            if stored == target:
                return middle
            if stored < target:
                low = middle + 1
            else:
                high = middle
        return -1

    def _words_at(self, indices: IntArray) -> list[str]:
        """The words stored at `indices`, decoded in one go."""
        starts = self._offsets[indices].astype(np.int64)
        sizes = self._offsets[indices + 1].astype(np.int64) - starts
        text = _gather(self._blob, starts, sizes).tobytes().decode("utf-8")
        ends = np.cumsum(self._lengths_of(indices)).tolist()
        return [text[start:end] for start, end in zip([0, *ends], ends)]

    def _lengths_of(self, indices: IntArray) -> IntArray:
        """The length in letters of the words stored at `indices`."""
        group = np.searchsorted(self._group_bounds, indices, side="right") - 1
        return group // 2

    # -- fuzzy look-ups ----------------------------------------------------------------

    def within(
        self, word: str, max_distance: int, limit: int = 1000
    ) -> tuple[list[tuple[str, int, int]], bool]:
        """All dictionary words within max_distance (0..2) of `word`, as (word, distance,
        frequency), nearest then most frequent first (then shorter, then ASCII, then by code
        point); the bool says the limit cut the list."""
        if limit < 0:
            raise ValueError("the limit cannot be negative")
        indices, distances = self._matches(word, max_distance)
        freqs = self._freqs[indices].astype(np.int64)
        kept = np.lexsort((indices, -freqs, distances))[:limit]
        found = zip(self._words_at(indices[kept]), distances[kept].tolist(), freqs[kept].tolist())
        return list(found), indices.size > limit

    def _matches(self, word: str, max_distance: int) -> tuple[IntArray, IntArray]:
        """Storage indices and distances of every word within max_distance of `word`."""
        if not 0 <= max_distance <= MAX_DISTANCE:
            raise ValueError(f"an edit distance must be 0..{MAX_DISTANCE}, not {max_distance}")
        if not word:  # the words of up to max_distance letters, as far as they are long
            last_group = min(2 * max_distance + 2, len(self._group_starts) - 1)
            hits = np.arange(self._group_starts[2], self._group_starts[last_group])
            return hits, self._lengths_of(hits)
        if max_distance == 0:
            index = self._find(word)
            hits = np.array([index] if index >= 0 else [], dtype=np.int64)
            return hits, np.zeros(hits.size, dtype=np.int64)
        candidates, groups = self._signature_survivors(word, max_distance)
        if len(word) > _BIT_PARALLEL_LIMIT:  # no dictionary of real words gets here
            texts = self._words_at(candidates)
            distances = np.array([_osa_distance(word, t) for t in texts], dtype=np.int64)
        else:
            distances = self._verified_distances(word, candidates, groups)
        near = distances <= max_distance
        return candidates[near], distances[near]

    def _signature(self, word: str) -> np.uint64:
        """The typed word's signature (the scalar twin of `_signatures`)."""
        bits = 0
        seen: set[int] = set()
        for char in word:
            bucket = self._bucket_of.get(char)
            if bucket is None:
                bucket = _OWN_BUCKETS + ord(char) % _SHARED_BUCKETS
            bits |= 1 << (bucket + _BUCKETS if bucket in seen else bucket)
            seen.add(bucket)
        return np.uint64(bits)

    def _signature_survivors(self, word: str, max_distance: int) -> tuple[IntArray, list[_Group]]:
        """Storage indices of the words whose length and signature allow them to be within
        max_distance of `word` (a superset of the answer), longest first, in groups."""
        typed = self._signature(word)
        typed_lacks = ~typed
        found: list[IntArray] = []
        groups: list[_Group] = []
        count = 0
        top = min(len(word) + max_distance, self._longest)
        for length in range(top, max(len(word) - max_distance, 1) - 1, -1):
            start, end = self._group_starts[2 * length], self._group_starts[2 * length + 2]
            if start == end:
                continue
            # One edit adds at most one letter and removes at most one, so a word within
            # max_distance edits adds and lacks at most that many of the typed word's
            # letters; as it adds `longer_by` more than it lacks, a longer word may lack
            # fewer and a shorter one add fewer. The signature bits undercount both, so the
            # test keeps every word it should.
            longer_by = length - len(word)
            may_lack = max_distance - max(longer_by, 0)
            may_add = max_distance - max(-longer_by, 0)
            signatures = self._signatures[start:end]
            # A cheap pass first: both kinds together, in one popcount.
            near = np.flatnonzero(_popcount(signatures ^ typed) <= may_lack + may_add)
            chosen = signatures[near]
            lacking = _popcount((chosen | typed) ^ chosen)
            adding = _popcount(chosen & typed_lacks)
            survivors = near[(lacking <= may_lack) & (adding <= may_add)] + start
            others = self._group_starts[2 * length + 1]  # where the non-ASCII words start
            ascii_end = count + int(np.searchsorted(survivors, others))
            groups.append(_Group(length, True, count, ascii_end))
            groups.append(_Group(length, False, ascii_end, count + survivors.size))
            found.append(survivors)
            count += survivors.size
        candidates = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        return candidates, [group for group in groups if group.end > group.first]

    def _verified_distances(
        self, word: str, candidates: IntArray, groups: list[_Group]
    ) -> IntArray:
        """The exact distance from `word` to each candidate (longest first, in `groups`)."""
        if candidates.size == 0:
            return np.zeros(0, dtype=np.int64)
        lane = _lane_type(len(word))
        masks = _PositionMasks(word, lane)
        starts = self._offsets[candidates].astype(np.int64)
        # pattern[j, c]: the positions of the typed word that hold letter j of candidate c.
        pattern = np.zeros((groups[0].length, candidates.size), dtype=lane)
        still_reading = [0] * groups[0].length  # how many candidates are longer than j
        for group in groups:
            span = slice(group.first, group.end)
            if group.ascii:  # the usual case, made cheap: each byte is a letter
                ascii_letters = _ascii_letters(self._blob, starts[span], group.length)
                pattern[: group.length, span] = masks.of_bytes(ascii_letters)
            else:
                sizes = self._offsets[candidates[span] + 1].astype(np.int64) - starts[span]
                code_points = _decoded_letters(self._blob, starts[span], sizes, group.length)
                pattern[: group.length, span] = masks.of_code_points(code_points)
            for position in range(group.length):
                still_reading[position] = group.end
        return _bit_parallel_osa(len(word), pattern, still_reading)

    # -- did you mean ------------------------------------------------------------------

    def suggest(self, word: str) -> str | None:
        """The best respelling of `word` (lower-cased), or None.

        The rules, measured on the Reuters-21578 and 2023 RSS archives against 55,000 real
        misspellings (codespell's list) and against valid words of each archive:

        * Words under 3 letters, words with digits and words in 10 or more documents are
          never respelled: a word that common is what the person meant.
        * Candidates are the words one edit away. Each scores its document frequency times
          the odds of that kind of typo: a letter left out 1, two letters swapped 2, a letter
          too many 0.05, a wrong letter 0.02, and 4 times more when the letter left out or
          added doubles its neighbour (cofee, japanesse). The best score wins.
        * The winner must occur in at least 3 documents, so a typo seen once or twice is
          never proposed (in an archive so small that its commonest word is in fewer than
          100 documents, where every word is rare, any word that occurs will do); and when
          the typed word itself occurs, the winner's score must be 100 times its frequency.
        * Only when no word one edit away qualifies, and the typed word has 8 letters or
          more, a word two edits away may win: the most frequent one, under the same
          thresholds, if it occurs in 20 times as many documents as any other word two
          edits away (two edits from a short word reach too many words to tell).
        """
        found = self.candidates(word)
        return choose_respelling(found, self._min_suggested) if found is not None else None

    def candidates(self, word: str) -> SpellingCandidates | None:
        """What `suggest` chooses from: the typed word's frequency and the dictionary words
        within reach, or None when the word is never respelled (short, with digits, or
        common). The parts of a sharded archive each answer; their frequencies add up."""
        typed = word.lower()
        if len(typed) < _MIN_LETTERS or any(char.isdigit() for char in typed):
            return None
        typed_frequency = self.frequency(typed)
        if typed_frequency >= _COMMON:
            return None
        reach = 2 if len(typed) >= _LONG_WORD else 1
        indices, distances = self._matches(typed, reach)
        near = distances > 0  # distance 0: the typed word itself
        return SpellingCandidates(typed, typed_frequency, tuple(self._words_at(indices[near])),
                                  tuple(self._freqs[indices[near]].astype(np.int64).tolist()),
                                  tuple(distances[near].tolist()), self._min_suggested)


@dataclass(frozen=True)
class SpellingCandidates:
    """A typed word and the dictionary words one or two edits away, with frequencies."""

    typed: str
    typed_frequency: int
    words: tuple[str, ...]
    freqs: tuple[int, ...]
    distances: tuple[int, ...]
    min_suggested: int  # the archive's threshold (lower in a tiny archive)


# A word of a query worth respelling: three letters or more, not a field's name, not a
# wildcard or fuzzy word; the query language's operators are left as typed.
_QUERY_WORD = re.compile(r"(?<![\w:~*?])([^\W\d_]{3,})(?![\w:~*?])")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}


def query_words(text: str) -> list[str]:
    """The words of a query worth respelling, folded as the dictionary holds them
    (`cafe` for `Café`), each once."""
    return list(dict.fromkeys(normalise(m.group(1)) for m in _QUERY_WORD.finditer(text)
                              if m.group(1) not in _OPERATORS))


def respell(text: str, better: Callable[[str], str | None]) -> str | None:
    """`text` with each word worth respelling replaced by `better(folded word)` where that
    names another word; None when nothing changes."""
    changed = False

    def fix(match: re.Match) -> str:
        nonlocal changed
        word = match.group(1)
        if word in _OPERATORS:
            return word
        typed = normalise(word)
        respelt = better(typed)
        if respelt is None or respelt == typed:
            return word
        changed = True
        return respelt

    corrected = _QUERY_WORD.sub(fix, text)
    return corrected if changed and corrected != text else None


def merge_candidates(parts: Sequence[SpellingCandidates | None]) -> SpellingCandidates | None:
    """The candidates of one archive from those of its parts: frequencies summed (a word
    common in the whole archive is not respelled, even if each part holds it rarely)."""
    found = [p for p in parts if p is not None]
    if len(found) < len(parts) or not found:
        return None  # some part finds the word common (or too short): never respelled
    typed_frequency = sum(p.typed_frequency for p in found)
    if typed_frequency >= _COMMON:
        return None
    freqs: dict[str, int] = {}
    distances: dict[str, int] = {}
    for part in found:
        for w, f, d in zip(part.words, part.freqs, part.distances):
            freqs[w] = freqs.get(w, 0) + f
            distances[w] = d
    words = tuple(sorted(freqs, key=_storage_key))  # ties go the way one index breaks them
    return SpellingCandidates(found[0].typed, typed_frequency, words, tuple(freqs[w] for w in words),
                              tuple(distances[w] for w in words), max(p.min_suggested for p in found))


def _storage_key(word: str) -> tuple[int, bool, bytes]:
    """The order a SpellingIndex stores its words in (see the module docstring)."""
    return (len(word), not word.isascii(), word.encode("utf-8"))


def choose_respelling(found: SpellingCandidates, min_suggested: int) -> str | None:
    """The rules of `SpellingIndex.suggest` applied to its candidates."""
    one = [(w, f) for w, f, d in zip(found.words, found.freqs, found.distances) if d == 1]
    best = _best_one_edit(found.typed, found.typed_frequency, one, min_suggested)
    if best is None and len(found.typed) >= _LONG_WORD:
        two = [(w, f) for w, f, d in zip(found.words, found.freqs, found.distances) if d == 2]
        best = _best_two_edits(found.typed_frequency, two, min_suggested)
    return best


def _best_one_edit(typed: str, typed_frequency: int, near: list[tuple[str, int]], min_suggested: int) -> str | None:
    plausible = [(w, f) for w, f in near if f >= min_suggested]
    if not plausible:
        return None
    scores = [f * _typo_odds(typed, w) for w, f in plausible]
    best = max(range(len(plausible)), key=scores.__getitem__)
    if typed_frequency and scores[best] < _OUTWEIGH * typed_frequency:
        return None
    return plausible[best][0]


def _best_two_edits(typed_frequency: int, near: list[tuple[str, int]], min_suggested: int) -> str | None:
    if not near:
        return None
    ranked = sorted(near, key=lambda item: -item[1])  # stable: ties keep storage order
    best = ranked[0][1]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    enough = max(min_suggested, _OUTWEIGH * typed_frequency)
    if best < enough or best < _DOMINANCE * runner_up:
        return None
    return ranked[0][0]

def _typo_odds(typed: str, candidate: str) -> float:
    """How likely typing `candidate` (one edit away) produces `typed`, relative to leaving out
    a letter; the odds were fitted on real misspellings (see SpellingIndex.suggest)."""
    if len(candidate) != len(typed):
        shorter, longer = sorted((typed, candidate), key=len)
        at = next((i for i, (a, b) in enumerate(zip(shorter, longer)) if a != b), len(shorter))
        doubled = longer[at] in longer[max(at - 1, 0) : at] + longer[at + 1 : at + 2]
        odds = _LEFT_OUT if len(typed) < len(candidate) else _ADDED
        return odds * (_DOUBLED if doubled else 1.0)
    differing = sum(a != b for a, b in zip(typed, candidate))
    return _SWAPPED if differing == 2 else _WRONG_LETTER


# -- building ------------------------------------------------------------------------------


def _storage_order(words: list[str]) -> tuple[IntArray, IntArray]:
    """Indices of `words` in storage order, and each stored word's group (2 * its length,
    plus 1 if it is not ASCII). Inside a group the order is by code points, which is also
    the UTF-8 byte order, so look-ups compare bytes."""
    alphabetical = np.array(sorted(range(len(words)), key=words.__getitem__), dtype=np.int64)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    ascii_words = np.fromiter(map(str.isascii, words), dtype=bool, count=len(words))
    groups = (2 * lengths + ~ascii_words)[alphabetical]
    in_groups = np.argsort(groups, kind="stable")
    return alphabetical[in_groups], groups[in_groups]


def _reject_duplicates(words: list[str]) -> None:
    if len(set(words)) < len(words):
        twice = next(word for word, count in Counter(words).items() if count > 1)
        raise ValueError(f"the word {twice!r} is given twice")


def _byte_offsets(code_points: UInt32Array, lengths: IntArray) -> npt.NDArray[np.unsignedinteger]:
    """Where each word starts in the UTF-8 blob, and where the last one ends."""
    utf8_sizes = (
        1
        + (code_points >= 0x80).astype(np.int64)
        + (code_points >= 0x800)
        + (code_points >= 0x10000)
    )
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    if lengths.size:
        offsets[1:] = np.cumsum(utf8_sizes)[np.cumsum(lengths) - 1]
    return offsets.astype(np.uint32 if offsets[-1] < 2**32 else np.uint64)


def _own_bucket_chars(code_points: UInt32Array) -> UInt32Array:
    """The characters that get a signature bucket of their own, the bucket being the index
    in this array: the most frequent ones, so the filter tells apart what words are made of."""
    counts = np.bincount(code_points)  # code points stop at 0x10FFFF: at most 9 MB
    present = np.flatnonzero(counts)
    commonest = present[np.argsort(-counts[present], kind="stable")[:_OWN_BUCKETS]]
    return commonest.astype(np.uint32)


def _buckets(code_points: UInt32Array, own_chars: UInt32Array) -> IntArray:
    """The signature bucket of each character, through a table indexed by code point."""
    size = int(code_points.max()) + 1 if code_points.size else 1
    table = (_OWN_BUCKETS + np.arange(size) % _SHARED_BUCKETS).astype(np.uint8)
    table[own_chars] = np.arange(own_chars.size)
    return table[code_points].astype(np.int64)


def _signatures(code_points: UInt32Array, lengths: IntArray, own_chars: UInt32Array) -> UInt64Array:
    """Each word's signature: bit b if bucket b occurs in it, bit 32+b if it occurs again."""
    if lengths.size == 0:
        return np.zeros(0, dtype=np.uint64)
    word_of_char = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    keys = np.sort(word_of_char * _BUCKETS + _buckets(code_points, own_chars))
    repeated = np.zeros(keys.size, dtype=bool)
    repeated[1:] = keys[1:] == keys[:-1]  # a bucket's second (or later) letter in the word
    bit = keys % _BUCKETS + np.where(repeated, _BUCKETS, 0)
    bits = np.left_shift(np.uint64(1), bit.astype(np.uint64))
    word_starts = np.cumsum(lengths) - lengths  # sorting kept each word's letters together
    return np.bitwise_or.reduceat(bits, word_starts)


# -- verifying -----------------------------------------------------------------------------


def _popcount(values: UInt64Array) -> npt.NDArray[np.unsignedinteger]:
    """How many bits are set in each value."""
    if hasattr(np, "bitwise_count"):
        counted: npt.NDArray[np.unsignedinteger] = np.bitwise_count(values)
        return counted
    return _swar_popcount(values)


def _swar_popcount(values: UInt64Array) -> UInt64Array:
    """Bits set in each value, for NumPy 1.x (no popcount): the classic sum of bits in
    ever wider fields, in uint64 throughout."""
    one, two, four, top = (np.uint64(n) for n in (1, 2, 4, 56))
    values = values - ((values >> one) & np.uint64(0x5555555555555555))
    values = (values & np.uint64(0x3333333333333333)) + (
        (values >> two) & np.uint64(0x3333333333333333)
    )
    values = (values + (values >> four)) & np.uint64(0x0F0F0F0F0F0F0F0F)
    counts: UInt64Array = (values * np.uint64(0x0101010101010101)) >> top
    return counts


def _gather(blob: UInt8Array, starts: IntArray, sizes: IntArray) -> UInt8Array:
    """The byte ranges [start, start + size) of `blob`, concatenated."""
    first_byte = np.repeat(np.cumsum(sizes) - sizes, sizes)
    gathered: UInt8Array = blob[np.repeat(starts, sizes) + np.arange(int(sizes.sum())) - first_byte]
    return gathered


def _ascii_letters(blob: UInt8Array, starts: IntArray, length: int) -> UInt8Array:
    """The bytes of ASCII words of `length` letters, one row per letter position."""
    letters: UInt8Array = blob[starts[None, :] + np.arange(length)[:, None]]
    return letters


def _decoded_letters(
    blob: UInt8Array, starts: IntArray, sizes: IntArray, length: int
) -> UInt32Array:
    """The code points of UTF-8 words of `length` letters, one row per letter position."""
    raw = _gather(blob, starts, sizes).astype(np.uint32)
    padded = np.concatenate([raw, np.zeros(3, dtype=np.uint32)])
    second, third, fourth = (padded[k : k + raw.size] & 0x3F for k in (1, 2, 3))
    two = ((raw & 0x1F) << 6) | second
    three = ((raw & 0x0F) << 12) | (second << 6) | third
    four = ((raw & 0x07) << 18) | (second << 12) | (third << 6) | fourth
    decoded = np.where(
        raw < 0x80, raw, np.where(raw < 0xE0, two, np.where(raw < 0xF0, three, four))
    )
    leads = (raw & 0xC0) != 0x80  # the bytes that start a letter
    letters: UInt32Array = decoded[leads].reshape(starts.size, length).T
    return letters


def _lane_type(length: int) -> type[np.unsignedinteger]:
    """The narrowest unsigned type with a bit for each letter of the typed word: NumPy runs
    narrower lanes faster."""
    for lane in (np.uint8, np.uint16, np.uint32):
        if length <= np.iinfo(lane).bits:
            return lane
    return np.uint64


class _PositionMasks:
    """Maps a letter to the bit mask of the positions of the typed word that hold it."""

    def __init__(self, word: str, lane: type[np.unsignedinteger]) -> None:
        masks: dict[int, int] = {}
        for position, char in enumerate(word):
            masks[ord(char)] = masks.get(ord(char), 0) | (1 << position)
        self._lane = lane
        self._byte_table = np.zeros(256, dtype=lane)  # bytes >= 0x80 never match a letter
        for code, mask in masks.items():
            if code < 0x80:
                self._byte_table[code] = mask
        self._chars = np.array(sorted(masks), dtype=np.uint32)
        self._masks = np.array([masks[c] for c in sorted(masks)], dtype=lane)

    def of_bytes(self, letters: UInt8Array) -> np.ndarray:
        return self._byte_table[letters]

    def of_code_points(self, letters: UInt32Array) -> np.ndarray:
        at = np.minimum(np.searchsorted(self._chars, letters), self._chars.size - 1)
        return np.where(self._chars[at] == letters, self._masks[at], self._lane(0))


def _bit_parallel_osa(length: int, pattern: np.ndarray, still_reading: list[int]) -> IntArray:
    """Optimal string alignment distance from a typed word of `length` letters to each
    candidate, by Hyyrö's bit-vector algorithm (2003) with its transposition term: one lane
    per candidate, bit i of a lane for letter i of the typed word. pattern[j, c] holds the
    positions of the typed word equal to letter j of candidate c; still_reading[j] counts the
    candidates longer than j, which come first."""
    lane = pattern.dtype
    count = pattern.shape[1]
    vp = np.full(count, np.iinfo(lane).max, dtype=lane)  # vertical +1 deltas: D[i][0] = i
    vn = np.zeros(count, dtype=lane)
    d0 = np.zeros(count, dtype=lane)
    next_d0 = np.zeros(count, dtype=lane)
    hp = np.empty(count, dtype=lane)
    hn = np.empty(count, dtype=lane)
    scratch = np.empty(count, dtype=lane)
    distance = np.full(count, length, dtype=np.int64)
    last_row = length - 1
    # In-place operations on prefixes of preallocated lanes: no allocation per step.
    for position, k in enumerate(still_reading):
        eq, VP, VN, D0 = pattern[position, :k], vp[:k], vn[:k], d0[:k]
        X, HP, HN, S = next_d0[:k], hp[:k], hn[:k], scratch[:k]
        if position:  # transposition: the letters before and at `position` swapped
            np.invert(D0, out=S)
            S &= eq
            np.add(S, S, out=S)  # << 1; faster than a shift on narrow lanes
            S &= pattern[position - 1, :k]
        else:
            S[...] = 0
        np.bitwise_and(eq, VP, out=X)
        X += VP
        X ^= VP
        X |= eq
        X |= VN
        X |= S
        np.bitwise_or(X, VP, out=HP)
        np.invert(HP, out=HP)
        HP |= VN
        np.bitwise_and(X, VP, out=HN)
        np.right_shift(HP, last_row, out=S)  # the last row's horizontal delta: +1 ...
        S &= 1
        distance[:k] += S
        np.right_shift(HN, last_row, out=S)  # ... or -1
        S &= 1
        distance[:k] -= S
        np.add(HP, HP, out=HP)
        HP |= 1
        np.add(HN, HN, out=HN)
        np.bitwise_or(X, HP, out=VP)
        np.invert(VP, out=VP)
        VP |= HN
        np.bitwise_and(HP, X, out=VN)
        d0, next_d0 = next_d0, d0
    return distance


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance, plainly (for typed words too long for a uint64)."""
    before_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before_previous[j - 2] + 1)
        before_previous, previous = previous, current
    return previous[len(b)]
