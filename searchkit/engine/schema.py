"""The Whoosh schema and the analysis chain shared by the indexer and the searcher."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from itertools import accumulate

import Stemmer
from whoosh import columns, fields
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from ..models import Article
from . import whoosh_fixes  # noqa: F401  (patches a Whoosh slow path on import)

# Unit separator between the values of multi-valued columns (topics, places).
MULTI_SEP = "\x1f"

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball English (Porter2), through the C stemmer; module-level so it pickles."""
    return _stemmer.stemWord(word)


class StraightApostrophes(Filter):
    """Typographic apostrophes as ASCII ones, so `Ukraine’s` stems to `ukrain` as
    `Ukraine's` does, instead of staying a word of its own."""

    def __call__(self, tokens):
        for token in tokens:
            if "’" in token.text:
                token.text = token.text.replace("’", "'")
            yield token


def text_analyzer():
    """Words, lower-cased, stop words dropped, stemmed: `peacekeepers` → `peacekeep`."""
    return (
        RegexTokenizer(r"\w+(?:[.'’]\w+)*")
        | StraightApostrophes()
        | LowercaseFilter()
        | StopFilter(minsize=1)
        | StemFilter(stemfn=stem, cachesize=None)
    )


class SpelledText(fields.TEXT):
    """A TEXT field whose unstemmed words (for "did you mean") are indexed once per writer.

    Whoosh keeps them as terms of a `spell_<field>` field and uses only which words
    exist, yet by default adds every word again for every document: a quarter of a
    full build. A word already given to this writer's segment is not given again.
    The set lives on this field object, which Whoosh unpickles afresh for every writer.
    """

    def spellable_words(self, value):
        seen = self.__dict__.setdefault("_spelled", set())
        words = set(super().spellable_words(value)).difference(seen)
        seen.update(words)
        return iter(sorted(words))

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_spelled", None)  # per-writer state, not part of the index
        return state


def build_schema() -> fields.Schema:
    analyzer = text_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),  # deletes go by file
        title=fields.TEXT(analyzer=analyzer, stored=True),
        body=SpelledText(analyzer=analyzer, stored=True, spelling=True),
        # Searchable keyword fields: one lower-cased term per value, spaces kept
        # ("new york"), so `place:"New York"` and `--place "new york"` both work.
        source=fields.KEYWORD(lowercase=True, commas=True),
        place=fields.KEYWORD(lowercase=True, commas=True),
        topics=fields.KEYWORD(lowercase=True, commas=True),
        # Shown with hits; not indexed: date ranges are answered from c_date (see
        # docsets.py), and an indexed DATETIME adds 8 tiered terms per article, a
        # third of all the terms of a Reuters index.
        date=fields.STORED(),
        url=fields.STORED(),
        # Columns read once per index generation: facets, de-duplication and the
        # file manifest for incremental reindexing, without loading stored fields.
        c_source=fields.COLUMN(columns.VarBytesColumn()),
        c_place=fields.COLUMN(columns.VarBytesColumn()),
        c_topics=fields.COLUMN(columns.VarBytesColumn()),
        c_date=fields.COLUMN(columns.VarBytesColumn()),  # ISO, sorts as text
        c_dedup=fields.COLUMN(columns.VarBytesColumn()),
        c_path=fields.COLUMN(columns.VarBytesColumn()),
        c_filesig=fields.COLUMN(columns.VarBytesColumn()),
        # Stored copies of the display values (original case).
        s_source=fields.STORED(),
        s_place=fields.STORED(),
        s_places=fields.STORED(),
        s_topics=fields.STORED(),
    )


_NON_WORD = re.compile(r"\W+")
MIN_DEDUP_CHARS = 40


def dedup_key(article: Article) -> bytes:
    """Same story text, same key: whitespace, case and punctuation do not count.

    Only a body of some length marks a reissued story; headline-only items (briefs)
    that share a headline are different items, so each gets a key of its own.
    """
    normalised = _NON_WORD.sub(" ", article.body.lower()).strip()
    if len(normalised) < MIN_DEDUP_CHARS:
        normalised = "\0id:" + article.id
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest()


def _keyword(values) -> str:
    # Commas separate keyword values; a comma inside one value becomes a space.
    return ",".join(v.replace(",", " ").strip() for v in values if v and v.strip())


def to_document(article: Article, filesig: str) -> dict:
    """The fields Whoosh stores and indexes for one article."""
    places = tuple(p for p in ((article.place,) if article.place else ()) + article.places)
    doc = {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "body": article.body,
        "c_source": (article.source or "").encode("utf-8"),
        "c_place": (article.place or "").encode("utf-8"),
        "c_topics": MULTI_SEP.join(article.topics).encode("utf-8"),
        "c_date": article.date.isoformat().encode("ascii") if article.date else b"",
        "c_dedup": dedup_key(article),
        "c_path": article.path.encode("utf-8"),
        "c_filesig": filesig.encode("ascii"),
        "s_source": article.source,
        "s_place": article.place,
        "s_places": list(article.places),
        "s_topics": list(article.topics),
    }
    if article.source:
        doc["source"] = _keyword([article.source])
    if places:
        doc["place"] = _keyword(places)
    if article.topics:
        doc["topics"] = _keyword(article.topics)
    if article.date is not None:
        doc["date"] = article.date
    if article.url:
        doc["url"] = article.url
    return doc


def column_values(reader, field: str) -> list[bytes]:
    """Every document's value of a bytes column, in document order.

    A segment's VarBytes column is one block of data followed by its lengths: it is
    read in one piece and sliced, instead of one Whoosh call per document.
    """
    out: list[bytes] = []
    for segment, _ in reader.leaf_readers():
        if not segment.doc_count_all():  # an empty index's reader has no columns at all
            continue
        column = segment.column_reader(field, translate=False)
        lengths = getattr(column, "_lengths", None)
        if isinstance(column, columns.VarBytesColumn.Reader) and lengths is not None and len(lengths):
            ends = list(accumulate(lengths))
            blob = column._dbfile.get(column._basepos, ends[-1])
            out.extend(map(blob.__getitem__, map(slice, [0] + ends[:-1], ends)))
        else:
            out.extend(column[d] for d in range(segment.doc_count_all()))
    return out
