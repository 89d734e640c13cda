"""Output for scripts and terminals: formats, streaming every hit, colour, pager, hints."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import federation
from searchkit.cli import cli

from .conftest import REPO
from .test_cli import MINSK_ID, MOSCOW_ID, as_json, assert_user_error

WIRE = " date 2022-02-{day:02d} ALMATY, February {day}. /TASS/. Story {day} about wheat exports from Almaty."


@pytest.fixture
def wheat(archive: Path) -> Path:
    """The seeds plus 12 stories about wheat."""
    for day in range(1, 13):
        (archive / f"wheat-{day:02d}.txt").write_text(WIRE.format(day=day), encoding="utf-8")
    return archive


def test_jsonl_all_streams_every_hit_across_pages(run, wheat, monkeypatch):
    monkeypatch.setattr(federation, "MAX_PAGE", 5)  # three pages of hits for 12 articles
    result = run("query", "wheat", "--format", "jsonl", "--all", "--sort", "oldest")
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["id"] for h in hits] == [f"wheat-{d:02d}.txt" for d in range(1, 13)]
    assert set(hits[0]) >= {"id", "path", "date", "title", "score", "snippet", "topics", "url"}
    assert "<em>wheat</em>" in hits[0]["snippet"]
    # A page is capped at --limit; --all is not.
    assert len(run("query", "wheat", "--format", "jsonl").stdout.splitlines()) == 10
    whole = as_json(run("query", "wheat", "--json", "--all"))
    assert len(whole["hits"]) == whole["total"] == 12 and (whole["page"], whole["limit"]) == (None, None)


def test_csv_ids_paths_and_nul_separated_ids(run, wheat):
    rows = list(csv.reader(io.StringIO(run("query", "wheat", "--format", "csv", "--sort", "oldest").stdout)))
    assert rows[0] == ["id", "path", "date", "source", "place", "title", "score", "topics", "url"]
    assert rows[1][:5] == ["wheat-01.txt", rows[1][1], "2022-02-01", "TASS", "ALMATY"]
    assert rows[1][1].endswith("archive/wheat-01.txt") and len(rows) == 11
    ids = run("query", "CSTO", "--format", "ids", "--sort", "newest").stdout
    assert ids == f"{MOSCOW_ID}\n{MINSK_ID}\n"
    nul = run("query", "CSTO", "--format", "ids", "--null", "--sort", "newest").stdout
    assert nul == f"{MOSCOW_ID}\0{MINSK_ID}\0"
    paths = run("query", "CSTO", "--format", "paths", "--sort", "oldest").stdout.splitlines()
    assert [Path(p).name for p in paths] == [MINSK_ID, MOSCOW_ID]
    assert_user_error(run("query", "CSTO", "--null"), "--null goes with --format ids")


def test_more_like_in_text_and_json(run, wheat):
    similar = as_json(run("query", "--more-like", "wheat-01.txt", "--json", "--limit", "20"))
    ids = [h["id"] for h in similar["hits"]]
    assert "wheat-01.txt" not in ids and set(ids) >= {f"wheat-{d:02d}.txt" for d in range(2, 13)}
    assert (similar["more_like"], similar["query"]) == ("wheat-01.txt", "")
    assert "wheat-" in run("query", "--more-like", "wheat-01.txt").stdout
    assert_user_error(run("query", "--more-like", "nope.txt"), "no article with id 'nope.txt'")
    assert_user_error(run("query", "x", "--more-like", "wheat-01.txt"), "not both")


def test_hints_for_a_page_past_the_end_and_an_inverted_range(run):
    run("reindex")
    past = run("query", "CSTO", "--page", "5")
    assert past.exit_code == 0
    assert past.stderr == "searchkit: hint: page 5 is past the end: 2 hits make 1 page of 10\n"
    inverted = run("query", "CSTO", "--since", "2022-02", "--until", "2022-01", "--json")
    assert inverted.exit_code == 0 and as_json(inverted)["total"] == 0
    assert inverted.stderr.strip().splitlines() == [
        "searchkit: hint: --since 2022-02 is after --until 2022-01: no article can match"]


def test_colour_is_chosen_and_no_color_honoured(run):
    run("reindex")
    assert "\x1b[" not in run("query", "CSTO").stdout  # piped: plain
    assert "\x1b[" in run("query", "CSTO", "--color", "always").stdout
    assert "\x1b[" in run("query", "CSTO", "--color", "always", env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" not in run("query", "CSTO", "--color", "never").stdout


def test_text_wraps_with_a_hanging_indent_and_titles_stay_on_one_line(seed_searcher):
    from rich.console import Console

    from searchkit import output
    from searchkit.models import SearchRequest

    response = seed_searcher.search(SearchRequest("peacekeepers Almaty"))
    buffer = io.StringIO()
    output.print_response(Console(file=buffer, width=50, no_color=True, highlight=False), response)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]  # padding fills the width
    first = lines.index("  1. 2022-01-19  TASS  MOSCOW")
    title, snippet = lines[first + 1], lines[first + 2: lines.index(f"     {MOSCOW_ID}")]
    assert title.startswith("     The peacekeepers") and title.endswith("…") and len(title) <= 50
    assert len(snippet) > 1 and all(line.startswith("     ") and line[5] != " " for line in snippet)


def test_bare_command_prints_help_and_query_help_points_to_the_language():
    bare = CliRunner().invoke(cli, [])
    assert bare.exit_code == 0 and "Usage:" in bare.stdout and "searchkit add NAME FOLDER" in bare.stdout
    helped = CliRunner().invoke(cli, ["query", "--help"]).stdout
    assert "The query language" in helped and '"collective security"' in helped
    assert "--all-words" in helped and "--format" in helped


def _run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO, timeout=120, **kwargs)


def test_a_closed_pipe_ends_quietly_with_status_0(tmp_path, wheat):
    env = {**os.environ, "SEARCHKIT_ARCHIVE": str(wheat), "SEARCHKIT_INDEX": str(tmp_path / "ix")}
    command = f"{sys.executable} -m searchkit query wheat --all --format jsonl; echo status=$? >&2"
    assert _run([sys.executable, "-m", "searchkit", "reindex"], env).returncode == 0
    # `head -c 1` leaves after one byte: the writes after it meet a closed pipe.
    piped = _run(["sh", "-c", f"({command}) | head -c 1"], env)
    assert piped.stdout == "{"
    assert piped.stderr.strip() == "status=0", piped.stderr
    text = f"{sys.executable} -m searchkit query wheat --all; echo status=$? >&2"
    piped = _run(["sh", "-c", f"({text}) | head -n 1"], env)
    assert piped.stdout.startswith("  1. 2022-02-")
    assert piped.stderr.strip() == "status=0", piped.stderr


def test_show_goes_through_the_pager_on_a_terminal_when_longer_than_the_screen(tmp_path, archive):
    paged = tmp_path / "paged.txt"
    pager = tmp_path / "pager"
    pager.write_text(f"#!/bin/sh\ncat > '{paged}'\n", encoding="utf-8")
    pager.chmod(0o755)
    env = {**os.environ, "SEARCHKIT_ARCHIVE": str(archive), "SEARCHKIT_INDEX": str(tmp_path / "ix"),
           "PAGER": str(pager), "NO_COLOR": "1", "TERM": "xterm", "LINES": "5"}
    assert _run([sys.executable, "-m", "searchkit", "reindex"], env).returncode == 0
    main, child = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "searchkit", "show", MINSK_ID], stdin=child, stdout=child,
                              stderr=child, env=env, cwd=REPO, timeout=120)
    finally:
        os.close(child)
        os.close(main)
    assert done.returncode == 0
    text = paged.read_text(encoding="utf-8")
    assert "2022-01-10  TASS  MINSK" in text and "Volfovich said." in text


def test_facets_list_as_many_values_as_asked_and_say_how_many_more(run, archive):
    # Twelve places, one story each: more than the 8 a person sees under the hits by default.
    for n in range(12):
        (archive / f"place-{n:02d}.txt").write_text(
            f" date 2022-03-{n + 1:02d} TOWN{n:02d}, March {n + 1}. /TASS/. Harvest report number {n}.",
            encoding="utf-8")
    places = as_json(run("query", "harvest", "--json", "--facets", "all"))["facets"]["place"]
    assert sorted(p["value"] for p in places) == [f"TOWN{n:02d}" for n in range(12)]
    assert len(as_json(run("query", "harvest", "--json", "--facets", "3"))["facets"]["place"]) == 3
    text = run("query", "harvest", "--color", "never").stdout
    place_line = next(line for line in text.splitlines() if line.startswith("place: "))
    assert place_line.count(" · ") == 8 and place_line.endswith("+4 more (--facets all)")
    every = run("query", "harvest", "--facets", "all", "--color", "never").stdout
    place_line = next(line for line in every.splitlines() if line.startswith("place: "))
    assert place_line.count(" · ") == 11 and "more" not in place_line
    assert_user_error(run("query", "harvest", "--facets", "many"), "--facets takes a number")
