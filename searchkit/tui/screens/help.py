"""`?` or F1: every key, and the query language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# searchkit

## Search screen

| key | what it does |
| --- | --- |
| typing | search as you type (results follow after a short pause) |
| Enter / ↓ | from the query box: go to the results |
| ↑ ↓ PgUp PgDn | move through the results (more are loaded as you go) |
| Enter / click | open the highlighted article in the reader |
| Tab / Shift+Tab | move between query box, filters and results |
| Enter / Space / click | in a facet list: choose or clear a value (see below) |
| "show all" | at the end of a facet's list: every value, with a box that filters them as you type (↓ to the list) |
| Ctrl+O (or `o`) | sort: relevance → newest → oldest |
| Ctrl+T | words typed: all of them for a short query (else any) → all → any |
| Ctrl+L (or `m`) | more like the highlighted article |
| Ctrl+Y | accept the "did you mean" spelling |
| Esc | leave "more like this", else clear the filters, else the query |
| Ctrl+R | reindex the archive in the background |
| `/` | back to the query box (in a text box, `/` and `?` are typed) |
| F1 or `?` | this help |
| Ctrl+P | the command palette: themes, copy an id, URL or citation, open a URL, sort... |
| F2 | the collections to search (one or several) |
| Ctrl+Q | quit |

Several values of one facet are OR-ed (Tokyo or London), facets AND-ed (TASS, in Tokyo or
London); the values not chosen keep their counts (what choosing one of them would find).

The status line starts with "⋯ searching" while a search is under way, and says
"Nothing found" when nothing matches (the facets stay, to change what was chosen).

The **Since** and **Until** boxes take the same dates as the command line:
`2022-01-10`, `Jan 10 2022`, `2022-01` (a month), `2022` (a year). Until includes the
whole day, month or year named. An unreadable date is marked and ignored.

## Reader

| key | what it does |
| --- | --- |
| `n` / `N` (or `p`) | next / previous match |
| ↑ ↓ PgUp PgDn Home End | scroll |
| `m` | more like this article |
| `o` | open the article's URL (shown under its title) in the web browser |
| `c` | copy a citation line: title, source, place, date, URL |
| Esc or `q` | back to the results, where you left them |

## Query language

| you type | it finds |
| --- | --- |
| `peacekeepers almaty` | articles with both words (with either, said so, when none has both) |
| `"collective security"` | the phrase |
| `oil OR gas`, `oil NOT gas` | either word; one without the other |
| `peace*`, `peacekeepr~` | words starting with peace; words spelled about so |
| `title:ruble` `body:` `source:tass` `place:moscow` `topic:grain` | in that field |
| `date:2022-01`, `date:[2022-01-01 TO 2022-01-15]`, `date:>2022-01-10` | dates |

Words match their other forms: `peacekeeper` finds `peacekeepers`.

*Esc, `q` or F1 closes this help.*
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
