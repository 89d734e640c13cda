"""Readers: what each archive format gives, and what happens to files that are odd."""

from __future__ import annotations

import gzip
import json
import lzma
from datetime import datetime
from pathlib import Path

import pytest

from searchkit.dates import parse_archive_date, parse_user_date
from searchkit.errors import UserError
from searchkit.models import Article, ReadProblem
from searchkit.readers import find_files, read_file, wiretext

from .conftest import CORPUS, SEEDS, needs_shared


def articles_of(path: Path, rel: str | None = None) -> list[Article]:
    return [a for a in read_file(path, rel or path.name) if isinstance(a, Article)]


def problems_of(path: Path, rel: str | None = None) -> list[ReadProblem]:
    return [p for p in read_file(path, rel or path.name) if isinstance(p, ReadProblem)]


def test_seeds_give_date_place_and_source():
    got = {
        a.id: (a.date, a.place, a.source)
        for path, rel in find_files(SEEDS)
        for a in articles_of(path, rel)
    }
    assert got == {
        "000_705ae3be991c31b8.txt": (datetime(2022, 1, 19), "MOSCOW", "TASS"),
        "003_a64b384920c9e53b.txt": (datetime(2022, 1, 10), "MINSK", "TASS"),
    }


def test_seed_title_is_the_lead_sentence_and_body_drops_the_header():
    (article,) = articles_of(SEEDS / "000_705ae3be991c31b8.txt")
    assert article.title.startswith("The peacekeepers of the Collective Security Treaty Organization")
    assert article.title.endswith("said on Wednesday.")
    assert article.body.startswith("The peacekeepers of the")
    assert "/TASS/" not in article.body and "date 2022" not in article.body
    assert "Almaty" in article.body


@needs_shared
def test_all_twenty_tass_stories_parse():
    folder = CORPUS / "tass_en_sample" / "articles_txt"
    articles = [a for path, rel in find_files(folder) for a in articles_of(path, rel)]
    assert len(articles) == 20
    assert {a.date for a in articles} == {datetime(2024, 12, 26)}
    assert {a.source for a in articles} == {"TASS"}
    igora = [a for a in articles if a.place == "IGORA"]
    assert igora and all(a.places[0].lower() == "leningrad region" for a in igora)
    assert {"MOSCOW", "BRUSSELS", "HANOI", "HAVANA", "DONETSK"} <= {a.place for a in articles}


@pytest.mark.parametrize(
    "header, place, region",
    [
        ("NEW YORK, January 19. /TASS/.", "NEW YORK", None),
        ("NUR-SULTAN, Jan. 5. /TASS/.", "NUR-SULTAN", None),
        ("IGORA /Leningrad Region/, December 26. /TASS/.", "IGORA", "Leningrad Region"),
        ("ST. PETERSBURG, March 3. /TASS/.", "ST. PETERSBURG", None),
    ],
)
def test_datelines(header, place, region):
    (article,) = [a for a in wiretext.parse(f" date 2022-01-19 {header} Body text here.", "x.txt")
                  if isinstance(a, Article)]
    assert article.place == place
    assert article.places == ((region,) if region else ())
    assert article.source == "TASS"
    assert article.body == "Body text here."


