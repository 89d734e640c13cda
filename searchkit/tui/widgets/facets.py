"""The facet sidebar: since/until dates and counts for source, place, topic and date.

Facets work as analysts expect: several values chosen in one facet are OR-ed (Tokyo or
London), facets AND-ed. The engine counts a facet with a selection without its own
selection, so the values not chosen keep their counts and can be added. Selected values
stay listed (marked ■) until they are cleared, even when another filter leaves them no
hits. A facet lists its most frequent values; "show all" lists every one of them, with a
box that filters the list as you type.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...dates import parse_user_date
from ...errors import UserError
from ...models import FacetCount
from ...safe import printable
from ..messages import FacetsChanged
from .query_box import steady_cursor

FACET_TITLES = {"source": "Source", "place": "Place", "topic": "Topic", "date": "Date"}
PLURALS = {"source": "sources", "place": "places", "topic": "topics"}
SHOW_ALL = "\0all"  # option ids of the two commands in a list (no facet value holds \0)
SHOW_TOP = "\0top"


def _prompt(label: str, count: int | None, selected: bool, indent: int = 0) -> Text:
    text = Text(" " * indent + ("■ " if selected else "□ "), style="bold" if selected else "")
    text.append(printable(label, single_line=True), style="bold" if selected else "")
    if count is not None:
        text.append(f" {count:,}", style="dim")
    return text


class FacetList(OptionList):
    """The values of one facet with their counts; Enter, space or a click toggles one."""

    BINDINGS = [("space", "select", "Toggle")]

    def __init__(self, name: str) -> None:
        super().__init__(id=f"facet-{name}", classes="facet")
        self.facet = name
        self.selected: list[str] = []  # in the order the person chose them
        self.counts: tuple[FacetCount, ...] = ()
        self.values_counted = 0  # values the facet has in the result; `counts` may hold fewer
        self.whole = False  # every value asked for ("show all")
        self.filter_text = ""  # only values holding this (the filter box of a whole list)

    def set_counts(self, counts: tuple[FacetCount, ...], size: int | None = None,
                   nothing_found: bool = False) -> None:
        if nothing_found and not counts:
            # Nothing matched: the values stay listed (at 0), so a choice can be undone
            # or changed where it was made.
            counts = tuple(FacetCount(c.value, 0) for c in self.counts)
            size = max(self.values_counted, len(counts))
        self.counts = counts
        self.values_counted = len(counts) if size is None else size
        self._rebuild()

    def clear_selection(self) -> None:
        self.selected = []
        self._rebuild()

    @property
    def hidden_values(self) -> int:
        """Values of the result the list does not show (until "show all")."""
        return max(0, self.values_counted - len(self.counts))

    def _entries(self) -> list[tuple[str, str, int, int]]:
        """(option id, label, count, indent) for each line, selected values first."""
        counts = {c.value: c.count for c in self.counts}
        chosen = [(v, v, counts.get(v, 0), 0) for v in self.selected]
        wanted = self.filter_text.casefold()
        rest = [(c.value, c.value, c.count, 0) for c in self.counts
                if c.value not in self.selected and wanted in c.value.casefold()]
        return chosen + rest

    def _rebuild(self) -> None:
        cursor = self.highlighted
        self.clear_options()
        self.add_options(
            Option(_prompt(label, count, key in self.selected, indent), id=key)
            for key, label, count, indent in self._entries()
        )
        if self.whole:
            self.add_option(Option(Text("▴ show the top ones", style="italic"), id=SHOW_TOP))
        elif self.hidden_values:
            self.add_option(Option(Text(f"▸ show all {self.values_counted:,} {PLURALS.get(self.facet, 'values')}"
                                        f" (+{self.hidden_values:,})", style="italic"), id=SHOW_ALL))
        if self.option_count and cursor is not None:
            self.highlighted = min(cursor, self.option_count - 1)
        # A facet with nothing to offer takes no room (but a filter that hides every
        # value keeps the list, to say so).
        self.display = bool(self.option_count) or bool(self.filter_text)
        self.set_class(self.whole, "-whole")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id
        if key is None:  # every option is added with its value as id
            return
        if key in (SHOW_ALL, SHOW_TOP):
            self.show_all(key == SHOW_ALL)
            return
        if key in self.selected:
            self.selected.remove(key)
        else:
            self.selected.append(key)
        self.post_message(FacetsChanged())
        self._mark(key)

    def show_all(self, whole: bool = True) -> None:
        """List every value (asked of the engine at the next search), or the top ones."""
        self.whole = whole
        self.filter_text = ""
        self.post_message(self.WholeChanged(self))
        self.post_message(FacetsChanged())

    class WholeChanged(Message):
        def __init__(self, facet: FacetList) -> None:
            super().__init__()
            self.facet = facet

    def _mark(self, key: str) -> None:
        """Show a value chosen or cleared at once. The counts that come back reorder the
        list (chosen values first); changing one line now costs no relayout."""
        count = next((c.count for c in self.counts if c.value == key), 0)
        self.replace_option_prompt(key, _prompt(key, count, key in self.selected))

    def on_focus(self) -> None:
        self._heading(True)
        if self.highlighted is None and self.option_count:
            self.highlighted = 0  # the current row is always shown where the focus is

    def on_blur(self) -> None:
        self._heading(False)

    def _heading(self, focused: bool) -> None:
        """The heading of the focused facet is marked too: the focus is always visible."""
        for heading in self.screen.query(f"#heading-{self.facet}"):
            heading.set_class(focused, "-focused")


class FacetFilter(Input):
    """Filters the values of a facet listed whole, as you type; ↓ or Enter goes to them."""

    BINDINGS = [Binding("down", "to_list", show=False)]

    def __init__(self, name: str) -> None:
        super().__init__(placeholder=f"filter {PLURALS.get(name, 'values')}…", id=f"filter-{name}",
                         compact=True, classes="facet-filter")
        self.facet = name

    def on_mount(self) -> None:
        steady_cursor(self)

    def action_to_list(self) -> None:
        facets = self.screen.query_one(f"#facet-{self.facet}", FacetList)
        facets.focus()
        if facets.option_count:
            facets.highlighted = 0


class DateFacet(FacetList):
    """Years, and the months within a year once that year is chosen (or is the only one)."""

    def __init__(self) -> None:
        super().__init__("date")
        self.months: tuple[FacetCount, ...] = ()

    def set_dates(self, years: tuple[FacetCount, ...], months: tuple[FacetCount, ...],
                  nothing_found: bool = False) -> None:
        if nothing_found and not months:
            months = tuple(FacetCount(c.value, 0) for c in self.months)
        self.months = months
        self.set_counts(years, None, nothing_found)

    def _mark(self, key: str) -> None:
        self._rebuild()  # choosing a year shows its months

    @property
    def years_chosen(self) -> tuple[str, ...]:
        """Chosen years with no chosen month in them: a month narrows its year."""
        months = self.months_chosen
        return tuple(v for v in self.selected if len(v) == 4 and not any(m.startswith(v) for m in months))

    @property
    def months_chosen(self) -> tuple[str, ...]:
        return tuple(v for v in self.selected if len(v) == 7)

    def _entries(self) -> list[tuple[str, str, int, int]]:
        years = {c.value: c.count for c in self.counts}
        for value in self.selected:  # a chosen year or month's year stays listed
            years.setdefault(value[:4], 0)
        months: dict[str, int] = {c.value: c.count for c in self.months}
        for value in self.months_chosen:
            months.setdefault(value, 0)
        entries = []
        for year in sorted(years, reverse=True):
            entries.append((year, year, years[year], 0))
            if year in self.selected or len(years) == 1:
                for month in sorted((m for m in months if m.startswith(year)), reverse=True):
                    label = calendar.month_abbr[int(month[5:7])] + " " + year
                    entries.append((month, label, months[month], 2))
        return entries


class DateValidator(Validator):
    """Accepts what the CLI's --since/--until accept, and says why when it cannot."""

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            parse_user_date(value)
        except UserError as exc:
            return self.failure(str(exc))
        return self.success()


