"""The UI's screens: search (the main one), reader, help, the collection picker."""

from .collections import CollectionsScreen
from .help import HelpScreen
from .reader import ReaderScreen
from .search import SearchScreen

__all__ = ["CollectionsScreen", "HelpScreen", "ReaderScreen", "SearchScreen"]