def test_odd_header_is_indexed_with_a_warning(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("Just some wire copy without a header. Second sentence.", encoding="utf-8")
    items = list(read_file(path, "odd.txt"))
    (article,) = [i for i in items if isinstance(i, Article)]
    warnings = [i for i in items if isinstance(i, ReadProblem)]
    assert article.body.startswith("Just some wire copy")
    assert article.title == "Just some wire copy without a header."
    assert article.date is None and article.source is None
    assert warnings and not any(w.skipped for w in warnings)
    assert "no 'date' header" in str(warnings[0]) and "odd.txt" in str(warnings[0])


def test_impossible_date_keeps_the_article(tmp_path):
    path = tmp_path / "bad-date.txt"
    path.write_text(" date 2022-02-30 MOSCOW, February 30. /TASS/. Text.", encoding="utf-8")
    (article,) = articles_of(path)
    assert article.date is None and article.place == "MOSCOW"
    assert any("2022-02-30" in p.message for p in problems_of(path))


def test_binary_file_is_named_and_skipped(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 10)
    assert articles_of(path) == []
    (problem,) = problems_of(path)
    assert problem.skipped and "binary" in problem.message and problem.path == "photo.txt"


RSS_LINES = [
    {"date_published": "2023-01-01 00:00:30+00:00", "source": "theguardian.com", "title": "Kherson bridge hit",
     "description": "<p>Kherson governor says road <b>damaged</b> &amp; closed</p>", "link": "https://example.org/1"},
    {"date_published": "2023-12-31T23:32:11+02:00", "source": "bbc.co.uk", "title": "New year",
     "description": "", "link": "https://example.org/2"},
]


@pytest.mark.parametrize("suffix, opener", [(".jsonl", open), (".jsonl.gz", gzip.open), (".jsonl.xz", lzma.open)])
def test_jsonl_formats(tmp_path, suffix, opener):
    path = tmp_path / f"feed{suffix}"
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(RSS_LINES[0]) + "\n")
        fh.write("{not json\n")
        fh.write(json.dumps(RSS_LINES[1]) + "\n")
    items = list(read_file(path, path.name))
    first, second = [i for i in items if isinstance(i, Article)]
    (broken,) = [i for i in items if isinstance(i, ReadProblem)]
    assert broken.line == 2 and broken.skipped
    assert first.body == "Kherson governor says road damaged & closed"  # HTML stripped
    assert first.date == datetime(2023, 1, 1, 0, 0, 30)
    assert second.date == datetime(2023, 12, 31, 21, 32, 11)  # naive UTC
    assert (first.source, first.url, first.title) == ("theguardian.com", "https://example.org/1", "Kherson bridge hit")
    assert second.body == "" and second.title == "New year"
    assert first.id == f"feed{suffix}#1" and second.id == f"feed{suffix}#3"


@needs_shared
def test_real_rss_lines(tmp_path):
    sample = tmp_path / "rss.jsonl"
    with lzma.open(CORPUS / "rss_news_2023" / "news_2023-01.jsonl.xz", "rt", encoding="utf-8") as src:
        sample.write_text("".join(next(src) for _ in range(500)), encoding="utf-8")
    articles = articles_of(sample)
    assert len(articles) == 500
    assert all(a.date and a.date.year in (2022, 2023) for a in articles)
    assert all(a.source and a.title for a in articles)
    assert not any("<p>" in a.body or "&amp;" in a.body for a in articles)


def test_reuters_record_fields(tmp_path):
    path = tmp_path / "mini.sgm"
    path.write_bytes(
        b'<REUTERS TOPICS="YES" NEWID="1">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
        b"<TOPICS><D>cocoa</D></TOPICS>\n<PLACES><D>el-salvador</D><D>usa</D></PLACES>\n"
        b"<TEXT>&#2;\n<TITLE>BAHIA COCOA REVIEW</TITLE>\n<DATELINE>    SALVADOR, Feb 26 - </DATELINE>"
        b"<BODY>Showers continued &lt;throughout&gt; the week.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
        b'<REUTERS NEWID="2">\n<DATE> 3-APR-1987 07:09:06.48</DATE>\n'
        b'<TEXT TYPE="UNPROC">&#2;\n&#3;\n</TEXT>\n</REUTERS>\n'
        b'<REUTERS NEWID="3">\n<DATE>31-MAR-1987 605:12:19.12</DATE>'
        b'<TEXT><TITLE>CAF\xc9 PRICES</TITLE></TEXT></REUTERS>\n'
        b'<REUTERS NEWID="4">\n<DATE>1-APR-1987</DATE><TEXT><BODY>cut off'
    )
    items = list(read_file(path, "mini.sgm"))
    articles = [i for i in items if isinstance(i, Article)]
    problems = [str(i) for i in items if isinstance(i, ReadProblem)]
    cocoa, cafe = articles
    assert cocoa.id == "mini.sgm#1" and cocoa.source == "Reuters"
    assert (cocoa.title, cocoa.place, cocoa.topics, cocoa.places) == (
        "BAHIA COCOA REVIEW", "SALVADOR", ("cocoa",), ("el-salvador", "usa"))
    assert cocoa.body == "Showers continued <throughout> the week."
    assert cocoa.date == datetime(1987, 2, 26, 15, 1, 1, 790000)
    assert cafe.title == "CAFÉ PRICES" and cafe.date == datetime(1987, 3, 31)  # latin-1, broken time
    assert problems == [
        "mini.sgm:11: record NEWID=2 has no title or text",
        "mini.sgm: 1 record(s) not closed (truncated file?)",
    ]


