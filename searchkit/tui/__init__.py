"""The Textual terminal UI: `python tui.py` or `searchkit tui`."""
