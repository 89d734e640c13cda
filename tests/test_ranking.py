"""What a news reader expects of the ranking, on a tiny archive built for each case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchkit.engine.indexer import reindex
from searchkit.engine.searcher import Searcher
from searchkit.models import SearchRequest

FILLER = ("Officials met on Monday in the capital and said talks would continue "
          "through the week, according to people familiar with the matter.")


def _search(tmp_path: Path, stories: list[dict], text: str, **request) -> list[str]:
    """Titles of the hits for `text`, best first, over an archive of `stories`."""
    archive = tmp_path / "archive"
    archive.mkdir(parents=True)
    with open(archive / "wire.jsonl", "w", encoding="utf-8") as out:
        for story in stories:
            out.write(json.dumps(story) + "\n")
    reindex(archive, tmp_path / "index")
    with Searcher(tmp_path / "index") as searcher:
        response = searcher.search(SearchRequest(text=text, **request))
    return [hit.title for hit in response.hits]


def test_words_standing_together_outrank_the_same_words_apart(tmp_path):
    stories = [
        {"title": "Markets", "body": f"Shares of the exchange rose; stock was flat. {FILLER}"},
        {"title": "Trading", "body": f"The stock exchange rose and shares were flat. {FILLER}"},
        {"title": "Closing", "body": f"Stock rose early. {FILLER} The exchange shut at noon."},
    ]
    assert _search(tmp_path, stories, "stock exchange")[0] == "Trading"


def test_a_headline_match_outranks_a_body_only_match(tmp_path):
    stories = [
        {"title": "Talks resume in Vienna", "body": f"The pipeline is back on the agenda. {FILLER}"},
        {"title": "Pipeline talks resume", "body": f"The project is back on the agenda. {FILLER}"},
    ]
    assert _search(tmp_path, stories, "pipeline") == ["Pipeline talks resume", "Talks resume in Vienna"]


def test_every_word_of_a_short_query_beats_some_words_said_often(tmp_path):
    stories = [
        {"title": "Wheat exports", "body": "Wheat exports: wheat exports rose, wheat exports."},
        {"title": "Rules", "body": f"{FILLER} {FILLER} A ban on wheat exports. {FILLER} {FILLER}"},
        {"title": "Other", "body": f"Rice harvest. {FILLER}"},
    ]
    assert _search(tmp_path, stories, "wheat exports ban") == ["Rules", "Wheat exports"]


def test_a_word_typed_twice_weighs_twice(tmp_path):
    stories = [
        {"title": "One", "body": f"Oil output fell. {FILLER}"},
        {"title": "Two", "body": f"Food prices fell. {FILLER}"},
        {"title": "Three", "body": f"Nothing to report. {FILLER}"},
    ]
    assert _search(tmp_path / "a", stories, "oil oil prices") == ["One", "Two"]
    assert _search(tmp_path / "b", stories, "oil prices prices") == ["Two", "One"]


@pytest.mark.parametrize("sort,expected", [("newest", ["C", "B", "A"]), ("oldest", ["A", "B", "C"])])
def test_sorting_by_date_still_ignores_scores(tmp_path, sort, expected):
    stories = [
        {"title": "A", "body": "Oil oil oil prices.", "date": "2022-01-01"},
        {"title": "B", "body": "Oil prices.", "date": "2022-02-01"},
        {"title": "C", "body": f"Prices of oil. {FILLER}", "date": "2022-03-01"},
    ]
    assert _search(tmp_path, stories, "oil prices", sort=sort) == expected


def test_the_fast_word_scorer_ranks_exactly_as_whoosh(tmp_path, monkeypatch):
    """WordScorer is a shortcut for Whoosh's matcher tree: same hits, same scores."""
    import random

    rnd = random.Random(5)
    vocab = "oil price bank rate grain export wheat gold trade deficit japan soviet stock exchange".split()
    stories = [{"title": " ".join(rnd.choices(vocab, k=3)),
                "body": " ".join(rnd.choices(vocab + ["the", "said", "and"], k=rnd.randint(5, 60)))}
               for _ in range(300)]
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "wire.jsonl").write_text("".join(json.dumps(s) + "\n" for s in stories), encoding="utf-8")
    reindex(archive, tmp_path / "index")
    queries = ["oil", "oil price", "bank rate grain", "trade deficit japan soviet", "stock exchange said",
               "gold gold wheat", "oil NOT bank", "wheat OR gold",
               "oil price bank rate grain export wheat gold trade deficit"]  # feedback re-ranks
    with Searcher(tmp_path / "index") as searcher:
        fast = {q: searcher.search(SearchRequest(q, page_size=50)).hits for q in queries}
        monkeypatch.setattr(searcher._word_scorer, "top", lambda *args: None)
        for q in queries:
            slow = searcher.search(SearchRequest(q, page_size=50)).hits
            assert [h.id for h in fast[q]] == [h.id for h in slow], q
            assert [h.score for h in fast[q]] == pytest.approx([h.score for h in slow], rel=1e-6), q


# A long request, as a person writes one: feedback learns from its best documents.
REQUEST = "reports on failed wheat harvests in southern provinces during the long drought"
DROUGHT_STORIES = [
    *({"title": f"Drought ruins wheat harvest in {place}",
       "body": f"The long drought ruined the wheat harvest in {place} and the southern provinces; "
               f"locusts and failed irrigation made it worse. Locusts, irrigation. {FILLER}"}
      for place in ("Kherson", "Odesa", "Mykolaiv", "Zaporizhzhia", "Crimea")),
    {"title": "Irrigation canals against locusts",  # on topic, only one word of the request
     "body": f"Farmers dug irrigation canals and fought locusts again, as in past reports. {FILLER}"},
    {"title": "Company filings",  # off topic, one word of the request, in a shorter story
     "body": "Companies filed their annual reports late this year."},
    {"title": "Locust swarms", "body": f"Irrigation and locusts, nothing else. {FILLER}"},  # no word of it
    *({"title": f"Briefing {n}", "body": f"Item {n}. {FILLER}"} for n in range(30)),  # the rest of the wire
]


def test_feedback_lifts_a_document_on_the_topic_of_a_long_request(tmp_path, monkeypatch):
    from searchkit.engine import ranking

    with_feedback = _search(tmp_path / "a", DROUGHT_STORIES, REQUEST, page_size=20)
    assert with_feedback.index("Irrigation canals against locusts") < with_feedback.index("Company filings")
    # Feedback only reorders the request's matches: a story sharing none of its words is no hit.
    assert "Locust swarms" not in with_feedback and len(with_feedback) == 7, with_feedback

    monkeypatch.setattr(ranking, "FEEDBACK_MIN_WORDS", 100)
    without = _search(tmp_path / "b", DROUGHT_STORIES, REQUEST, page_size=20)
    assert without.index("Company filings") < without.index("Irrigation canals against locusts")
    assert sorted(without) == sorted(with_feedback)


@pytest.mark.parametrize("query", ["wheat locusts", "failed wheat harvests southern provinces long drought"])
def test_short_queries_are_not_reranked_by_feedback(tmp_path, monkeypatch, query):
    from searchkit.engine import ranking

    default = _search(tmp_path / "a", DROUGHT_STORIES, query, page_size=20)
    monkeypatch.setattr(ranking, "FEEDBACK_MIN_WORDS", 100)
    assert _search(tmp_path / "b", DROUGHT_STORIES, query, page_size=20) == default