@needs_shared
def test_reuters_21578_ingests_every_record_or_names_it(reuters_archive):
    articles, skipped = 0, []
    for path, rel in find_files(reuters_archive):
        for item in read_file(path, rel):
            if isinstance(item, Article):
                articles += 1
            elif item.skipped:
                skipped.append(str(item))
    assert articles + len(skipped) == 21_578
    assert skipped == ["reut2-012.sgm:25983: record NEWID=12793 has no title or text"]


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2022-01-10", datetime(2022, 1, 10), datetime(2022, 1, 11)),
        ("Jan 10 2022", datetime(2022, 1, 10), datetime(2022, 1, 11)),
        ("10 January 2022", datetime(2022, 1, 10), datetime(2022, 1, 11)),
        ("2022-01", datetime(2022, 1, 1), datetime(2022, 2, 1)),
        ("January 2022", datetime(2022, 1, 1), datetime(2022, 2, 1)),
        ("2022", datetime(2022, 1, 1), datetime(2023, 1, 1)),
    ],
)
def test_user_dates(text, start, end):
    assert parse_user_date(text) == start
    assert parse_user_date(text, end=True) == end


@pytest.mark.parametrize("text", ["soon", "2022-13-01", "Jan 10", ""])
def test_bad_user_dates(text):
    with pytest.raises(UserError):
        parse_user_date(text)


def test_archive_dates_are_naive_utc():
    assert parse_archive_date("2023-01-01 00:00:30+00:00") == datetime(2023, 1, 1, 0, 0, 30)
    assert parse_archive_date("2023-06-01T03:00:00+03:00") == datetime(2023, 6, 1, 0, 0)
    assert parse_archive_date("26-FEB-1987 15:01:01.79") == datetime(1987, 2, 26, 15, 1, 1, 790000)
    assert parse_archive_date("2022-02-30") is None


# -- Russian wire copy, encodings, what is read ------------------------------------

RUSSIAN = (" date 2022-01-19 МОСКВА, 19 января. /ТАСС/. Миротворцы ОДКБ успешно справились с задачей. "
           "Об этом заявил президент.")


def test_russian_dateline_gives_place_source_date_and_lead_sentence():
    (article,) = [a for a in wiretext.parse(RUSSIAN, "x.txt") if isinstance(a, Article)]
    assert (article.place, article.source, article.date) == ("МОСКВА", "ТАСС", datetime(2022, 1, 19))
    assert article.title == "Миротворцы ОДКБ успешно справились с задачей."
    assert article.body.startswith("Миротворцы") and "/ТАСС/" not in article.body


def test_russian_dateline_with_region_and_year_gives_the_date_without_a_header():
    items = list(wiretext.parse("ИГОРА /Ленинградская область/, 26 декабря 2024 г. /ТАСС/. Текст. Ещё.", "x.txt"))
    (article,) = [a for a in items if isinstance(a, Article)]
    assert (article.place, article.places, article.date) == ("ИГОРА", ("Ленинградская область",),
                                                            datetime(2024, 12, 26))
    assert not [p for p in items if isinstance(p, ReadProblem)]  # the dateline's date is enough
    (may,) = [a for a in wiretext.parse("НУР-СУЛТАН, 5 мая 2021. /ТАСС/. Текст.", "y.txt")
              if isinstance(a, Article)]
    assert (may.place, may.date) == ("НУР-СУЛТАН", datetime(2021, 5, 5))


@pytest.mark.parametrize("encoding", ["koi8-r", "cp866", "iso-8859-5", "cp1251"])
def test_cyrillic_code_pages_are_detected(tmp_path, encoding):
    path = tmp_path / "ru.txt"
    path.write_bytes(RUSSIAN.encode(encoding))
    (article,) = articles_of(path)
    assert article.place == "МОСКВА" and article.title == "Миротворцы ОДКБ успешно справились с задачей."
    assert problems_of(path) == []


def test_western_text_is_still_read_as_western(tmp_path):
    path = tmp_path / "fr.txt"
    path.write_bytes(" date 2022-01-05 GENEVA, January 5. /TASS/. Le ministre a été élu à Genève.".encode("cp1252"))
    (article,) = articles_of(path)
    assert article.body == "Le ministre a été élu à Genève."


