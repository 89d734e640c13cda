"""Collections and the config file: `add`, `collections`, -c, the default collection, errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import config
from searchkit.cli import cli

from .conftest import SEEDS
from .test_cli import as_json, assert_user_error

PEACEKEEPER = (" date 2022-01-19 МОСКВА, 19 января. /ТАСС/. Российский миротворец вернулся из Алма-Аты. "
               "Об этом сообщили в Минобороны.")
OTHER = " date 2022-01-12 МИНСК, 12 января. /ТАСС/. Переговоры в Минске продолжились."


def searchkit(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch) -> Path:
    """A folder that is not the repository: no seeds/, no index/."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def tass(tmp_path: Path) -> Path:
    folder = tmp_path / "tass-ru"
    folder.mkdir()
    (folder / "peacekeeper.txt").write_text(PEACEKEEPER, encoding="utf-8")
    (folder / "minsk.txt").write_bytes(OTHER.encode("koi8-r"))
    return folder


def config_file() -> Path:
    return config.config_path()


def test_add_then_query_from_any_folder(elsewhere, tass):
    added = searchkit("add", "tass", str(tass), "--language", "ru")
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("indexed 2 articles (full rebuild of 2 files, 0 skipped)")
    assert "added collection 'tass'" in added.stderr
    text = config_file().read_text(encoding="utf-8")
    assert '[collections.tass]' in text and 'language = "ru"' in text
    loaded = config.load().collections["tass"]
    assert loaded.archive == tass.resolve() and loaded.settings.language == "ru"
    assert loaded.index == Path(os.environ["XDG_DATA_HOME"]) / "searchkit" / "indexes" / "tass"
    assert (loaded.index / "CURRENT").is_file()

    found = as_json(searchkit("query", "-c", "tass", "миротворец", "--json"))
    assert [h["id"] for h in found["hits"]] == ["peacekeeper.txt"]
    assert (found["hits"][0]["place"], found["hits"][0]["source"]) == ("МОСКВА", "ТАСС")
    # The only collection is the default: no -c needed, from any folder.
    assert as_json(searchkit("query", "Минске", "--json"))["hits"][0]["id"] == "minsk.txt"  # KOI8-R, detected
    assert as_json(searchkit("stats", "--json"))["articles"] == 2


def test_russian_collection_finds_other_forms_of_a_word(elsewhere, tass):
    assert searchkit("add", "tass", str(tass), "--language", "ru").exit_code == 0
    found = as_json(searchkit("query", "-c", "tass", "миротворцы", "--json"))
    assert [h["id"] for h in found["hits"]] == ["peacekeeper.txt"]


def test_collections_lists_counts_and_the_default(elsewhere, tass, archive):
    assert "no collections yet" in searchkit("collections").stdout
    searchkit("add", "tass", str(tass), "--language", "ru")
    searchkit("add", "seeds", str(archive), "--no-index")
    listed = searchkit("collections")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:4] == ["tass", "2", "articles", "ru"]
    assert "seeds" in lines[1] and "not indexed yet" in lines[1]
    data = as_json(searchkit("collections", "--json"))
    assert [(c["name"], c["articles"], c["language"]) for c in data["collections"]] == \
        [("tass", 2, "ru"), ("seeds", None, "en")]
    assert data["default"] is None
    # Two collections and no default: one must be chosen.
    assert_user_error(searchkit("query", "x"), "2 collections", "-c NAME")
    env_chosen = as_json(searchkit("query", "Almaty", "--json", env={"SEARCHKIT_COLLECTION": "seeds"}))
    assert env_chosen["total"] == 2  # built on first use
    config_file().write_text('default = "seeds"\n' + config_file().read_text(encoding="utf-8"), encoding="utf-8")
    assert as_json(searchkit("query", "Almaty", "--json"))["total"] == 2
    assert searchkit("collections").stdout.splitlines()[1].startswith("* seeds")


def test_inside_the_repository_seeds_stay_the_default(tmp_path, monkeypatch, tass):
    checkout = tmp_path / "checkout"
    shutil.copytree(SEEDS, checkout / "seeds")
    monkeypatch.chdir(checkout)
    searchkit("add", "tass", str(tass), "--no-index")
    result = searchkit("query", "peacekeepers Almaty", "--json")
    assert as_json(result)["total"] == 2
    assert (checkout / "index" / "CURRENT").is_file()
    # ... and a collection is still one option away.
    assert as_json(searchkit("query", "-c", "tass", "миротворец", "--json"))["total"] == 1


