"""From the text a person typed to a query plan: what to match, and what to score.

The query language: words, "phrases", AND/OR/NOT, field:value (source:, place:,
topic:, title:, body:), wildcards (peace*), fuzzy words (peacekeepr~), and date
clauses (date:2022-01, date:[2022-01-01 TO 2022-01-15], date:>2022-01-10), which
filter the results. Whoosh's query parser reads the text; its query tree becomes the
plan below (plain frozen dataclasses), which matching.py evaluates over the arrays.

Words typed side by side mean all of them for a short query (up to
`ALL_WORDS_MAX` clauses) and any of them for a longer one (a pasted paragraph); an
explicit AND, OR or NOT means what it says. When no article holds all the words of a
short query, the searcher falls back to any of them and says so (`matched: any`).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from whoosh import query as Q
from whoosh.qparser import AndGroup, FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser

from ..dates import parse_user_date
from ..errors import QueryError, UserError
from ..models import MatchMode
from .analysis import DEFAULT_LANGUAGE, TOKEN, Language, language
from .fields import FACET_BY_NAME, TEXT_FIELD_NAMES, field_aliases, keyword
from .schema import build_schema
from .segment import to_micros

ALL_WORDS_MAX = 4  # words typed side by side: up to this many must all match
MAX_FUZZY_DISTANCE = 2  # a person never means more than two edits (`word~99` is capped)
MAX_QUERY_CHARS = 2_000  # Whoosh's parser takes time growing with the square of a long word
MAX_FUZZY_WORD = 40
MAX_CLAUSES = 256  # words, phrases and operators in one query
MAX_NESTING = 16  # parentheses within parentheses
KNOWN_FIELDS = {"date", *TEXT_FIELD_NAMES, *FACET_BY_NAME,
                *(alias for aliases in field_aliases().values() for alias in aliases)}

_FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(+-]))([A-Za-z_][\w-]*):(?=\S)")
_EXPLICIT_AND = re.compile(r"\bAND\b")
_DATE_CLAUSE = re.compile(
    r"(?:^|(?<=[\s(]))date:(?:\[(?P<range>[^\]]*)\]|(?P<op>[<>]=?)?(?P<value>\"[^\"]*\"|[^\s)]+))",
    re.I,
)
_RANGE_SPLIT = re.compile(r"\s+to\s+|^to\s+|\s+to$", re.I)
_QUOTED = re.compile(r'"[^"]*"')
# Letters standing alone side by side (`U S`, as `U.S.` is left when its dots are
# taken out) are read as the abbreviation they spell, as analysis.py indexes it (`us`).
_SPACED_LETTERS = re.compile(r"(?<![\w.:~*?\\-])[^\W\d_](?:[ \t]+[^\W\d_])+(?![\w.:~*?(-])")


# -- the plan ------------------------------------------------------------------------


class Node:
    """A node of a query plan."""


@dataclass(frozen=True)
class Word(Node):
    """One analysed word (an index term) in some text fields, scored as one (BM25F)."""

    term: str
    fields: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase(Node):
    """Terms at fixed distances from the first (`offsets`), in some text fields."""

    terms: tuple[str, ...]
    offsets: tuple[int, ...]
    fields: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Expansion(Node):
    """Words as written that fit a pattern: `prefix*`, `wild?ard`, or `fuzzy~N`."""

    kind: Literal["prefix", "wildcard", "fuzzy"]
    pattern: str
    fields: tuple[str, ...]
    distance: int = 0
    boost: float = 1.0
    language: str = DEFAULT_LANGUAGE  # how the words reached become terms


@dataclass(frozen=True)
class FacetValue(Node):
    """Articles holding one facet value (normalised): `place:minsk`, `--place Minsk`."""

    facet: str
    value: str


@dataclass(frozen=True)
class DateRange(Node):
    """Articles dated from `start` (inclusive) to `end` (exclusive), in microseconds."""

    start: int | None
    end: int | None


@dataclass(frozen=True)
class All(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Exclude(Node):
    """What `keep` matches, less what `drop` matches."""

    keep: Node
    drop: Node


@dataclass(frozen=True)
class Everything(Node):
    pass


@dataclass(frozen=True)
class Nothing(Node):
    pass


TEXT_LEAVES = (Word, Phrase, Expansion)


@dataclass(frozen=True)
class CompiledQuery:
    """A parsed query: what matches in each mode, and its date clauses."""

    strict: Node  # all the words typed side by side
    loose: Node | None  # any of them; None when there is no difference
    dates: Node | None  # the date: clauses, as a filter
    words: int  # text clauses typed side by side (what decides all or any)
    mode: MatchMode = "auto"

    @property
    def is_everything(self) -> bool:
        return isinstance(self.strict, Everything)

    def first(self) -> tuple[Node, Literal["all", "any"]]:
        """The plan to try first, and what it means."""
        if self.loose is None:
            return self.strict, "all"
        if self.mode == "any" or (self.mode == "auto" and self.words > ALL_WORDS_MAX):
            return self.loose, "any"
        return self.strict, "all"

    def fallback(self) -> Node | None:
        """The any-word plan to try when the first finds nothing (short queries only)."""
        if self.mode == "auto" and self.loose is not None and self.words <= ALL_WORDS_MAX:
            return self.loose
        return None


# -- parsing ---------------------------------------------------------------------------


def make_parser(language_code: str = DEFAULT_LANGUAGE) -> MultifieldParser:
    """The parser of queries over an index whose text is in `language_code`."""
    parser = MultifieldParser(list(TEXT_FIELD_NAMES), build_schema(language_code), group=AndGroup)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(field_aliases()))
    return parser


def compile_query(parser: MultifieldParser, text: str, mode: MatchMode = "auto") -> CompiledQuery:
    """Parse `text`; raises QueryError with a plain reason for what cannot be understood."""
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long (over {MAX_QUERY_CHARS:,} characters)")
    text, dates = _take_date_clauses(text)
    if not text.strip() or text.strip() == "*":
        return CompiledQuery(Everything(), None, dates, 0, mode)
    check_syntax(text)
    text = _SPACED_LETTERS.sub(_joined_letters, text)
    lang = language(getattr(parser.schema["body"].analyzer, "language_code", DEFAULT_LANGUAGE))
    try:
        parsed = parser.parse(text)
    except Exception as exc:  # whoosh's parser is lenient; anything left is a real error
        raise QueryError(f"cannot understand the query {text!r}: {exc}") from None
    plan = _weigh_repeats(_convert(parsed, text, lang), text, lang)
    _check_size(plan)
    loose, words = _loosened(plan, explicit=bool(_EXPLICIT_AND.search(text)))
    return CompiledQuery(plan, loose, dates, words, mode)


def _convert(q: Q.Query, text: str, lang: Language) -> Node:
    """Whoosh's query tree as a plan."""
    boost = getattr(q, "boost", 1.0) or 1.0
    if isinstance(q, Q.NullQuery.__class__) or q is Q.NullQuery:
        return Nothing()
    if isinstance(q, Q.Every):
        return Everything()
    if isinstance(q, Q.Term):
        if q.fieldname in FACET_BY_NAME:
            return FacetValue(q.fieldname, keyword(str(q.text)))
        return Word(str(q.text), (q.fieldname,), boost)
    if isinstance(q, Q.Phrase):
        return Phrase(tuple(q.words), _phrase_offsets(q, text), (q.fieldname,), boost)
    if isinstance(q, (Q.FuzzyTerm, Q.Prefix, Q.Wildcard)) and q.fieldname in FACET_BY_NAME:
        raise QueryError(f"{q.fieldname}: takes a whole value (source:TASS, place:\"new york\"); "
                         "wildcards and fuzzy words (~) search the text")
    if isinstance(q, Q.FuzzyTerm):
        if len(q.text) > MAX_FUZZY_WORD:
            raise QueryError(f"a fuzzy word (word~) can have at most {MAX_FUZZY_WORD} letters")
        return Expansion("fuzzy", str(q.text), (q.fieldname,), min(q.maxdist, MAX_FUZZY_DISTANCE), boost,
                         lang.code)
    if isinstance(q, Q.Prefix):
        return Expansion("prefix", str(q.text), (q.fieldname,), boost=boost, language=lang.code)
    if isinstance(q, Q.Wildcard):
        return Expansion("wildcard", str(q.text), (q.fieldname,), boost=boost, language=lang.code)
    if isinstance(q, Q.AndNot):
        return Exclude(_convert(q.a, text, lang), _convert(q.b, text, lang))
    if isinstance(q, (Q.AndMaybe, Q.Require)):
        return _convert(q.a, text, lang) if isinstance(q, Q.AndMaybe) else \
            All((_convert(q.a, text, lang), _convert(q.b, text, lang)))
    if isinstance(q, Q.Not):
        return Exclude(Everything(), _convert(q.query, text, lang))
    if isinstance(q, Q.And):
        keep = [_convert(c, text, lang) for c in q.subqueries if not isinstance(c, Q.Not)]
        drop = [_convert(c.query, text, lang) for c in q.subqueries if isinstance(c, Q.Not)]
        node: Node = _boosted(All(tuple(keep)), boost) if keep else Everything()
        if drop:
            node = Exclude(node, drop[0] if len(drop) == 1 else Any(tuple(drop)))
        return node
    if isinstance(q, (Q.Or, Q.DisjunctionMax)):
        return _boosted(_fields_joined([_convert(c, text, lang) for c in q.subqueries]), boost)
    raise QueryError(f"searchkit cannot search for {type(q).__name__} clauses")


