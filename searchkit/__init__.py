"""searchkit: full-text search for news-wire archives.

The public API is `searchkit.open(index=..., archive=...)`, returning a
`searchkit.Index` (see searchkit/api.py); results are the dataclasses of
`searchkit.models`. Importing this package is cheap: the engine loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.2.0"

if TYPE_CHECKING:
    from .api import Index, RankingParams, open

__all__ = ["Index", "RankingParams", "__version__", "open"]


def __getattr__(name: str) -> object:
    if name in ("Index", "RankingParams", "open"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'searchkit' has no attribute {name!r}")
