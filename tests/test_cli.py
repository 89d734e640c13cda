"""The `searchkit` command as a person uses it: output, options, reindexing, errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from searchkit.engine import store

from .conftest import REPO

MOSCOW_ID = "000_705ae3be991c31b8.txt"
MINSK_ID = "003_a64b384920c9e53b.txt"


def as_json(result) -> dict:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def assert_user_error(result, *fragments: str) -> None:
    """One line on stderr, exit status 2, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("searchkit: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_first_query_builds_the_index_and_finds_both(run):
    result = run("query", "peacekeepers Almaty", "--json")
    data = as_json(result)
    assert "building it" in result.stderr and "indexed 2 articles" in result.stderr
    assert data["query"] == "peacekeepers Almaty"
    assert data["total"] == 2
    assert set(data) == {"query", "total", "took_ms", "page", "limit", "hits", "facets", "suggestion", "matched"}
    assert (data["page"], data["limit"]) == (1, 10)
    assert data["matched"] == "all"
    assert {h["id"] for h in data["hits"]} == {MOSCOW_ID, MINSK_ID}
    hit = next(h for h in data["hits"] if h["id"] == MOSCOW_ID)
    assert set(hit) == {"id", "path", "date", "source", "place", "title", "score", "snippet", "topics", "url"}
    assert (hit["topics"], hit["url"]) == ([], None)
    assert (hit["date"], hit["source"], hit["place"]) == ("2022-01-19", "TASS", "MOSCOW")
    assert hit["path"].endswith("archive/000_705ae3be991c31b8.txt")
    assert "<em>Almaty</em>" in hit["snippet"] and "<em>peacekeepers</em>" in hit["snippet"]
    assert data["facets"] == {
        "source": [{"value": "TASS", "count": 2}],
        "place": [{"value": "MINSK", "count": 1}, {"value": "MOSCOW", "count": 1}],
        "topic": [],
        "year": [{"value": "2022", "count": 2}],
        "month": [{"value": "2022-01", "count": 2}],
    }
    assert data["suggestion"] is None
    # The second run uses the index it built.
    again = run("query", "peacekeepers Almaty", "--json")
    assert again.stderr == "" and as_json(again)["total"] == 2


def test_snippets_are_html_escaped(run, archive):
    (archive / "x.txt").write_text(
        " date 2022-01-05 MOSCOW, January 5. /TASS/. Prices rose <5% & fell, \"sharply\".", encoding="utf-8")
    snippet = as_json(run("query", "prices", "--json"))["hits"][0]["snippet"]
    assert snippet == '<em>Prices</em> rose &lt;5% &amp; fell, "sharply".'


def test_human_output(run):
    result = run("query", "peacekeepers Almaty")
    assert result.exit_code == 0
    out = result.stdout
    assert "2022-01-19  TASS  MOSCOW" in out and "2022-01-10  TASS  MINSK" in out
    assert "2 hits in" in out
    assert "source: TASS 2" in out and "place: MINSK 1 · MOSCOW 1" in out and "month: 2022-01 2" in out
    assert "\x1b[" not in out  # plain when piped
    assert MOSCOW_ID in out


def test_options_filter_sort_and_page(run):
    def hit_ids(*args):
        return [h["id"] for h in as_json(run("query", *args, "--json"))["hits"]]

    assert hit_ids("CSTO", "--place", "minsk") == [MINSK_ID]
    assert hit_ids("CSTO", "--source", "TASS", "--sort", "oldest") == [MINSK_ID, MOSCOW_ID]
    assert hit_ids("CSTO", "--since", "2022-01-11") == [MOSCOW_ID]
    assert hit_ids("CSTO", "--since", "Jan 10 2022", "--until", "Jan 10 2022") == [MINSK_ID]
    assert hit_ids("CSTO", "--until", "2022-01", "--sort", "newest") == [MOSCOW_ID, MINSK_ID]
    assert hit_ids("CSTO", "--sort", "newest", "--limit", "1", "--page", "2") == [MINSK_ID]
    assert hit_ids("--topic", "none") == []
    assert hit_ids() == [MOSCOW_ID, MINSK_ID]  # browse: newest first


def test_show_and_stats(run):
    shown = run("show", MINSK_ID)
    assert shown.exit_code == 0
    assert "2022-01-10  TASS  MINSK" in shown.stdout and "Volfovich said." in shown.stdout
    article = as_json(run("show", MINSK_ID, "--json"))
    assert article["place"] == "MINSK" and article["body"].endswith("2,030 troops and 250 combat vehicles.")
    stats = as_json(run("stats", "--json"))
    assert (stats["articles"], stats["sources"], stats["places"]) == (2, 1, 2)
    assert (stats["first_date"], stats["last_date"]) == ("2022-01-10", "2022-01-19")
    assert "articles  2" in run("stats").stdout


def test_incremental_reindex_follows_the_archive(run, archive):
    first = run("reindex")
    assert first.exit_code == 0
    assert first.stdout.startswith("indexed 2 articles (full rebuild of 2 files, 0 skipped)")
    noop = run("reindex")
    assert noop.stdout.startswith("indexed 2 articles (0 new, 0 changed, 0 removed, 0 skipped)")

    (archive / "new.txt").write_text(
        " date 2022-01-20 ALMATY, January 20. /TASS/. Markets in Almaty reopened.", encoding="utf-8")
    changed = archive / MINSK_ID
    changed.write_text(changed.read_text(encoding="utf-8").replace("Volfovich", "Wolfowitz"), encoding="utf-8")
    (archive / MOSCOW_ID).unlink()
    result = run("reindex")
    assert result.stdout.startswith("indexed 2 articles (1 new, 1 changed, 1 removed, 0 skipped)")

    def found(text):
        return {h["id"] for h in as_json(run("query", text, "--json"))["hits"]}

    assert found("markets") == {"new.txt"}
    assert found("Wolfowitz") == {MINSK_ID}
    assert found("Volfovich") == set()
    assert found("Serdyukov") == set()
    assert as_json(run("stats", "--json"))["articles"] == 2


def test_full_rebuild_switches_generation(run, tmp_path):
    run("reindex")
    index_dir = tmp_path / "index"
    before = store.current_generation(index_dir)
    result = run("reindex", "--full")
    assert result.exit_code == 0 and "full rebuild" in result.stdout
    after = store.current_generation(index_dir)
    assert after != before and not before.exists()
    assert as_json(run("query", "Almaty", "--json"))["total"] == 2


def test_unreadable_files_are_named_and_the_rest_indexed(run, archive):
    (archive / "blob.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = run("reindex")
    assert result.exit_code == 0
    assert "searchkit: skipped: blob.txt: binary file, not text" in result.stderr
    assert "indexed 2 articles" in result.stdout and "1 skipped" in result.stdout
    assert run("reindex", "--strict").exit_code == 1


def test_environment_variables(tmp_path, archive):
    from click.testing import CliRunner

    from searchkit.cli import cli

    env = {"SEARCHKIT_ARCHIVE": str(archive), "SEARCHKIT_INDEX": str(tmp_path / "env-index")}
    result = CliRunner().invoke(cli, ["query", "Almaty", "--json"], env=env)
    assert json.loads(result.stdout)["total"] == 2
    assert (tmp_path / "env-index" / "CURRENT").is_file()


# -- errors a person can make ------------------------------------------------------


def test_bad_date(run):
    assert_user_error(run("query", "CSTO", "--since", "someday"), "cannot read the date 'someday'")
    assert_user_error(run("query", "CSTO", "--until", "2022-13-45"), "2022-13-45")


@pytest.mark.parametrize(
    "text, fragment",
    [('"unclosed phrase', "unbalanced quote"), ("colour:red", "unknown field 'colour'"),
     ("(CSTO", "unbalanced parentheses"), ("date:[soon TO]", "cannot read the date 'soon'")],
)
def test_bad_query(run, text, fragment):
    run("reindex")
    assert_user_error(run("query", text), fragment)


def test_missing_archive(tmp_path):
    from .conftest import Cli

    cli = Cli(tmp_path / "no-such-archive", tmp_path / "index")
    assert_user_error(cli("reindex"), "archive folder", "does not exist")
    assert_user_error(cli("query", "x"), "no index at", "no archive folder")


def test_missing_index(run):
    assert_user_error(run("stats"), "no index at", "searchkit reindex")


def test_damaged_index(run, tmp_path):
    run("reindex")
    gen = store.current_generation(tmp_path / "index")
    for toc in gen.glob("*.toc"):
        toc.write_bytes(b"garbage")
    assert_user_error(run("query", "Almaty"), "damaged", "reindex --full")
    assert run("reindex", "--full").exit_code == 0
    assert as_json(run("query", "Almaty", "--json"))["total"] == 2


def test_index_pointing_nowhere(run, tmp_path):
    run("reindex")
    shutil.rmtree(store.current_generation(tmp_path / "index"))
    assert_user_error(run("query", "Almaty"), "reindex --full")


def test_reindex_while_another_runs(run, tmp_path):
    with store.reindex_lock(tmp_path / "index"):
        result = run("reindex", "--wait", "0.3")
    assert_user_error(result, "another reindex", "is running")


def test_unknown_article(run):
    run("reindex")
    assert_user_error(run("show", "nope.txt"), "no article with id 'nope.txt'")


def test_the_installed_command_runs(tmp_path, archive):
    """`searchkit` as a real process: exit status, stderr and stdout as a shell sees them."""
    env = {**os.environ, "SEARCHKIT_ARCHIVE": str(archive), "SEARCHKIT_INDEX": str(tmp_path / "ix")}
    ok = subprocess.run([sys.executable, "-m", "searchkit", "query", "peacekeepers Almaty", "--json"],
                        capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert ok.returncode == 0 and json.loads(ok.stdout)["total"] == 2
    bad = subprocess.run([sys.executable, "-m", "searchkit", "query", "x", "--since", "nope"],
                         capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_all_words_and_any_words_say_which_articles_count(run):
    strict = as_json(run("query", "Serdyukov Blinken", "--all-words", "--json"))
    assert (strict["total"], strict["matched"]) == (0, "all")
    loose = as_json(run("query", "Serdyukov Blinken", "--json"))
    assert (loose["total"], loose["matched"]) == (2, "any")
    assert as_json(run("query", "Almaty Blinken", "--any-words", "--json"))["total"] == 2
    assert as_json(run("query", "Almaty Blinken", "--any", "--json"))["total"] == 2
    assert as_json(run("query", "Almaty Blinken", "--json"))["total"] == 1
    said = run("query", "Serdyukov Blinken").stdout
    assert said.startswith("No article holds all the words; these hold some of them.")


def test_a_fault_in_searchkit_is_an_internal_error_not_a_damaged_index(run, monkeypatch):
    from searchkit.engine import facets

    run("reindex")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the facet counter")

    monkeypatch.setattr(facets, "facet_counts", broken)
    monkeypatch.setattr("searchkit.engine.searcher.facet_counts", broken)
    result = run("query", "Almaty")
    assert result.exit_code == 70
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error" in lines[0] and "a bug in the facet counter" in lines[0]
    assert "damaged" not in result.stderr and "reindex" not in result.stderr
    debug = run("--debug", "query", "Almaty")
    assert debug.exit_code == 70 and "Traceback" in debug.stderr


def test_a_too_broad_wildcard_is_refused_in_one_line(tmp_path):
    from .conftest import Cli

    archive = tmp_path / "archive"
    archive.mkdir()
    words = " ".join(f"zz{n:05d}" for n in range(1500))
    (archive / "many.txt").write_text(f" date 2022-01-05 MOSCOW, January 5. /TASS/. {words}.", encoding="utf-8")
    cli = Cli(archive, tmp_path / "index")
    cli("reindex")
    assert_user_error(cli("query", "zz*"), "too broad", "1,500 words")
    assert as_json(cli("query", "zz0001*", "--json"))["total"] == 1


# -- reindex progress ------------------------------------------------------------


def _feed(folder, records: int, broken_line: int | None = None) -> None:
    lines = [json.dumps({"title": f"Story {i}", "body": f"Wheat and corn, word{i}.", "date": "2022-01-05"})
             for i in range(records)]
    if broken_line:
        lines[broken_line - 1] = '{"title": "cut'
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_progress_counts_the_articles_of_one_big_file(tmp_path):
    from searchkit.engine.indexer import reindex

    archive = tmp_path / "archive"
    archive.mkdir()
    _feed(archive, 3500)
    seen = []
    reindex(archive, tmp_path / "index", progress=seen.append)
    reading = [(p.done, p.articles) for p in seen if p.phase == "reading"]
    # Counted while the one file is still being read, not only when it is done.
    assert (0, 1000) in reading and (0, 3000) in reading
    assert reading[-1] == (1, 3500)
    assert [p.phase for p in seen][-1] == "committing" and seen[-1].articles == 3500


def test_progress_counts_articles_read_by_worker_processes(tmp_path, monkeypatch):
    from searchkit.engine import indexer, writer
    from searchkit.engine.indexer import reindex

    archive = tmp_path / "archive"
    (archive / "b").mkdir(parents=True)
    _feed(archive, 2500)
    _feed(archive / "b", 1500)
    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)  # two worker processes, one file each
    monkeypatch.setattr(writer, "chunks", lambda files: [[f] for f in files])
    seen = []
    summary = reindex(archive, tmp_path / "index", progress=seen.append)
    counts = [p.articles for p in seen if p.phase == "reading"]
    assert counts == sorted(counts) and counts[-1] == summary.articles == 4000
    assert [p.done for p in seen if p.phase == "reading"][-1] == 2


def test_progress_on_a_terminal_prints_warnings_above_the_bar(tmp_path):
    import pty

    archive = tmp_path / "archive"
    archive.mkdir()
    _feed(archive, 50, broken_line=7)
    env = {**os.environ, "SEARCHKIT_ARCHIVE": str(archive), "SEARCHKIT_INDEX": str(tmp_path / "ix"),
           "TERM": "xterm", "COLUMNS": "100"}
    main_fd, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "searchkit", "reindex"], stdin=child, stdout=child,
                               stderr=child, env=env, cwd=REPO)
    os.close(child)
    written = b""
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        written += chunk
    os.close(main_fd)
    assert process.wait(timeout=120) == 0
    text = written.decode("utf-8", errors="replace")
    # The warning is a line of its own, whole: no piece of the bar inside it.
    assert re.search(r"searchkit: skipped: feed\.jsonl:7: not valid JSON \([^\x1b\r\n]*\)\r\n", text), text
    assert "indexed 49 articles (full rebuild of 1 file, 1 skipped)" in text