def test_a_named_encoding_is_used_and_bytes_it_cannot_read_are_named(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(RUSSIAN.encode("koi8-r"))
    (article,) = [a for a in read_file(path, "ru.txt", "koi8-r") if isinstance(a, Article)]
    assert article.place == "МОСКВА"
    utf8 = tmp_path / "utf8.txt"
    utf8.write_bytes(RUSSIAN.encode("utf-8") + b"\xff")
    items = list(read_file(utf8, "utf8.txt", "utf-8"))
    (problem,) = [p for p in items if isinstance(p, ReadProblem)]
    assert not problem.skipped and "not valid utf-8" in problem.message
    assert any(isinstance(a, Article) and a.place == "МОСКВА" for a in items)


def test_include_and_exclude_patterns_choose_the_files(tmp_path):
    from searchkit.readers import selection

    for rel in ("a.txt", "drafts/b.txt", "2022/c.txt", "2022/d.jsonl", "2022/old/e.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    assert [rel for _, rel in find_files(tmp_path, selection(exclude=["drafts/", "*.jsonl"]))] == \
        ["a.txt", "2022/c.txt", "2022/old/e.txt"]
    assert [rel for _, rel in find_files(tmp_path, selection(include=["2022/"], exclude=["old/"]))] == \
        ["2022/c.txt", "2022/d.jsonl"]


def test_the_reuters_distribution_indexes_articles_not_its_readme_and_word_lists(tmp_path):
    (tmp_path / "lewis.dtd").write_text("<!ELEMENT REUTERS ...>", encoding="ascii")
    for name in ("README.txt", "all-topics-strings.lc.txt", "cat-descriptions_120396.txt"):
        (tmp_path / name).write_text("acq\nalum\nbarley\n", encoding="ascii")
    (tmp_path / "reut2-000.sgm").write_text(
        '<REUTERS NEWID="1"><TEXT><TITLE>Cocoa</TITLE><BODY>Cocoa rose. Reuter</BODY></TEXT></REUTERS>',
        encoding="latin-1")
    assert [rel for _, rel in find_files(tmp_path)] == ["reut2-000.sgm"]
    # Elsewhere .txt files beside .sgm files are wire text as ever.
    (tmp_path / "lewis.dtd").unlink()
    assert "README.txt" in [rel for _, rel in find_files(tmp_path)]


@pytest.mark.parametrize(
    "typed, start, end",
    [
        ("yesterday", datetime(2022, 1, 19), datetime(2022, 1, 20)),
        ("7 days ago", datetime(2022, 1, 13), datetime(2022, 1, 14)),
        ("last week", datetime(2022, 1, 13), datetime(2022, 1, 14)),
        ("19 января 2022", datetime(2022, 1, 19), datetime(2022, 1, 20)),
        ("январь 2022", datetime(2022, 1, 1), datetime(2022, 2, 1)),
        ("вчера", datetime(2022, 1, 19), datetime(2022, 1, 20)),
    ],
)
def test_relative_and_russian_typed_dates(typed, start, end):
    now = datetime(2022, 1, 20, 15, 30)
    assert parse_user_date(typed, now=now) == start
    assert parse_user_date(typed, end=True, now=now) == end


def test_a_typed_date_nobody_can_read_is_a_user_error():
    with pytest.raises(UserError, match="cannot read the date 'someday'"):
        parse_user_date("someday")
    with pytest.raises(UserError, match="cannot read the date 'в четверг на той неделе'"):
        parse_user_date("в четверг на той неделе")


def test_plain_dates_do_not_load_dateparser():
    import subprocess
    import sys

    code = ("import sys; from searchkit.dates import parse_user_date; parse_user_date('Jan 10 2022'); "
            "print('dateparser' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


@needs_shared
def test_the_official_reuters_tarball_extracted_whole_gives_only_its_sgml(tmp_path):
    import tarfile

    tarball = CORPUS / "reuters21578" / "reuters21578.tar.xz"
    with tarfile.open(tarball) as tar:
        # Everything but 21 of the 22 .sgm files (the one kept is enough to show they are read).
        members = [m for m in tar.getmembers() if not m.name.endswith(".sgm") or m.name.endswith("-000.sgm")]
        tar.extractall(tmp_path, members=members, filter="data")
    found = [rel for _, rel in find_files(tmp_path)]
    assert any(rel.endswith("README.txt") for rel in (m.name for m in members))
    assert found == ["reuters/reut2-000.sgm"]
