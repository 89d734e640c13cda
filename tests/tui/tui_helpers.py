"""Helpers for the TUI tests: a small archive with fixed text, and a pilot that waits
for searches the way a person waits for the screen to settle."""

from __future__ import annotations

import json
from pathlib import Path

from searchkit.engine.indexer import reindex
from searchkit.tui.app import SearchApp
from searchkit.tui.screens import SearchScreen

# Eight stories: two sources, three places, three months; one with hostile text.
STORIES = [
    ("2022-01-05", "TASS", "MOSCOW", ["grain"], "Wheat harvest beats forecast",
     "The wheat harvest in the central regions beat the forecast, the ministry said."),
    ("2022-01-12", "TASS", "MINSK", ["grain"], "Minsk buys wheat abroad",
     "Belarus bought wheat from abroad after a dry summer cut its own harvest. "
     "Wheat prices in Minsk rose by a tenth."),
    ("2022-01-20", "Reuters", "MOSCOW", ["energy"], "Gas prices rise in Moscow",
     "Gas prices rose again in Moscow as the winter turned colder."),
    ("2022-02-03", "Reuters", "LONDON", ["energy"], "London gas traders brace for winter",
     "Gas traders in London said prices would stay high until spring."),
    ("2022-02-14", "TASS", "MOSCOW", ["grain", "trade"], "Grain exports reach a record",
     "Grain exports reached a record, with wheat leading and barley second."),
    ("2022-02-25", "Reuters", "LONDON", ["trade"], "Shipping rates fall",
     "Shipping rates for dry bulk fell for a third week, brokers in London said."),
    ("2022-03-08", "TASS", "MINSK", ["energy"], "Minsk signs a gas deal",
     "Minsk signed a gas supply deal for the next five years, officials said."),
    ("2022-03-21", "Reuters", "LONDON", ["trade"], "Markup test [red]x[/red] story",
     "This story holds markup [red]x[/red] and an escape \x1b[2J that must stay inert."),
]


def write_archive(folder: Path, stories=STORIES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "wire.jsonl", "w", encoding="utf-8") as out:
        for n, (date, source, place, topics, title, body) in enumerate(stories):
            out.write(json.dumps({"id": f"story-{n}", "date": date, "source": source, "place": place,
                                  "topics": topics, "title": title, "body": body}) + "\n")
    return folder


def build_tiny(tmp_path: Path) -> tuple[Path, Path]:
    """(archive, index) of the eight stories above, indexed."""
    archive = write_archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    reindex(archive, index_dir)
    return archive, index_dir


class FixedApp(SearchApp):
    """The app without the one thing on screen that varies from run to run."""

    SHOW_TIMING = False
    CURSOR_BLINK = False


async def settle(pilot, timeout: float = 20.0) -> SearchScreen:
    """Wait until the search screen shows the answer to the latest search."""
    app = pilot.app
    for _ in range(int(timeout / 0.02)):
        await pilot.pause(0.02)
        screen = next((s for s in app.screen_stack if isinstance(s, SearchScreen)), None)
        reindexing = any(w.group == "reindex" and not w.is_finished for w in app.workers)
        if screen is not None and screen.ready and screen.settled and not reindexing:
            await pilot.pause()
            return screen
    raise AssertionError("the search screen did not settle")