def _fields_joined(children: list[Node]) -> Node:
    """Or-ed clauses that differ only by field become one clause over those fields:
    `(title:oil OR body:oil)` is the word oil, in both."""
    joined: dict[object, Node] = {}
    for child in children:
        if isinstance(child, TEXT_LEAVES):
            key = replace(child, fields=())
            known = joined.get(key)  # None, or the text leaf stored under this key
            joined[key] = replace(known, fields=tuple(dict.fromkeys(known.fields + child.fields))) \
                if isinstance(known, TEXT_LEAVES) else child
        else:
            joined[object()] = child
    nodes = tuple(joined.values())
    return nodes[0] if len(nodes) == 1 else Any(nodes)


def _boosted(node: Node, boost: float) -> Node:
    if boost == 1.0:
        return node
    if isinstance(node, TEXT_LEAVES):
        return replace(node, boost=node.boost * boost)
    if isinstance(node, (All, Any)):
        return type(node)(tuple(_boosted(c, boost) for c in node.children))
    return node


def _joined_letters(match: re.Match) -> str:
    return "".join(match.group().split())


def _weigh_repeats(node: Node, text: str, lang: Language) -> Node:
    """A word typed twice counts twice: its clause's boost is multiplied by how often
    it occurs in what was typed (query-term frequency, as in Lucene). Whoosh's parser
    keeps each clause once, so the count comes from the text."""
    counts = Counter(lang.terms_of(_QUOTED.sub(" ", text)))
    if not any(n > 1 for n in counts.values()):
        return node

    def weigh(n: Node) -> Node:
        if isinstance(n, Word) and counts.get(n.term, 1) > 1:
            return replace(n, boost=n.boost * counts[n.term])
        if isinstance(n, (All, Any)):
            return type(n)(tuple(weigh(c) for c in n.children))
        if isinstance(n, Exclude):
            return Exclude(weigh(n.keep), n.drop)
        return n

    return weigh(node)


