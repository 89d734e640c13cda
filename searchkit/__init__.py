"""searchkit: full-text search for news-wire archives."""

__version__ = "0.1.0"
