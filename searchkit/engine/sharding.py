"""Which shard an article belongs to: a stable hash of its duplicate key.

Every copy of a story has the same duplicate key (segment.dedup_key: the body's words
in order), so all copies land on one shard and the shard collapses them exactly as one
index would. The key is a 64-bit blake2b hash, the same in every process and release.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Article
from .analysis import TOKEN, normalise
from .segment import dedup_key

ShardSpec = tuple[int, int]  # (this shard, of how many)


def shard_of(article: Article, shards: int) -> int:
    # The body's words as the segment builder sees them (BatchAnalyzer.analyse), without
    # stemming: only the duplicate key is wanted.
    words = [normalise(token.lower()) for token in TOKEN.findall(article.body)]
    return dedup_key(article.id, words) % shards


def keep_shard(articles: Sequence[Article], shard: ShardSpec | None) -> list[Article]:
    """The articles of `articles` that belong to `shard` (all of them when None)."""
    if shard is None:
        return list(articles)
    k, n = shard
    return [a for a in articles if shard_of(a, n) == k]