def _phrase_offsets(q: Q.Phrase, text: str) -> tuple[int, ...]:
    """Each phrase word's distance from the first, counting the stop words between
    them in what was typed (the parser drops them but keeps where each word stood)."""
    ranges = getattr(q, "char_ranges", None)
    if not ranges or len(ranges) != len(q.words):
        return tuple(range(len(q.words)))
    offsets = [0]
    for (_, end), (start, _) in itertools.pairwise(ranges):
        offsets.append(offsets[-1] + 1 + len(TOKEN.findall(text[end:start])))
    return tuple(offsets)


def _loosened(plan: Node, *, explicit: bool) -> tuple[Node | None, int]:
    """(the any-word form of words typed side by side, how many there are).

    `peacekeepers Almaty NOT Minsk` → (peacekeepers OR Almaty) NOT Minsk. Field
    clauses (`place:minsk`) stay required; an explicit AND means what it says.
    """
    keep, drop = (plan.keep, plan.drop) if isinstance(plan, Exclude) else (plan, None)
    children = keep.children if isinstance(keep, All) else (keep,)
    words = [c for c in children if isinstance(c, TEXT_LEAVES)]
    if explicit or len(words) < 2:
        return None, len(words)
    required = [c for c in children if not isinstance(c, TEXT_LEAVES)]
    loose: Node = Any(tuple(words))
    if required:
        loose = All((*required, loose))
    return (Exclude(loose, drop) if drop is not None else loose), len(words)


