"""Keeping Python's cyclic garbage collector out of the way of typing.

Textual makes many short-lived objects in reference cycles (a rendered line keeps a
cache that can hold itself), which only the cyclic collector frees, and a full
collection also walks every long-lived object: 75 full collections of 100-230 ms each
in one run of benchmarks/tui_latency.py at 120x40, landing in the middle of a
keystroke's work. So what lives as long as the app (modules, widgets, the open index)
is frozen out of collections once the index is open, and garbage is collected when
the person pauses after results are shown.
"""

from __future__ import annotations

import gc

IDLE_SECONDS = 0.5  # a pause this long after results are shown is used for collecting
# Rarer collections while the app runs: fewer of them land inside a keystroke's work
# (keystroke p95 at 120x40, runs: 117-260 ms with the default thresholds, 81-101 ms with these).
THRESHOLDS = (10_000, 50, 100)
DEFAULT_THRESHOLDS = gc.get_threshold()


def freeze_long_lived() -> None:
    """Exempt every object alive now from later collections (once an index is open)."""
    gc.unfreeze()  # what an earlier call froze, such as an index a reindex replaced, may be garbage now
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


def thaw() -> None:
    """Hand everything back to the collector (when the app ends)."""
    gc.unfreeze()
    gc.set_threshold(*DEFAULT_THRESHOLDS)


def collect() -> None:
    gc.collect()
