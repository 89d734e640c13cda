"""The facet sidebar: since/until dates and counts for source, place, topic and date.

Every count is of the hits as narrowed by the current selection. Selected values stay
listed (marked ■) until they are cleared, even when another filter leaves them no hits.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...dates import parse_user_date
from ...errors import UserError
from ...models import FacetCount
from ...safe import printable
from ..messages import FacetsChanged

FACET_TITLES = {"source": "Source", "place": "Place", "topic": "Topic", "date": "Date"}


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

    def set_counts(self, counts: tuple[FacetCount, ...]) -> None:
        self.counts = counts
        self._rebuild()

    def clear_selection(self) -> None:
        self.selected = []
        self._rebuild()

    def _entries(self) -> list[tuple[str, str, int, int]]:
        """(option id, label, count, indent) for each line, selected values first."""
        counts = {c.value: c.count for c in self.counts}
        chosen = [(v, v, counts.get(v, 0), 0) for v in self.selected]
        rest = [(c.value, c.value, c.count, 0) for c in self.counts if c.value not in self.selected]
        return chosen + rest

    def _rebuild(self) -> None:
        cursor = self.highlighted
        self.clear_options()
        self.add_options(
            Option(_prompt(label, count, key in self.selected, indent), id=key)
            for key, label, count, indent in self._entries()
        )
        if self.option_count and cursor is not None:
            self.highlighted = min(cursor, self.option_count - 1)
        # A facet with nothing to offer takes no room.
        self.display = bool(self.option_count)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id
        if key is None:  # every option is added with its value as id
            return
        if key in self.selected:
            self.selected.remove(key)
        else:
            self.selected.append(key)
        self.post_message(FacetsChanged())
        self._mark(key)

    def _mark(self, key: str) -> None:
        """Show a value chosen or cleared at once. The counts that come back reorder the
        list (chosen values first); changing one line now costs no relayout."""
        count = next((c.count for c in self.counts if c.value == key), 0)
        self.replace_option_prompt(key, _prompt(key, count, key in self.selected))


class DateFacet(FacetList):
    """Years, and the months within a year once that year is chosen (or is the only one)."""

    def __init__(self) -> None:
        super().__init__("date")
        self.months: tuple[FacetCount, ...] = ()

    def set_dates(self, years: tuple[FacetCount, ...], months: tuple[FacetCount, ...]) -> None:
        self.months = months
        self.set_counts(years)

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
            yield FacetList(name)
        yield Label(FACET_TITLES["date"], id="heading-date", classes="heading")
        yield DateFacet()

    def on_mount(self) -> None:
        self.query_one("#date-error", Label).display = False

    def update_counts(self, facets: dict[str, tuple[FacetCount, ...]]) -> None:
        for name in ("source", "place", "topic"):
            self.query_one(f"#facet-{name}", FacetList).set_counts(facets.get(name, ()))
        self.query_one(DateFacet).set_dates(facets.get("year", ()), facets.get("month", ()))
        for facet in self.query(FacetList):
            self.query_one(f"#heading-{facet.facet}").display = facet.display

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