def _check_size(plan: Node) -> None:
    count = 0

    def walk(node: Node, depth: int) -> None:
        nonlocal count
        count += 1
        if depth > MAX_NESTING:
            raise QueryError(f"the query nests more than {MAX_NESTING} levels deep")
        for child in getattr(node, "children", ()):
            walk(child, depth + 1)
        if isinstance(node, Exclude):
            walk(node.keep, depth + 1)
            walk(node.drop, depth + 1)

    walk(plan, 0)
    if count > MAX_CLAUSES:
        raise QueryError(f"the query has more than {MAX_CLAUSES} clauses")


def _take_date_clauses(text: str) -> tuple[str, Node | None]:
    """Remove the date: clauses from `text` and return them as one date filter."""
    ranges: list[Node] = []

    def take(match: re.Match) -> str:
        ranges.append(_date_range(match))
        return " "

    rest = _DATE_CLAUSE.sub(take, text)
    if not ranges:
        return text, None
    return rest, ranges[0] if len(ranges) == 1 else All(tuple(ranges))


def date_range(start: datetime | None, end: datetime | None) -> DateRange:
    """A DateRange from datetimes (either may be None)."""
    return DateRange(None if start is None else to_micros(start), None if end is None else to_micros(end))


def _date_range(match: re.Match) -> Node:
    try:
        if match.group("range") is not None:
            parts = [p.strip() for p in _RANGE_SPLIT.split(match.group("range").strip(), maxsplit=1)]
            if len(parts) != 2 or not any(parts):
                raise QueryError("a date range looks like date:[2022-01-01 TO 2022-01-31]")
            start = parse_user_date(parts[0]) if parts[0] else None
            end = parse_user_date(parts[1], end=True) if parts[1] else None
            return date_range(start, end)
        value = match.group("value").strip('"')
        op = match.group("op")
        if op in (">", ">="):
            return date_range(parse_user_date(value, end=(op == ">")), None)
        if op in ("<", "<="):
            return date_range(None, parse_user_date(value, end=(op == "<=")))
        return date_range(parse_user_date(value), parse_user_date(value, end=True))
    except QueryError:
        raise
    except UserError as exc:
        raise QueryError(f"in {match.group(0)!r}: {exc}") from None


def check_syntax(text: str) -> None:
    """Reject what the lenient Whoosh parser would silently reinterpret."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote in the query: close the phrase with another "')
    outside_quotes = re.sub(r'"[^"]*"', " ", text)
    depth = 0
    for ch in outside_quotes:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            raise QueryError("unbalanced parentheses in the query: a ')' has no '('")
        if depth > MAX_NESTING:
            raise QueryError(f"the query nests more than {MAX_NESTING} levels deep")
    if depth:
        raise QueryError("unbalanced parentheses in the query: a '(' is not closed")
    for name in _FIELD_PREFIX.findall(outside_quotes):
        if name.lower() not in KNOWN_FIELDS:
            known = "source:, place:, topic:, date:, title:, body:"
            raise QueryError(
                f"unknown field {name!r} in the query: use one of {known} or put the text in quotes"
            )
