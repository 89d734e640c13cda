"""The search screen's widgets."""

from .facets import FacetSidebar
from .query_box import QueryBox
from .results import ResultsList
from .status import StatusLine

__all__ = ["FacetSidebar", "QueryBox", "ResultsList", "StatusLine"]