def test_no_collection_and_no_archive_says_how_to_make_one(elsewhere):
    assert_user_error(searchkit("query", "x"), "searchkit add NAME FOLDER")


def test_choosing_both_a_collection_and_folders_is_refused(elsewhere, tass, tmp_path):
    searchkit("add", "tass", str(tass), "--no-index")
    assert_user_error(searchkit("query", "x", "-c", "tass", "--index", str(tmp_path / "ix")), "not both")
    assert_user_error(searchkit("query", "x", "-c", "nope"), "no collection 'nope'", "known: tass")


def test_add_refuses_what_it_cannot_use(elsewhere, tass, tmp_path):
    assert_user_error(searchkit("add", "tass", str(tmp_path / "missing")), "does not exist")
    assert_user_error(searchkit("add", "bad name", str(tass)), "cannot name a collection")
    assert_user_error(searchkit("add", "x", str(tass), "--encoding", "klingon"), "unknown encoding 'klingon'")
    assert_user_error(searchkit("add", "x", str(tass), "--index", str(tass)), "not")  # the archive itself
    assert not config_file().exists()  # nothing written
    assert searchkit("add", "tass", str(tass), "--no-index").exit_code == 0
    assert_user_error(searchkit("add", "tass", str(tass)), "already a collection 'tass'")


def test_default_filters_and_named_encoding(elsewhere, tass):
    (tass / "latin.txt").write_bytes(" date 2022-01-15 МОСКВА, 15 января. /ТАСС/. Текст о Минске.".encode("cp866"))
    config_file().parent.mkdir(parents=True)
    config_file().write_text(
        f'[collections.tass]\narchive = "{tass}"\nlanguage = "ru"\nencoding = "cp866"\n'
        f'exclude = ["peacekeeper.txt", "minsk.txt"]\n\n'
        '[collections.tass.filters]\nsince = "2022-01-14"\n', encoding="utf-8")
    found = as_json(searchkit("query", "Минске", "--json"))
    assert [h["id"] for h in found["hits"]] == ["latin.txt"]
    # A filter typed replaces the collection's own.
    assert as_json(searchkit("query", "--since", "2022-01-01", "--json"))["total"] == 1  # the others excluded


def test_a_newly_excluded_file_counts_as_removed(elsewhere, tass):
    searchkit("add", "tass", str(tass))
    text = config_file().read_text(encoding="utf-8")
    config_file().write_text(text + 'exclude = ["minsk.txt"]\n', encoding="utf-8")
    result = searchkit("reindex", "-c", "tass")
    assert result.stdout.startswith("indexed 1 articles (0 new, 0 changed, 1 removed, 0 skipped)")
    assert as_json(searchkit("query", "Минске", "--json"))["total"] == 0
    # The patterns are remembered by the index: a reindex by folders keeps them.
    loaded = config.load().collections["tass"]
    again = searchkit("reindex", "--archive", str(loaded.archive), "--index", str(loaded.index))
    assert again.stdout.startswith("indexed 1 articles (0 new, 0 changed, 0 removed, 0 skipped)")


@pytest.mark.parametrize(
    "text, fragments",
    [
        ('[collections.tass]\narchive = "x"\ncolour = "red"\n', [":3:", "collections.tass.colour", "unknown key"]),
        ('[collections.tass]\narchive = "x"\nlanguage = "de"\n', [":3:", "language", "'de' is not one of en, ru"]),
        ('[collections.tass]\narchive = "x"\nexclude = 3\n', [":3:", "exclude", "list of strings"]),
        ('[collections.tass]\nindex = "x"\n', [":1:", "collections.tass", "archive"]),
        ('\n[collections.tass]\narchive = "x\n', [":3:", "not valid TOML", "column"]),
        ('default = "nope"\n', [":1:", "default", "no collection named 'nope'"]),
        ('cluster = 6379\n', [":1:", "cluster", "a Ray cluster's address"]),
        ('[collections.tass]\narchive = "x"\n[collections.tass.filters]\nsince = 2022\n',
         [":4:", "since", "a date in quotes"]),
    ],
)
def test_a_bad_config_is_one_line_naming_file_line_and_key(elsewhere, text, fragments):
    config_file().parent.mkdir(parents=True)
    config_file().write_text(text, encoding="utf-8")
    result = searchkit("collections")
    assert_user_error(result, str(config_file()), *fragments)


