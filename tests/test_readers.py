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
