"""Fixtures for the TUI tests (helpers are in tui_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import build_tiny


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """(archive, index) of the eight fixed stories, indexed."""
    return build_tiny(tmp_path)
