"""The README is checked: its commands, options and query examples must work as written."""

from __future__ import annotations

import json
import re
import shutil

import click
import pytest

from searchkit.cli import cli
from searchkit.models import SearchRequest

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def documented_commands() -> set[str]:
    return set(re.findall(r"`searchkit (\w+)", README))


def test_every_documented_command_exists():
    assert documented_commands() <= set(cli.commands)
    assert {"reindex", "query", "show", "stats", "tui"} <= documented_commands()


# Where each command's options are described in "A short tour": (from, to).
OPTION_PARAGRAPHS = {"query": ("Options of `query`", "`reindex` takes"),
                     "reindex": ("`reindex` takes", "Every mistake")}


@pytest.mark.parametrize("command", sorted(OPTION_PARAGRAPHS))
def test_documented_options_exist(command):
    start, end = OPTION_PARAGRAPHS[command]
    tour = section("A short tour")
    mentioned = set(re.findall(r"`(--[a-z-]+)", tour[tour.index(start):tour.index(end)]))
    options = {opt for param in cli.commands[command].params if isinstance(param, click.Option)
               for opt in param.opts}
    assert mentioned, "no options found in the README"
    assert mentioned <= options


def query_examples() -> list[str]:
    rows = re.findall(r"^\| (`.+?`) \|", section("The query language"), re.M)
    return [example for row in rows for example in re.findall(r"`([^`]+)`", row)]


@pytest.mark.parametrize("example", query_examples())
def test_query_language_examples_run(seed_searcher, example):
    response = seed_searcher.search(SearchRequest(example))
    assert response.total >= 0


def test_query_examples_find_what_they_say(seed_searcher):
    def total(text):
        return seed_searcher.search(SearchRequest(text)).total

    assert total("peacekeeper") == total("peacekeepers") == 2
    assert total('"collective security"') == 2
    assert total("Volfov?ch") == 1
    assert seed_searcher.search(SearchRequest("peacekeepres")).suggestion == "peacekeepers"


def test_json_example_matches_the_contract(run):
    example = json.loads(re.search(r"```json\n(.*?)```", section("JSON output"), re.S).group(1))
    real = json.loads(run("query", "peacekeepers Almaty", "--json").stdout)
    assert set(real) == set(example)
    assert set(real["hits"][0]) == set(example["hits"][0])
    assert set(real["facets"]) == set(example["facets"])


def test_python_api_example_runs(archive, tmp_path, monkeypatch, capsys):
    """The README's API example, as written, on a copy of the seeds."""
    code = re.search(r"```python\n(.*?)```", section("Python API"), re.S).group(1)
    shutil.copytree(archive, tmp_path / "work" / "seeds")
    monkeypatch.chdir(tmp_path / "work")
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("2022-01-10") and printed[-1] == "2"