class DateInput(Input):
    def __init__(self, name: str, placeholder: str) -> None:
        super().__init__(
            placeholder=placeholder, id=name, compact=True, validators=[DateValidator()],
            valid_empty=True,
        )

    def on_mount(self) -> None:
        steady_cursor(self)

    def date(self, *, end: bool) -> datetime | None:
        """The date typed, or None if empty or unreadable (then it is marked invalid)."""
        if not self.value.strip() or self.has_class("-invalid"):
            return None
        try:
            return parse_user_date(self.value, end=end)
        except UserError:
            return None


class FacetSidebar(VerticalScroll):
    """The filters at the left of the results."""

    def compose(self) -> ComposeResult:
        yield Label("Since", classes="heading")
        yield DateInput("since", "e.g. 2022-01 or Jan 10 2022")
        yield Label("Until", classes="heading")
        yield DateInput("until", "e.g. 2022-01-31")
        yield Label("", id="date-error")
        for name in ("source", "place", "topic"):
            yield Label(FACET_TITLES[name], id=f"heading-{name}", classes="heading")
            yield FacetFilter(name)
            yield FacetList(name)
        yield Label(FACET_TITLES["date"], id="heading-date", classes="heading")
        yield DateFacet()

    def on_mount(self) -> None:
        self.query_one("#date-error", Label).display = False
        for box in self.query(FacetFilter):
            box.display = False

    def update_counts(self, facets: dict[str, tuple[FacetCount, ...]], sizes: dict[str, int] | None = None,
                      nothing_found: bool = False) -> None:
        sizes = sizes or {}
        for name in ("source", "place", "topic"):
            self.query_one(f"#facet-{name}", FacetList).set_counts(
                facets.get(name, ()), sizes.get(name), nothing_found)
        self.query_one(DateFacet).set_dates(facets.get("year", ()), facets.get("month", ()), nothing_found)
        for facet in self.query(FacetList):
            self.query_one(f"#heading-{facet.facet}").display = facet.display

    def whole(self) -> tuple[str, ...]:
        """The facets to be listed whole (SearchRequest.facet_all)."""
        return tuple(f.facet for f in self.query(FacetList) if f.whole)

    def on_facet_list_whole_changed(self, message: FacetList.WholeChanged) -> None:
        message.stop()
        box = self.query_one(f"#filter-{message.facet.facet}", FacetFilter)
        box.display = message.facet.whole
        box.value = ""
        if message.facet.whole:
            box.focus()

    def selection(self) -> dict[str, tuple[str, ...]]:
        """The chosen values, as SearchRequest fields."""
        dates = self.query_one(DateFacet)
        return {
            "source": tuple(self.query_one("#facet-source", FacetList).selected),
            "place": tuple(self.query_one("#facet-place", FacetList).selected),
            "topic": tuple(self.query_one("#facet-topic", FacetList).selected),
            "year": dates.years_chosen,
            "month": dates.months_chosen,
        }

    def dates(self) -> tuple[datetime | None, datetime | None]:
        """(since, until) as the searcher wants them: until is exclusive."""
        return (self.query_one("#since", DateInput).date(end=False),
                self.query_one("#until", DateInput).date(end=True))

    def describe(self) -> list[str]:
        """The active filters in words, for the filter bar."""
        parts = [f"{name} {value}" for name, values in self.selection().items() for value in values]
        for name in ("since", "until"):
            box = self.query_one(f"#{name}", DateInput)
            if box.value.strip() and not box.has_class("-invalid"):
                parts.append(f"{name} {box.value.strip()}")
        return parts

    def clear(self) -> bool:
        """Clear every filter; False if there was none."""
        had = bool(self.describe())
        for facet in self.query(FacetList):
            facet.clear_selection()
        for box in self.query(DateInput):
            box.value = ""
        return had

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if isinstance(event.input, FacetFilter):  # filtered here, no search needed
            facets = self.query_one(f"#facet-{event.input.facet}", FacetList)
            facets.filter_text = event.value.strip()
            facets._rebuild()
            return
        error = self.query_one("#date-error", Label)
        failures = [
            d for box in self.query(DateInput) if box.value.strip()
            for d in (box.validate(box.value) or ValidationResult()).failure_descriptions
        ]
        error.update(Text(printable(failures[0], single_line=True)) if failures else "")
        error.display = bool(failures)
        self.post_message(FacetsChanged(typing=True))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if isinstance(event.input, FacetFilter):
            event.input.action_to_list()
