"""The Whoosh schema: what Whoosh's query parser and readers know of the fields.

Built from the field registry (fields.py). The text fields use searchkit's analysis
(analysis.QueryAnalyzer), so a word typed in a query becomes the same term as in the
index; facets are Whoosh KEYWORD fields whose terms are the normalised values.
"""

from __future__ import annotations

from whoosh import fields

from .analysis import DEFAULT_LANGUAGE, QueryAnalyzer
from .fields import FACETS, TEXT_FIELDS


def build_schema(language_code: str = DEFAULT_LANGUAGE) -> fields.Schema:
    """The schema of an index whose text is analysed in `language_code`."""
    analyzer = QueryAnalyzer(language_code)
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        date=fields.STORED(),
        url=fields.STORED(),
        places=fields.STORED(),
    )
    for text in TEXT_FIELDS:
        schema.add(text.name, fields.TEXT(analyzer=analyzer, stored=True, phrase=True))
    for facet in FACETS:
        schema.add(facet.name, fields.KEYWORD(lowercase=True, commas=True, scorable=False))
    return schema
