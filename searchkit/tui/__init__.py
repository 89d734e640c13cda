"""The Textual terminal UI: `python tui.py` or `searchkit tui`."""

import os

# Textual paints at most TEXTUAL_FPS frames a second, so a result that is ready waits
# for the next frame: up to 17 ms at Textual's default of 60. At 240 it waits at most
# 4 ms, which took the keystroke → results p95 at 120x40 from 59 to 38 ms
# (benchmarks/tui_latency.py). Frames are only drawn when something changed, so an idle
# screen costs nothing more. A TEXTUAL_FPS set by the person wins.
os.environ.setdefault("TEXTUAL_FPS", "240")
