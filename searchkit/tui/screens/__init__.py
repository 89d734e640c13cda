"""The UI's screens: search (the main one), reader, help."""

from .help import HelpScreen
from .reader import ReaderScreen
from .search import SearchScreen

__all__ = ["HelpScreen", "ReaderScreen", "SearchScreen"]
