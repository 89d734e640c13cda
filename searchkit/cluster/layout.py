"""A sharded index on disk.

    index/
      searchkit-index.json   the marker (store.py): this folder is searchkit's
      searchkit-shards.json  how many shards, and the generation each shard answers from
      shard-000/ ...         one ordinary searchkit index per shard
      .reindex.lock          the reindex lock of the whole archive

The shards file is replaced atomically after every shard has switched to its new
generation: a search checks that each shard answers from the generation it names,
so it never mixes the old state of one shard with the new state of another.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..engine.shard import ROOT_FILE
from ..errors import IndexDamagedError

FORMAT = "searchkit-shards"
MAX_SHARDS = 256


@dataclass(frozen=True)
class Layout:
    shards: int
    generations: dict[str, str]  # shard folder name → its generation folder name
    epoch: int  # how many times the shards were switched together

    def names(self) -> list[str]:
        return [shard_name(k) for k in range(self.shards)]


def shard_name(k: int) -> str:
    return f"shard-{k:03d}"


def is_sharded(index_dir: Path) -> bool:
    return (Path(index_dir) / ROOT_FILE).is_file()


def read_layout(index_dir: Path) -> Layout:
    path = Path(index_dir) / ROOT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError("not a shards file")
        shards = int(data["shards"])
        generations = {str(k): str(v) for k, v in dict(data["generations"]).items()}
        return Layout(shards, generations, int(data["epoch"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexDamagedError(f"the sharded index at {index_dir} is damaged ({ROOT_FILE}: {exc}); "
                                "run `searchkit reindex --full` to rebuild it") from None


def write_layout(index_dir: Path, layout: Layout) -> None:
    """Replace the shards file in one atomic rename."""
    data = {"format": FORMAT, "shards": layout.shards, "generations": layout.generations,
            "epoch": layout.epoch}
    fd, tmp = tempfile.mkstemp(prefix=f".{ROOT_FILE}.", suffix=".tmp", dir=index_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, Path(index_dir) / ROOT_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
