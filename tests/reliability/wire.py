"""Generated wire-text archives for the reliability tests (no corpus text).

Every article carries one unique marker word (`zq` + a number spelled in letters), so a
test can ask the index for one article and expect exactly one hit, and knows the whole
set of ids the index must hold.
"""

from __future__ import annotations

import random
from pathlib import Path

PLACES = ("MOSCOW", "ALMATY", "MINSK", "BERLIN", "TOKYO", "LIMA", "CAIRO", "OSLO")
SOURCES = ("TASS", "Wire", "Agency")
WORDS = (
    "peacekeepers", "council", "minister", "talks", "treaty", "border", "trade", "grain", "pipeline",
    "election", "parliament", "summit", "security", "forces", "contingent", "president", "budget",
    "exports", "harvest",
)
_LETTERS = "abcdefghij"


def marker(n: int) -> str:
    """A word the analyzer keeps as is and that no other article contains."""
    return "zq" + "".join(_LETTERS[int(d)] for d in str(n)) + "x"


def article_text(n: int, version: int = 0, words: int = 60) -> str:
    rnd = random.Random(n * 7919 + version)
    body = " ".join(rnd.choice(WORDS) for _ in range(words))
    day = 1 + n % 28
    return (
        f"date 2022-{1 + n % 12:02d}-{day:02d} {rnd.choice(PLACES)}, January {day}. "
        f"/{rnd.choice(SOURCES)}/. Story {marker(n)} version v{version}. {body}.\n"
    )


def write_article(archive: Path, n: int, version: int = 0, words: int = 60) -> str:
    """Write article `n` and return its id (its path relative to the archive)."""
    rel = f"{n % 20:02d}/a{n:06d}.txt"
    path = archive / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_text(n, version, words), encoding="utf-8")
    return rel


def make_archive(archive: Path, count: int, words: int = 60) -> set[str]:
    return {write_article(archive, n, words=words) for n in range(count)}
