"""Text analysis: from article text to index terms, the same way at every stage.

A token is a run of word characters (combining accents included), with inner
apostrophes kept (`don't`). Dotted abbreviations are one token written without their
dots (`U.S.`, `U.N.`, `e.g.` → `us`, `un`, `eg`), so an article and a request meet
whether either writes `U.S.`, `US` or `us` (a request's `U S`, letters standing alone,
is read the same way: querying.py). Other inner dots separate words (`Reuters.The`),
except between digits (`3.5`).

Each token is normalised: lower case, ASCII apostrophes, and diacritics folded (`café`
→ `cafe`, `ё` → `е`, stress marks dropped; `й` stays, it is a letter of its own).
Then, by the index's language (`Language`, recorded in the index: store.py), stop words
are dropped and the rest stemmed with Snowball through PyStemmer's C stemmer:
`Peacekeepers` → `peacekeep`; in Russian a stem's fleeting vowel is dropped too
(`миротворец` and `миротворцы` share `миротворц`). English uses Lucene's 33 stop
words (chosen by measurement: benchmarks/RESULTS.md), Russian Snowball's list.

Positions count every token, stop words included, so a phrase keeps its gaps:
`"bank of england"` is `bank` and `england` two positions apart, and does not match
`bank england`. A field's length, for ranking, counts only the indexed tokens. Text is
shown as it was written: only terms are folded, snippets cut the stored text.

Three consumers share this module:
- the writer analyses whole batches of articles at once (`BatchAnalyzer`): one regular
  expression pass per text, one stemmer call per new word, NumPy for the rest;
- Whoosh's query parser calls `QueryAnalyzer` on what a person typed;
- snippets find where a token stands in a text from the checkpoints kept at indexing
  (`checkpoints`, `tokens_from`), without analysing the whole article again.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import Stemmer
from whoosh.analysis import Analyzer, Token
from whoosh.lang.stopwords import stoplists

from ..errors import UserError

_MARK = "\u0300-\u036f"  # combining diacritics: part of the word they sit on
_LETTER = r"[^\W\d_]"
TOKEN_PATTERN = (
    rf"{_LETTER}(?:\.{_LETTER})+\.?(?![\w{_MARK}])"  # U.S., u.s.a, e.g.
    rf"|\d+(?:\.\d+)+(?![\w{_MARK}])"  # 3.5, 1.2.3
    rf"|\w[\w{_MARK}]*(?:['’][\w{_MARK}]+)*"  # words, don't, Ukraine’s
)
TOKEN = re.compile(TOKEN_PATTERN)
# Every CHECKPOINT_EVERY-th token's character offset is kept per document, so the
# offset of any token is found by reading at most that many tokens from a checkpoint.
CHECKPOINT_EVERY = 32
_CHUNK = re.compile(rf"(?:(?:{TOKEN_PATTERN})[^\w{_MARK}]*){{1,{CHECKPOINT_EVERY}}}")
_SEPARATOR = "\x00"  # never inside a token: joins tokens for one C-level lower()
_MARKS = re.compile(f"[{_MARK}]")
_ACRONYM = re.compile(rf"^{_LETTER}(?:\.{_LETTER})+\.?$")
# Letters with no decomposition that a reader still reads as their plain form.
_FOLD_TABLE = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "ß": "ss",
                             "æ": "ae", "œ": "oe", "þ": "th", "’": "'", "ʼ": "'"})
_SHORT_I = ("й", "\x01")  # kept through the folding: й is not an accented и


def fold(text: str) -> str:
    """Lower case, ASCII apostrophes, diacritics dropped (`Café` → `cafe`, `Ёлка` →
    `елка`), `й` kept."""
    text = text.lower()
    if text.isascii():
        return text
    text = text.replace(*_SHORT_I)
    text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", text).replace(_SHORT_I[1], _SHORT_I[0]).translate(_FOLD_TABLE)


def normalise(word: str) -> str:
    """A token as it is looked up: folded, and an abbreviation without its dots."""
    word = fold(word)
    return word.replace(".", "") if "." in word and not word[0].isdigit() else word


def _fleeting_vowel(stem: str) -> str:
    """Russian: the vowel that comes and goes in a stem's last syllable, dropped
    (`миротворец`/`миротворца`, `рынок`/`рынка`): both forms reach one term. Short stems
    are left alone (`отец`), where the rule would join different words."""
    if len(stem) >= 5 and stem[-1] in "цк" and stem[-2] in "ео" and stem[-3] not in "аеиоуыэюяйь":
        return stem[:-2] + stem[-1]
    return stem


@dataclass(frozen=True)
class Language:
    """How the words of one language become terms."""

    code: str  # as settings and the index record it: "en"
    name: str
    snowball: str  # PyStemmer's algorithm
    stop_words: frozenset[str]

    def is_stop_word(self, word: str) -> bool:
        return word in self.stop_words

    def stem(self, word: str) -> str:
        """The index term of one normalised, non-stop word."""
        return self.stems([word])[0]

    def stems(self, words: list[str]) -> list[str]:
        """The terms of normalised words, each stemmed once in this process: a worker
        writes many segments, and each new segment meets mostly words stemmed before."""
        known = _STEMS.setdefault(self.code, {})
        new = [w for w in words if w not in known]
        if new:
            with _STEMMER_LOCK:  # a PyStemmer object is not safe to share between threads
                stemmed = _stemmer(self.snowball).stemWords(new)
            if self.code == "ru":
                stemmed = [_fleeting_vowel(s) for s in stemmed]
            known.update(zip(new, stemmed))
        return [known[w] for w in words]

    def terms_of(self, text: str) -> list[str]:
        """The index terms of a text in order, stop words left out."""
        words = [w for w in map(normalise, TOKEN.findall(text)) if w not in self.stop_words]
        return self.stems(words)


# Lucene's English stop words (EnglishAnalyzer): on the test collections they rank
# better than Whoosh's list, which also drops words a request needs (`us`, `may`).
ENGLISH_STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
})
LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "english", ENGLISH_STOP_WORDS),
    "ru": Language("ru", "Russian", "russian", frozenset(fold(w) for w in stoplists["ru"])),
}
DEFAULT_LANGUAGE = "en"
ENGLISH = LANGUAGES["en"]
_STEMMERS: dict[str, Stemmer.Stemmer] = {}
_STEMMER_LOCK = threading.Lock()
_STEMS: dict[str, dict[str, str]] = {}


def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    if algorithm not in _STEMMERS:
        _STEMMERS[algorithm] = Stemmer.Stemmer(algorithm)
    return _STEMMERS[algorithm]


def language(code: str | None) -> Language:
    """The language of a code from settings or an index (None: English); an unknown
    code is a UserError naming the known ones."""
    found = LANGUAGES.get((code or DEFAULT_LANGUAGE).strip().lower())
    if found is None:
        known = ", ".join(f"{c} ({lang.name})" for c, lang in LANGUAGES.items())
        raise UserError(f"unknown language {code!r}: searchkit analyses {known}")
    return found


def is_stop_word(word: str) -> bool:
    """English (the default language)."""
    return ENGLISH.is_stop_word(word)


def stem(word: str) -> str:
    """English (the default language)."""
    return ENGLISH.stem(word)


def terms_of(text: str, lang: Language = ENGLISH) -> list[str]:
    """The index terms of a text in order, stop words left out."""
    return lang.terms_of(text)


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

    def __init__(self, lang: Language = ENGLISH) -> None:
        self.language = lang
        self.vocabulary: list[str] = []
        self._term_ids: dict[str, int] = {}
        self._word_ids: dict[str, int] = {}  # lower-cased token → term id, -1 for stop words
        self._normalised: dict[str, str] = {}  # lower-cased token → normalised word

    def analyse(self, texts: Sequence[str], *, with_checkpoints: bool = True) -> AnalysedField:
        per_doc = [TOKEN.findall(text) for text in texts]
        counts = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
        flat = list(chain.from_iterable(per_doc))
        joined = _SEPARATOR.join(flat).lower()
        lowered = joined.split(_SEPARATOR) if flat else []
        self._learn(lowered)
        ids = np.fromiter(map(self._word_ids.__getitem__, lowered), dtype=np.int32, count=len(lowered))
        # Folding each distinct word once (in _learn) costs far less than folding the text.
        plain = joined.isascii() and "." not in joined and "'" not in joined
        words = lowered if plain else list(map(self._normalised.__getitem__, lowered))
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

    def _learn(self, lowered: list[str]) -> None:
        """Give each new lower-cased token its normalised word and its term id."""
        new = sorted(set(lowered).difference(self._word_ids))
        if not new:
            return
        lang = self.language
        normalised = [normalise(w) for w in new]
        self._normalised.update(zip(new, normalised))
        for token, word, term in zip(new, normalised, lang.stems(normalised)):
            if lang.is_stop_word(word):
                self._word_ids[token] = -1
                continue
            term_id = self._term_ids.get(term)
            if term_id is None:
                term_id = self._term_ids[term] = len(self.vocabulary)
                self.vocabulary.append(term)
            self._word_ids[token] = term_id


class QueryAnalyzer(Analyzer):
    """The analysis above as a Whoosh analyzer, for Whoosh's query parser.

    Positions count stop words, so a phrase's words keep their distances; with
    `removestops=False` stop words come through, marked `stopped`.
    """

    language_code = DEFAULT_LANGUAGE  # what an analyzer pickled before languages meant

    def __init__(self, language_code: str = DEFAULT_LANGUAGE) -> None:
        self.language_code = language_code

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
        lang = language(self.language_code)
        for position, match in enumerate(TOKEN.finditer(value)):
            word = normalise(match.group())
            stopped = lang.is_stop_word(word)
            if stopped and removestops:
                continue
            token.original = match.group() if keeporiginal else None
            token.text = word if stopped else lang.stem(word)
            token.stopped, token.boost = stopped, 1.0
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
            yield token