def test_a_collection_with_a_bad_default_date_is_named(elsewhere, tass):
    config_file().parent.mkdir(parents=True)
    config_file().write_text(f'[collections.tass]\narchive = "{tass}"\n[collections.tass.filters]\n'
                             'until = "someday"\n', encoding="utf-8")
    assert_user_error(searchkit("query", "x"), "collection 'tass'", "cannot read the date 'someday'")


# -- several collections at once -------------------------------------------------


def test_several_collections_merge_hits_and_sum_facets(elsewhere, tass, archive):
    searchkit("add", "tass", str(tass), "--language", "ru")
    searchkit("add", "seeds", str(archive))
    both = as_json(searchkit("query", "-c", "tass", "-c", "seeds", "--sort", "newest", "--json"))
    assert both["total"] == 4
    assert [(h["id"], h["collection"]) for h in both["hits"]] == [  # a tie of dates: the one named first
        ("peacekeeper.txt", "tass"), ("000_705ae3be991c31b8.txt", "seeds"),
        ("minsk.txt", "tass"), ("003_a64b384920c9e53b.txt", "seeds")]
    assert both["facets"]["source"] == [{"value": "TASS", "count": 2}, {"value": "ТАСС", "count": 2}]
    assert both["facets"]["month"] == [{"value": "2022-01", "count": 4}]
    paged = as_json(searchkit("query", "--all-collections", "--sort", "oldest", "--limit", "1", "--page", "2",
                              "--json"))
    assert [h["id"] for h in paged["hits"]] == ["minsk.txt"] and paged["total"] == 4
    every = searchkit("query", "--all-collections", "--format", "jsonl", "--all")
    assert len(every.stdout.splitlines()) == 4
    text = searchkit("query", "--all-collections", "--sort", "newest").stdout
    assert "[tass]" in text and "[seeds]" in text and "4 hits" in text
    assert_user_error(searchkit("stats", "-c", "tass", "-c", "seeds"), "one collection")
    shown = searchkit("show", "-c", "tass", "-c", "seeds", "003_a64b384920c9e53b.txt", "--json")
    assert json.loads(shown.stdout)["place"] == "MINSK"


def test_tui_opens_on_the_collections_chosen_with_the_others_a_key_away(elsewhere, tass, tmp_path, monkeypatch):
    from searchkit.tui.app import SearchApp

    english = tmp_path / "english"
    shutil.copytree(SEEDS, english)
    assert searchkit("add", "tass", str(tass), "--language", "ru").exit_code == 0
    assert searchkit("add", "seeds", str(english)).exit_code == 0
    opened: list[SearchApp] = []
    monkeypatch.setattr(SearchApp, "run", lambda app: opened.append(app))

    assert searchkit("tui", "-c", "seeds").exit_code == 0
    assert opened[-1].backend.chosen == ("seeds",)
    assert set(opened[-1].backend.collections) == {"tass", "seeds"}
    assert searchkit("tui", "--all-collections").exit_code == 0
    assert set(opened[-1].backend.chosen) == {"tass", "seeds"}
    assert_user_error(searchkit("tui", "-c", "nosuch"), "no collection 'nosuch'")


def test_the_config_file_can_name_the_cluster(elsewhere, tass, monkeypatch):
    from searchkit.cli_cluster import CLUSTER_ENV

    # The CLI sets the variable in this process: set first, so that it is removed after the test.
    monkeypatch.setenv(CLUSTER_ENV, "")
    monkeypatch.delenv(CLUSTER_ENV)
    assert searchkit("add", "tass", str(tass), "--language", "ru").exit_code == 0
    config_file().write_text('cluster = "127.0.0.1:6390"\n' + config_file().read_text(encoding="utf-8"),
                             encoding="utf-8")
    assert config.load().cluster == "127.0.0.1:6390"
    searchkit("stats", "-c", "tass", "--json")  # no cluster answers there: only the address matters here
    assert os.environ[CLUSTER_ENV] == "127.0.0.1:6390"  # what the API reads to use the cluster
    monkeypatch.setenv(CLUSTER_ENV, "127.0.0.1:6391")  # the variable (or --cluster) wins
    searchkit("stats", "-c", "tass", "--json")
    assert os.environ[CLUSTER_ENV] == "127.0.0.1:6391"
