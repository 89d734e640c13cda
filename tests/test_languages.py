"""Analysis per archive: English or Russian, chosen in settings, recorded in the index.

Tiny archives are written in tmp_path (wire text and JSON Lines) and searched through the
public API, as a script or the CLI would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import searchkit
from searchkit.errors import UserError
from searchkit.models import ArchiveSettings

RUSSIAN = {
    "peace.txt": " date 2022-01-19 МОСКВА, 19 января. /ТАСС/. Миротворец ОДКБ вернулся из Алма-Аты. "
                 "Командующий контингентом доложил о выполнении задачи.",
    "tree.txt": " date 2022-01-20 МИНСК, 20 января. /ТАСС/. Новогодняя ёлка на главной площади "
                "простоит до конца месяца.",
    "fir.txt": " date 2022-01-21 КАЗАНЬ, 21 января. /ТАСС/. Городскую елку разберут в феврале.",
    "market.txt": " date 2022-01-22 МОСКВА, 22 января. /ТАСС/. Цены на рынке зерна выросли. "
                  "Экспорт пшеницы сократился.",
}


def write_archive(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ids(response) -> set[str]:
    return {hit.id for hit in response.hits}


def marked(spans) -> list[str]:
    """The highlighted words of a snippet or title, as shown."""
    return [span.text for span in spans if span.match]


@pytest.fixture
def russian(tmp_path: Path):
    archive = write_archive(tmp_path / "ru-archive", RUSSIAN)
    with searchkit.open(tmp_path / "index", archive, settings=ArchiveSettings(language="ru")) as ix:
        ix.reindex()
        yield ix


def test_russian_stemming_meets_plural_and_singular(russian):
    # "миротворцы" (plural) finds the article that says "миротворец" (the fleeting е).
    assert ids(russian.search("миротворцы")) == {"peace.txt"}
    assert ids(russian.search("миротворцев")) == {"peace.txt"}
    assert ids(russian.search("рынок")) == {"market.txt"}  # the article says "рынке"


def test_yo_and_ye_meet_both_ways(russian):
    assert ids(russian.search("ёлка")) == {"tree.txt", "fir.txt"}
    assert ids(russian.search("елка")) == {"tree.txt", "fir.txt"}


def test_russian_stop_words_do_not_match_every_article(russian):
    # "на" is a stop word: the query means "площади" only.
    assert ids(russian.search("на площади")) == {"tree.txt"}


def test_russian_snippet_shows_the_text_as_written(russian):
    hit = next(h for h in russian.search("елка").hits if h.id == "tree.txt")
    assert marked(hit.snippet) == ["ёлка"]


def test_russian_lead_sentence_is_the_title(tmp_path: Path):
    # A headline-less wire story is titled by its first sentence, in Cyrillic too.
    archive = write_archive(tmp_path / "archive", {"a.txt": " date 2022-01-19 MOSCOW, January 19. /TASS/. "
                                                   "Миротворец ОДКБ вернулся. Командующий доложил."})
    with searchkit.open(tmp_path / "index", archive, settings=ArchiveSettings(language="ru")) as ix:
        ix.reindex()
        assert ix.search("миротворец").hits[0].title == "Миротворец ОДКБ вернулся."


def test_russian_did_you_mean(russian):
    response = russian.search("миротварец")
    assert response.total == 0
    assert response.suggestion == "миротворец"


def test_english_accents_fold_at_index_and_query_time(tmp_path: Path):
    archive = tmp_path / "archive"
    archive.mkdir()
    records = [
        {"title": "Café owners protest", "body": "The café on the corner closed.", "date": "2022-01-10"},
        {"title": "Naïve forecast", "body": "Analysts called the forecast naive.", "date": "2022-01-11"},
        {"title": "Rail strike", "body": "Trains stopped across the country.", "date": "2022-01-12"},
    ]
    (archive / "news.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    with searchkit.open(tmp_path / "index", archive) as ix:
        ix.reindex()
        found = ix.search("cafe")
        assert ids(found) == {"news.jsonl#1"}
        assert found.hits[0].title == "Café owners protest"  # shown as written
        assert marked(found.hits[0].snippet) == ["café"]
        assert marked(found.hits[0].title_spans) == ["Café"]
        assert ids(ix.search("CAFÉ")) == {"news.jsonl#1"}
        assert ids(ix.search("naive")) == {"news.jsonl#2"}
        assert ids(ix.search("naïve")) == {"news.jsonl#2"}
        assert ids(ix.search('"café on the corner"')) == {"news.jsonl#1"}


def test_the_language_is_recorded_and_kept(tmp_path: Path):
    archive = write_archive(tmp_path / "archive", RUSSIAN)
    index = tmp_path / "index"
    with searchkit.open(index, archive, settings=ArchiveSettings(language="ru")) as ix:
        ix.reindex()
    # Opened without settings, the index answers (and updates) as it was built: Russian.
    (archive / "more.txt").write_text(" date 2022-01-23 МОСКВА, 23 января. /ТАСС/. Миротворцы "
                                      "вернулись домой.", encoding="utf-8")
    with searchkit.open(index, archive) as ix:
        summary = ix.reindex()
        assert not summary.full
        assert ids(ix.search("миротворец")) == {"peace.txt", "more.txt"}


def test_a_change_of_language_asks_for_a_full_rebuild(tmp_path: Path):
    archive = write_archive(tmp_path / "archive", RUSSIAN)
    index = tmp_path / "index"
    with searchkit.open(index, archive) as ix:  # English by default
        ix.reindex()
        assert ids(ix.search("миротворцы")) == set()  # no Russian stemming
    with searchkit.open(index, archive, settings=ArchiveSettings(language="ru")) as ix:
        with pytest.raises(UserError, match=r"English.*not Russian.*reindex --full"):
            ix.reindex()
        assert ix.reindex(full=True).full
        assert ids(ix.search("миротворцы")) == {"peace.txt"}


def test_an_unknown_language_is_named_with_the_known_ones(tmp_path: Path):
    archive = write_archive(tmp_path / "archive", RUSSIAN)
    settings = ArchiveSettings(language="klingon")
    with searchkit.open(tmp_path / "index", archive, settings=settings) as ix, \
            pytest.raises(UserError, match=r"unknown language 'klingon'.*en \(English\).*ru \(Russian\)"):
        ix.reindex()
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())
