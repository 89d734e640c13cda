"""Generated query strings: each ends in results or a one-line error with exit status 2;
no traceback, no hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.cli import cli
from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher
from searchkit.errors import QueryError
from searchkit.models import SearchRequest

from .helpers import assert_one_line_error
from .wire import make_archive

QUERY_SECONDS = 5.0  # generous on a loaded CI machine; a hang is minutes
SYNTAX = ['"', "(", ")", "[", "]", "{", "}", ":", "*", "?", "~", "^", "+", "-", "\\", "'", "/",
          " AND ", " OR ", " NOT ", " ANDNOT ", " ANDMAYBE ", " TO ", "date:", "title:", "body:",
          "source:", "place:", "topic:", "text:", "nofield:", "date:[", " to]", "date:>", "date:<=",
          "<", ">", "=", "~2", "~99", "^3", "*x*", "a*", "*", "?", "2022-02-30", "2022-01"]
WORDS = ["peacekeepers", "treaty", "grain", "summit", "zqbx", "peace", "moscow", "tass", "the"]

fragments = st.one_of(
    st.sampled_from(SYNTAX),
    st.sampled_from(WORDS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=4),  # control characters
)
queries = st.one_of(
    st.lists(fragments, max_size=12).map("".join),
    st.lists(fragments, max_size=12).map(" ".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.tuples(st.sampled_from(SYNTAX + WORDS), st.integers(100, 700)).map(lambda t: t[0] * t[1]),
)
HAND_PICKED = [
    '"', '"unbalanced', "(", ")", "((peace)", "peace)", "[", "]", "{", "date:[x to]", "date:[ to ]",
    "date:[2022-01-01 to]", "date:[to 2022-01-01]", "date:[]", "date:", "date:>", "date:2022-02-30",
    "date:99999", "AND", "OR", "NOT", "AND OR NOT", "NOT peace", "peace NOT", "*", "**", "?", "*?*",
    "a*", "*a", "~", "peace~", "peace~999", "^", "peace^", "peace^999999999", "nofield:x",
    "title:", "title:*", ":", "::", "\\", "\x00", "\x1b[2J", "\u202e", "\ufeff", "🙂" * 50,
    "peace " * 333, "peace " * 3000, "a" * 1_999, "a" * 2_001, "a*" * 200, "*a*" * 300, "x~2 " * 100,
    "place:\"New York\"", "source:", "topic:(a OR b)", "title:(peace", '"peace treaty"~',
    "'single quoted", "peace AND AND treaty", "(((((((((())))))))))",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("queries")
    make_archive(root / "archive", 600, words=30)
    reindex(root / "archive", root / "index")
    return root / "archive", root / "index"


@pytest.fixture(scope="module")
def searcher(index):
    with Searcher(index[1]) as s:
        yield s


def _search_bounded(searcher: Searcher, text: str) -> None:
    started = time.monotonic()
    try:
        response = searcher.search(SearchRequest(text))
        assert response.total >= 0
    except QueryError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
    assert time.monotonic() - started < QUERY_SECONDS, f"{text!r} took too long"


@pytest.mark.parametrize("text", HAND_PICKED, ids=range(len(HAND_PICKED)))
def test_hand_picked_queries_through_the_cli(index, text: str) -> None:
    archive, index_dir = index
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["query", "--archive", str(archive), "--index", str(index_dir),
                                      "--", text])
    assert time.monotonic() - started < QUERY_SECONDS + 2
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code:
        assert_one_line_error(result.stderr, result.exit_code)
    else:
        assert "hit" in result.stdout


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=queries)
def test_generated_queries_end_in_results_or_a_query_error(searcher, text: str) -> None:
    _search_bounded(searcher, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=queries)
def test_generated_queries_through_the_cli(index, text: str) -> None:
    archive, index_dir = index
    result = CliRunner().invoke(cli, ["query", "--archive", str(archive), "--index", str(index_dir),
                                      "--json", "--", text])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2)
    if result.exit_code:
        assert_one_line_error(result.stderr, result.exit_code)
