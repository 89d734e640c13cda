"""The benchmark archives, prepared once under benchmarks/.work/ from ../shared/corpus.

The corpora are the publishers' copyright: they are read from ../shared and unpacked
into the git-ignored work folder, never into the repository.
"""

from __future__ import annotations

import itertools
import json
import lzma
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
WORK = REPO / "benchmarks" / ".work"

RSS_SIZES = {"rss100k": 100_000, "rss300k": 300_000}
CORPORA = ("reuters", "rss100k", "rss300k", "all674k")  # all674k: all 2023 RSS + Reuters
WIRE_FILES = 20_000  # the incremental-reindex archive
RSS_FILE_LINES = 50_000  # one .jsonl file per this many items


def archive(name: str) -> Path:
    """The archive folder for a corpus name, prepared if it is not there yet."""
    target = WORK / "archives" / name
    done = target / ".complete"
    if done.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    if name == "reuters":
        _reuters(target)
    elif name in RSS_SIZES:
        _rss(target, RSS_SIZES[name])
    elif name == "all674k":  # one archive: the RSS .jsonl files and the Reuters .sgm beside them
        _rss(target, None)
        _reuters(target)
    elif name.startswith("wire") and name[4:].isdigit():  # "wire20000": that many files
        _wire(target, int(name[4:]))
    else:
        raise ValueError(f"unknown corpus {name!r}")
    done.touch()
    return target


def _reuters(target: Path) -> None:
    with tarfile.open(CORPUS / "reuters21578" / "reuters21578.tar.xz") as tar:
        for member in tar.getmembers():
            if member.name.endswith(".sgm"):
                member.name = Path(member.name).name
                tar.extract(member, target, filter="data")


def _rss(target: Path, count: int | None) -> None:
    """The first `count` items (None: all) of the 2023 RSS set, in date order, as plain
    .jsonl files of RSS_FILE_LINES items each."""
    items = itertools.islice(_rss_lines(), count)
    for number in itertools.count():
        chunk = list(itertools.islice(items, RSS_FILE_LINES))
        if not chunk:
            return
        (target / f"rss-{number:03d}.jsonl").write_text("".join(chunk), encoding="utf-8")


def _rss_lines():
    for month_file in sorted((CORPUS / "rss_news_2023").glob("news_2023-*.jsonl.xz")):
        with lzma.open(month_file, "rt", encoding="utf-8") as lines:
            yield from lines


def _wire(target: Path, count: int) -> None:
    """`count` one-article wire-text files (the seeds' shape), made from Reuters stories."""
    from searchkit.models import Article
    from searchkit.readers import find_files, read_file

    made = 0
    for path, rel in find_files(archive("reuters")):
        for item in read_file(path, rel):
            if not isinstance(item, Article) or item.date is None:
                continue
            month = item.date.strftime("%B")
            place = (item.place or "NEW YORK").replace(",", " ")
            text = (f" date {item.date.date().isoformat()} {place}, {month} {item.date.day}. "
                    f"/Reuters/. {item.body}\n")
            folder = target / f"{made // 1000:03d}"
            folder.mkdir(exist_ok=True)
            (folder / f"{made:06d}.txt").write_text(text, encoding="utf-8")
            made += 1
            if made == count:
                return


def articles(name: str):
    """Every Article of a corpus, read by searchkit's own readers (for the baselines)."""
    from searchkit.models import Article
    from searchkit.readers import find_files, read_file

    for path, rel in find_files(archive(name)):
        for item in read_file(path, rel):
            if isinstance(item, Article):
                yield item


def article_count(name: str) -> int:
    """Articles in a corpus as searchkit's readers see them (counted once, then kept)."""
    known = archive(name) / ".articles"
    if not known.exists():
        known.write_text(str(sum(1 for _ in articles(name))))
    return int(known.read_text())


def duplicates(name: str) -> set[int]:
    """Which articles (numbered in reading order) repeat a story another one tells, by
    searchkit's rule: the same body words (engine.segment.dedup_key); the copy kept is
    the earliest dated, then the smallest id hash. Worked out once per corpus and kept,
    outside the timed builds, so the baselines leave out exactly what searchkit does."""
    import numpy as np

    from searchkit.engine.analysis import words_of
    from searchkit.engine.segment import dedup_key, id_hash, to_micros

    known = archive(name) / ".duplicates.json"
    if not known.exists():
        keys, dates, ids = [], [], []
        for a in articles(name):
            keys.append(dedup_key(a.id, words_of(a.body)))
            dates.append(to_micros(a.date) if a.date else 2**63 - 1)  # undated copies last
            ids.append(id_hash(a.id))
        key, when, idh = (np.array(x, dtype=np.uint64 if x is not dates else np.int64) for x in (keys, dates, ids))
        order = np.lexsort((idh, when, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        known.write_text(json.dumps(sorted(order[~first].tolist())))
    return set(json.loads(known.read_text()))


@dataclass(frozen=True)
class Query:
    text: str
    checked: bool  # flag "=": totals must agree with FTS5
    group: str  # "main", or the name given by the last "@group" line


def queries() -> list[Query]:
    """The fixed query list of benchmarks/queries.txt, in its order."""
    out, group = [], "main"
    for line in (REPO / "benchmarks" / "queries.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("@group "):
            group = line.split()[1]
        elif line[:2] in ("= ", "~ "):
            out.append(Query(line[2:].strip(), line[0] == "=", group))
    return out


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
