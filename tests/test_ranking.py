"""What a news reader expects of the ranking, on a tiny archive built for each case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchkit.engine.indexer import reindex
from searchkit.engine.ranking import DEFAULT, RankingParams
from searchkit.engine.searcher import Searcher
from searchkit.models import SearchRequest

FILLER = ("Officials met on Monday in the capital and said talks would continue "
          "through the week, according to people familiar with the matter.")


def _index(tmp_path: Path, stories: list[dict]) -> Path:
    archive = tmp_path / "archive"
    archive.mkdir(parents=True)
    with open(archive / "wire.jsonl", "w", encoding="utf-8") as out:
        for story in stories:
            out.write(json.dumps(story) + "\n")
    reindex(archive, tmp_path / "index")
    return tmp_path / "index"


def _search(tmp_path: Path, stories: list[dict], text: str, params: RankingParams = DEFAULT,
            **request) -> list[str]:
    """Titles of the hits for `text`, best first, over an archive of `stories`."""
    with Searcher(_index(tmp_path, stories), params) as searcher:
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


def test_a_short_query_finds_the_articles_holding_every_word(tmp_path):
    stories = [
        {"title": "Wheat exports", "body": "Wheat exports: wheat exports rose, wheat exports."},
        {"title": "Rules", "body": f"{FILLER} {FILLER} A ban on wheat exports. {FILLER} {FILLER}"},
        {"title": "Other", "body": f"Rice harvest. {FILLER}"},
    ]
    with Searcher(_index(tmp_path, stories)) as searcher:
        strict = searcher.search(SearchRequest("wheat exports ban"))
        assert ([h.title for h in strict.hits], strict.total, strict.matched) == (["Rules"], 1, "all")
        # No article holds all three words: the articles holding any of them, ranked.
        loose = searcher.search(SearchRequest("wheat exports ban rice"))
        assert (loose.total, loose.matched) == (3, "any")
        assert [h.title for h in loose.hits][:2] == ["Rules", "Wheat exports"]
        # Asked outright, either way.
        assert searcher.search(SearchRequest("wheat exports ban", match="any")).total == 2
        assert searcher.search(SearchRequest("wheat exports ban rice", match="all")).total == 0


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


def test_the_array_engine_matches_what_whoosh_itself_reads_from_the_index(tmp_path):
    """The index is a Whoosh index (codec.py): Whoosh's own searcher, reading it through
    its query tree and matchers, finds exactly the documents searchkit's arrays find."""
    import random

    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser, OrGroup

    from searchkit.engine import store
    from searchkit.engine.schema import build_schema

    rnd = random.Random(5)
    vocab = ["oil", "price", "bank", "rate", "grain", "export", "wheat", "gold", "trade", "deficit",
             "japan", "soviet", "stock", "exchange"]
    stories = [{"title": " ".join(rnd.choices(vocab, k=3)),
                "body": " ".join(rnd.choices([*vocab, "the", "said", "and"], k=rnd.randint(5, 60)))}
               for _ in range(300)]
    index_dir = _index(tmp_path, stories)
    queries = ["oil", "oil AND price", "bank OR rate OR grain", "trade AND NOT japan", '"stock exchange"',
               '"trade deficit" AND gold', "wheat OR (gold AND NOT oil)"]
    schema = build_schema()
    ix = whoosh_index.open_dir(str(store.current_generation(index_dir)), indexname="MAIN", schema=schema)
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
    with Searcher(index_dir) as searcher, ix.searcher() as whoosh_searcher:
        for q in queries:
            ours = {h.id for h in searcher.search(SearchRequest(q, page_size=1000)).hits}
            theirs = {whoosh_searcher.stored_fields(d)["id"] for d in whoosh_searcher.docs_for_query(parser.parse(q))}
            assert ours == theirs and ours, q


# A long request, as a person writes one: feedback learns from its best documents.
REQUEST = "reports on failed wheat harvests in southern provinces during the long drought"
DROUGHT_STORIES = [
    *({"title": f"Drought ruins wheat harvest in {place}",
       "body": f"The long drought ruined the wheat harvest in {place} and the southern provinces; "
               f"locusts and failed irrigation made it worse. Locusts, irrigation. {FILLER}"}
      for place in ("Kherson", "Odesa", "Mykolaiv", "Zaporizhzhia", "Crimea")),
    {"title": "Irrigation canals against locusts",  # on topic, only one word of the request
     "body": f"Farmers dug irrigation canals and fought locusts again, as in past reports. {FILLER}"},
    {"title": "Company filings",  # off topic, one word of the request, in a slightly shorter story
     "body": f"Companies filed their annual reports late this year. {FILLER}"},
    {"title": "Locust swarms", "body": f"Irrigation and locusts, nothing else. {FILLER}"},  # no word of it
    *({"title": f"Briefing {n}", "body": f"Item {n}. {FILLER}"} for n in range(30)),  # the rest of the wire
]


NO_FEEDBACK = RankingParams(feedback_min_words=100)


@pytest.mark.parametrize("request_text", [REQUEST, "reports failed wheat harvests southern"])
def test_feedback_lifts_a_document_on_the_topic_of_a_long_request(tmp_path, request_text):
    # Five words are enough to be a request: ranked over any of its words, with feedback.
    with_feedback = _search(tmp_path / "a", DROUGHT_STORIES, request_text, page_size=20)
    assert with_feedback.index("Irrigation canals against locusts") < with_feedback.index("Company filings")
    # Feedback only reorders the request's matches: a story sharing none of its words is no hit.
    assert "Locust swarms" not in with_feedback and len(with_feedback) == 7, with_feedback

    without = _search(tmp_path / "b", DROUGHT_STORIES, request_text, NO_FEEDBACK, page_size=20)
    assert without.index("Company filings") < without.index("Irrigation canals against locusts")
    assert sorted(without) == sorted(with_feedback)


@pytest.mark.parametrize("query", ["wheat locusts", "failed wheat harvests southern"])
def test_short_queries_are_not_reranked_by_feedback(tmp_path, query):
    default = _search(tmp_path / "a", DROUGHT_STORIES, query, page_size=20, match="any")
    assert _search(tmp_path / "b", DROUGHT_STORIES, query, NO_FEEDBACK, page_size=20, match="any") == default
