"""The one registry of what an article becomes in the index: text fields and facets.

Everything that lists fields reads them from here: the Whoosh schema (what the query
parser knows), the segment writer (what is analysed and counted), the view (what is
opened), filters and facet counts (what `--place` and the `place` facet mean, the same
thing: the dateline place, nothing else). Adding a facet is one `Facet` line here and,
if a request should filter by it, one field in `models.SearchRequest`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..models import Article


@dataclass(frozen=True)
class TextField:
    """An analysed text field: searched by words and phrases, ranked, highlighted."""

    name: str
    aliases: tuple[str, ...] = ()  # other names in the query language
    # Keep token checkpoints (analysis.checkpoints) so a snippet can be cut from any
    # depth of a long text; short fields are simply scanned from their start.
    checkpointed: bool = True


@dataclass(frozen=True)
class Facet:
    """A field of exact values: counted over the results, filtered by, searched as `name:value`.

    Its values are compared normalised (`keyword`): `--place "new york"`, `place:"New York"`
    and a dateline `NEW YORK` are one value, shown as first written.
    """

    name: str  # in queries, in requests (SearchRequest.<name>) and in facet counts
    values: Callable[[Article], tuple[str, ...]]
    multi: bool = False  # several values per article
    aliases: tuple[str, ...] = ()


def _one(value: str | None) -> tuple[str, ...]:
    return (value,) if value and value.strip() else ()


TEXT_FIELDS: tuple[TextField, ...] = (
    TextField("title", checkpointed=False),
    TextField("body", aliases=("text",)),
)
FACETS: tuple[Facet, ...] = (
    Facet("source", lambda a: _one(a.source)),
    Facet("place", lambda a: _one(a.place)),
    Facet("topic", lambda a: tuple(t for t in a.topics if t.strip()), multi=True, aliases=("topics",)),
)
# Years and months are facets too, counted from each document's date (facets.py).

TEXT_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in TEXT_FIELDS)
FACET_BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}


def keyword(value: str) -> str:
    """A facet value as it is matched: lower case, single spaces, no commas."""
    return " ".join(value.replace(",", " ").lower().split())


def display(value: str) -> str:
    """A facet value as it is shown: single spaces."""
    return " ".join(value.split())


def field_aliases() -> dict[str, list[str]]:
    """{field: [other names]} for the query parser."""
    fields: tuple[TextField | Facet, ...] = (*TEXT_FIELDS, *FACETS)
    return {f.name: list(f.aliases) for f in fields if f.aliases}
