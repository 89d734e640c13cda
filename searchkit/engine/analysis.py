"""Text analysis: from article text to index terms, the same way at every stage.

A token is a run of word characters, with inner dots and apostrophes kept (`u.s`,
`don't`); it is lower-cased, typographic apostrophes become ASCII ones (`Ukraine’s`
stems like `Ukraine's`), stop words are dropped and the rest stemmed with Snowball
English (Porter2, through PyStemmer's C stemmer): `Peacekeepers` → `peacekeep`.

Positions count every token, stop words included, so a phrase keeps its gaps:
`"bank of england"` is `bank` and `england` two positions apart, and does not match
`bank england`. A field's length, for ranking, counts only the indexed tokens.

Three consumers share this module:
- the writer analyses whole batches of articles at once (`BatchAnalyzer`): one regular
  expression pass per text, one stemmer call per new word, NumPy for the rest;
- Whoosh's query parser calls `QueryAnalyzer` on what a person typed;
- snippets find where a token stands in a text from the checkpoints kept at indexing
  (`checkpoints`, `tokens_from`), without analysing the whole article again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import Stemmer
from whoosh.analysis import STOP_WORDS, Analyzer, Token

TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"
TOKEN = re.compile(TOKEN_PATTERN)
# Every CHECKPOINT_EVERY-th token's character offset is kept per document, so the
# offset of any token is found by reading at most that many tokens from a checkpoint.
CHECKPOINT_EVERY = 32
_CHUNK = re.compile(rf"(?:{TOKEN_PATTERN}\W*){{1,{CHECKPOINT_EVERY}}}")
_SEPARATOR = "\x00"  # never inside a token: joins tokens for one C-level lower()

_stemmer = Stemmer.Stemmer("english")
# Every word stemmed in this process, kept: a worker process writes many segments,
# and each new segment meets mostly words stemmed for the last one.
_STEMS: dict[str, str] = {}


def normalise(word: str) -> str:
    """A token as it is looked up: lower case, ASCII apostrophes."""
    return word.lower().replace("’", "'")


def is_stop_word(word: str) -> bool:
    return word in STOP_WORDS


def stem(word: str) -> str:
    """The index term of one normalised, non-stop word."""
    return _stemmer.stemWord(word)


def terms_of(text: str) -> list[str]:
    """The index terms of a text in order, stop words left out."""
    return [stem(w) for w in map(normalise, TOKEN.findall(text)) if not is_stop_word(w)]


def words_of(text: str) -> list[str]:
    """The normalised words of a text (stop words included), as they were written."""
    return [normalise(w) for w in TOKEN.findall(text)]


def checkpoints(text: str) -> list[int]:
    """The character offsets of tokens 0, CHECKPOINT_EVERY, 2 * CHECKPOINT_EVERY, ..."""
    return [m.start() for m in _CHUNK.finditer(text)]


def tokens_from(text: str, start_char: int, first_position: int) -> Iterator[tuple[int, int, int]]:
    """(position, start, end) of each token of `text` from `start_char`, a checkpoint
    whose token has position `first_position`."""
    for position, match in enumerate(TOKEN.finditer(text, start_char), start=first_position):
        yield position, match.start(), match.end()


@dataclass
class AnalysedField:
    """One text field of a batch of documents, analysed.

    `terms`, `docs` and `positions` have one entry per indexed token, in document and
    position order; `terms` are ids into the analyzer's `vocabulary`.
    """

    terms: np.ndarray  # int32
    docs: np.ndarray  # int32, batch-local document numbers
    positions: np.ndarray  # int32
    lengths: np.ndarray  # uint32, indexed tokens per document
    checkpoints: list[list[int]]  # per document (if asked for), see `checkpoints`
    words: list[str]  # every normalised word, stop words included, in order
    bounds: list[int]  # document i's words are words[bounds[i]:bounds[i + 1]]

    def words_per_doc(self) -> Iterator[list[str]]:
        for start, end in zip(self.bounds, self.bounds[1:]):
            yield self.words[start:end]


class BatchAnalyzer:
    """Analyses batches of texts into term ids, remembering every word it has seen.

    Ids are given to terms in first-seen order and stay fixed for the analyzer's life
    (one segment writer); `vocabulary[id]` is the term. Each distinct word is stemmed
    once, in one `stemWords` call per batch for the words new to it.
    """

    def __init__(self) -> None:
        self.vocabulary: list[str] = []
        self._term_ids: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}  # normalised word → term id, -1 for stop words

    def analyse(self, texts: Sequence[str], *, with_checkpoints: bool = True) -> AnalysedField:
        per_doc = [TOKEN.findall(text) for text in texts]
        counts = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
        flat = list(chain.from_iterable(per_doc))
        words = normalise(_SEPARATOR.join(flat)).split(_SEPARATOR) if flat else []
        self._learn(words)
        ids = np.fromiter(map(self._word_ids.__getitem__, words), dtype=np.int32, count=len(words))
        docs = np.repeat(np.arange(len(texts), dtype=np.int32), counts)
        starts = np.cumsum(counts) - counts
        positions = (np.arange(len(words), dtype=np.int64) - np.repeat(starts, counts)).astype(np.int32)
        kept = ids >= 0
        return AnalysedField(
            terms=ids[kept],
            docs=docs[kept],
            positions=positions[kept],
            lengths=np.bincount(docs[kept], minlength=len(texts)).astype(np.uint32),
            checkpoints=[checkpoints(text) for text in texts] if with_checkpoints else [],
            words=words,
            bounds=[0, *np.cumsum(counts).tolist()],
        )

    def _learn(self, words: list[str]) -> None:
        new = sorted(set(words).difference(self._word_ids))
        if not new:
            return
        unstemmed = [w for w in new if w not in _STEMS]
        if unstemmed:
            _STEMS.update(zip(unstemmed, _stemmer.stemWords(unstemmed)))
        for word in new:
            term = _STEMS[word]
            if is_stop_word(word):
                self._word_ids[word] = -1
                continue
            term_id = self._term_ids.get(term)
            if term_id is None:
                term_id = self._term_ids[term] = len(self.vocabulary)
                self.vocabulary.append(term)
            self._word_ids[word] = term_id


class QueryAnalyzer(Analyzer):
    """The analysis above as a Whoosh analyzer, for Whoosh's query parser.

    Positions count stop words, so a phrase's words keep their distances; with
    `removestops=False` stop words come through, marked `stopped`.
    """

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # wildcards and the like: the text as typed, lower-cased
            token.original = token.text = normalise(value)
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, match in enumerate(TOKEN.finditer(value)):
            word = normalise(match.group())
            stopped = is_stop_word(word)
            if stopped and removestops:
                continue
            token.original = match.group() if keeporiginal else None
            token.text = word if stopped else stem(word)
            token.stopped, token.boost = stopped, 1.0
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
            yield token
