"""From the text a person typed to Whoosh queries.

The query language: words, "phrases", AND/OR/NOT, field:value (source:, place:,
topic:, title:, body:), wildcards (peace*), fuzzy words (peacekeepr~), and date
clauses (date:2022-01, date:[2022-01-01 TO 2022-01-15], date:>2022-01-10), which
filter the results. Words are joined by AND, and the any-word form also matches:
for a short query the searcher ranks documents holding all the words first
(ranking.tiers), a long one as one list by score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import query as Q
from whoosh.qparser import AndGroup, FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser

from ..dates import parse_user_date
from ..errors import QueryError, UserError
from . import ranking

TEXT_FIELDS = ("title", "body")
TITLE_BOOST = 1.75  # measured: benchmarks/relevance.py (see engine/ranking.py)
FIELD_ALIASES = {"topics": ["topic"], "body": ["text"]}
KNOWN_FIELDS = {"title", "body", "text", "source", "place", "topic", "topics", "date"}

# Whoosh's fuzzy matching builds an automaton that grows fast with the edit distance
# (`word~99` runs for minutes) and with the word's length.
MAX_FUZZY_DISTANCE = 2
# Whoosh's parser takes time growing with the square of a long word's length.
MAX_QUERY_CHARS = 2_000
MAX_FUZZY_WORD = 40

_FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(+-]))([A-Za-z_][\w-]*):(?=\S)")
_EXPLICIT_AND = re.compile(r"\bAND\b")
_DATE_CLAUSE = re.compile(
    r"(?:^|(?<=[\s(]))date:(?:\[(?P<range>[^\]]*)\]|(?P<op>[<>]=?)?(?P<value>\"[^\"]*\"|[^\s)]+))",
    re.I,
)
_RANGE_SPLIT = re.compile(r"\s+to\s+|^to\s+|\s+to$", re.I)


@dataclass(frozen=True)
class CompiledQuery:
    query: Q.Query  # what is ranked (all words)
    relaxed: Q.Query | None  # any-word form that also matches, ranked after; None if the same
    date_filter: Q.Query | None  # date: clauses of the text

    @property
    def matching(self) -> Q.Query:
        return self.relaxed or self.query

    @property
    def is_everything(self) -> bool:
        return isinstance(self.query, Q.Every)


def make_parser(schema) -> MultifieldParser:
    parser = MultifieldParser(
        list(TEXT_FIELDS), schema, fieldboosts={"title": TITLE_BOOST}, group=AndGroup
    )
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


def compile_query(parser: MultifieldParser, text: str) -> CompiledQuery:
    """Parse `text`; raises QueryError with a plain reason for what cannot be understood."""
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long (over {MAX_QUERY_CHARS:,} characters)")
    text, date_filter = _take_date_clauses(text)
    text = text.strip()
    if not text or text == "*":
        return CompiledQuery(Q.Every(), None, date_filter)
    check_syntax(text)
    try:
        query = parser.parse(text)
    except Exception as exc:  # whoosh's parser is lenient; anything left is a real error
        raise QueryError(f"cannot understand the query {text!r}: {exc}") from None
    query = ranking.weight_repeats(_bound_cost(query.normalize()), text, parser.schema["body"].analyzer)
    return CompiledQuery(query, _relaxed(text, query), date_filter)


def _bound_cost(query: Q.Query) -> Q.Query:
    """Cap what fuzzy words may cost; a person never needs more than two edits."""
    for leaf in [query] if query.is_leaf() else query.leaves():
        if isinstance(leaf, Q.FuzzyTerm):
            if len(leaf.text) > MAX_FUZZY_WORD:
                raise QueryError(f"a fuzzy word (word~) can have at most {MAX_FUZZY_WORD} letters")
            leaf.maxdist = min(leaf.maxdist, MAX_FUZZY_DISTANCE)
    return query


def _relaxed(text: str, query: Q.Query) -> Q.Query | None:
    """The any-word form of an implicit all-words query, or None if there is none.

    `peacekeepers Almaty NOT Minsk` → (peacekeepers OR Almaty) ANDNOT Minsk.
    An explicit AND means what it says and is not relaxed.
    """
    if _EXPLICIT_AND.search(text):
        return None
    if isinstance(query, Q.AndNot):
        inner = _relaxed("", query.a)
        return Q.AndNot(inner, query.b) if inner is not None else None
    if not isinstance(query, Q.And):
        return None
    positives = [c for c in query.subqueries if not isinstance(c, Q.Not)]
    negatives = [c.query for c in query.subqueries if isinstance(c, Q.Not)]
    # Only words are relaxed: source:, place: and topic: clauses stay required.
    words = [c for c in positives if _only_text_fields(c)]
    required = [c for c in positives if not _only_text_fields(c)]
    if len(words) < 2:
        return None
    relaxed: Q.Query = Q.Or(words)
    if required:
        relaxed = Q.And(required + [relaxed])
    if negatives:
        relaxed = Q.AndNot(relaxed, Q.Or(negatives))
    return relaxed


def _only_text_fields(query: Q.Query) -> bool:
    leaves = [query] if query.is_leaf() else list(query.leaves())
    return all(getattr(leaf, "fieldname", None) in TEXT_FIELDS for leaf in leaves)


def _take_date_clauses(text: str) -> tuple[str, Q.Query | None]:
    """Remove the date: clauses from `text` and return them as one date-range filter."""
    ranges: list[Q.Query] = []

    def take(match: re.Match) -> str:
        ranges.append(_date_range(match))
        return " "

    rest = _DATE_CLAUSE.sub(take, text)
    if not ranges:
        return text, None
    return rest, ranges[0] if len(ranges) == 1 else Q.And(ranges)


def _date_range(match: re.Match) -> Q.Query:
    try:
        if match.group("range") is not None:
            parts = [p.strip() for p in _RANGE_SPLIT.split(match.group("range").strip(), maxsplit=1)]
            if len(parts) != 2 or not any(parts):
                raise QueryError("a date range looks like date:[2022-01-01 TO 2022-01-31]")
            start = parse_user_date(parts[0]) if parts[0] else None
            end = parse_user_date(parts[1], end=True) if parts[1] else None
            return Q.DateRange("date", start, end, endexcl=True)
        value = match.group("value").strip('"')
        op = match.group("op")
        if op in (">", ">="):
            start = parse_user_date(value, end=(op == ">"))
            return Q.DateRange("date", start, None)
        if op in ("<", "<="):
            end = parse_user_date(value, end=(op == "<="))
            return Q.DateRange("date", None, end, endexcl=True)
        return Q.DateRange("date", parse_user_date(value), parse_user_date(value, end=True), endexcl=True)
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
    if depth:
        raise QueryError("unbalanced parentheses in the query: a '(' is not closed")
    for field in _FIELD_PREFIX.findall(outside_quotes):
        if field.lower() not in KNOWN_FIELDS:
            known = "source:, place:, topic:, date:, title:, body:"
            raise QueryError(
                f"unknown field {field!r} in the query: use one of {known} or put the text in quotes"
            )
