"""The `searchkit` command: reindex, query, show, stats, tui.

Thin on purpose: parse what the person typed, call the public API (`searchkit.api`),
render. Every mistake a person can make ends as one line on stderr and exit status 2;
a fault in searchkit itself as one line and exit status 70 (the traceback with --debug).
"""

from __future__ import annotations

import errno
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn

import click

from . import output
from .cli_cluster import attach_cluster_commands, cluster_option
from .dates import parse_user_date
from .errors import UserError
from .models import SORT_ORDERS, ReadProblem, ReindexProgress, ReindexSummary, SearchRequest, SortOrder
from .safe import printable, printable_name

if TYPE_CHECKING:
    from rich.console import Console

    from .api import Index

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in searchkit, not a mistake of the person
EXIT_IO = 74  # EX_IOERR: the disk is full or failed
EXIT_NO_PERMISSION = 77  # EX_NOPERM: a read-only or forbidden folder
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
_NO_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}

DEFAULT_ARCHIVE = "seeds"
DEFAULT_INDEX = "index"


class SearchkitError(click.ClickException):
    """A UserError as click shows it: one line, exit status 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"searchkit: {printable(self.format_message(), single_line=True)}", err=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a process manager, `kill`): stopped as cleanly as by Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


class Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _terminate)
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise SearchkitError(str(exc)) from None
        except KeyboardInterrupt as exc:  # whatever was under way was undone on the way out
            terminated = isinstance(exc, Terminated)
            click.echo(f"searchkit: {'terminated' if terminated else 'interrupted'}; "
                       "the index is as it was before", err=True)
            sys.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as exc:  # the disk or the folders, not searchkit and not the person
            system_failure(exc)
        except Exception as exc:  # a fault of searchkit's own: say so, never blame the index
            internal_error(exc, debug=bool(ctx.params.get("debug")))


def system_failure(exc: OSError) -> NoReturn:
    """A failure of the system (disk full, read-only folder) in one line: what, where,
    and that nothing was changed (a reindex undoes what it had written)."""
    where = f" ({printable_name(str(exc.filename))})" if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno in _NO_PERMISSION:
        click.echo(f"searchkit: cannot write or read here{where}: {reason}; nothing was changed", err=True)
        sys.exit(EXIT_NO_PERMISSION)
    click.echo(f"searchkit: {reason}{where}; nothing was changed", err=True)
    sys.exit(EXIT_IO)


def internal_error(exc: BaseException, *, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exception(exc)
    message = printable(f"{type(exc).__name__}: {exc}", single_line=True)
    hint = "" if debug else " (run with --debug for the traceback)"
    click.echo(f"searchkit: internal error, a bug in searchkit: {message}{hint}", err=True)
    sys.exit(EXIT_INTERNAL)


def paths_options(command: Callable) -> Callable:
    """--archive and --index, with their environment variables."""
    command = click.option(
        "--index", "index_dir", envvar="SEARCHKIT_INDEX", default=DEFAULT_INDEX, show_default=True,
        type=click.Path(path_type=Path), help="Index folder [env SEARCHKIT_INDEX].",
    )(command)
    command = click.option(
        "--archive", "archive_dir", envvar="SEARCHKIT_ARCHIVE", default=DEFAULT_ARCHIVE,
        show_default=True, type=click.Path(path_type=Path),
        help="Archive folder [env SEARCHKIT_ARCHIVE].",
    )(command)
    return cluster_option(command)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searchkit")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback.")
def cli(debug: bool) -> None:
    """Full-text search for news-wire archives."""


# -- reindex ---------------------------------------------------------------------


def run_reindex(ix: Index, *, full: bool = False, wait: float = 10.0, quiet: bool = False,
                verify: bool = False, shards: int | None = None) -> ReindexSummary:
    """Reindex with a progress bar on a terminal and warnings on stderr."""
    from rich.console import Console

    err = Console(stderr=True, highlight=False)

    def warn(problem: ReadProblem) -> None:
        if not quiet:
            kind = "skipped" if problem.skipped else "warning"
            where = printable_name(problem.path) + (f":{problem.line}" if problem.line else "")
            message = printable(problem.message, single_line=True)
            click.echo(f"searchkit: {kind}: {where}: {message}", err=True)

    if not err.is_terminal or quiet:
        return ix.reindex(full=full, on_problem=warn, wait_seconds=wait, verify=verify, shards=shards)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, transient=True,
    ) as bar:
        task = bar.add_task("scanning", total=None)

        def progress(p: ReindexProgress) -> None:
            bar.update(task, description=p.phase, completed=p.done, total=p.total)

        return ix.reindex(full=full, progress=progress, on_problem=warn, wait_seconds=wait, verify=verify,
                          shards=shards)


@cli.command("reindex")
@paths_options
@click.option("--full", is_flag=True, help="Rebuild from scratch (swapped in only when complete).")
@click.option("--wait", type=float, default=10.0, show_default=True,
              help="Seconds to wait for another reindex to finish.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any file or record was skipped.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no warnings; just the summary.")
@click.option("--verify", is_flag=True,
              help="Compare every file's content too, not only its size, times and inode.")
@click.option("--shards", type=click.IntRange(1, 256), default=None,
              help="Split a new index into this many shards (see Scaling out in the README).")
def reindex_command(archive_dir: Path, index_dir: Path, full: bool, wait: float, strict: bool,
                    quiet: bool, verify: bool, shards: int | None) -> None:
    """Build or update the index from the archive (incremental by default)."""
    from .api import open as open_index

    summary = run_reindex(open_index(index_dir, archive_dir), full=full, wait=wait, quiet=quiet, verify=verify,
                          shards=shards)
    click.echo(output.reindex_summary_line(summary))
    if strict and summary.skipped:
        sys.exit(1)


# -- query -----------------------------------------------------------------------


def open_index(archive_dir: Path, index_dir: Path, *, build_if_missing: bool = True) -> Index:
    """The index, built first from the archive if there is none yet."""
    from .api import open as open_api
    from .errors import IndexMissingError

    ix = open_api(index_dir, archive_dir)
    if ix.exists():
        return ix
    if not build_if_missing:
        raise IndexMissingError(f"no index at {index_dir}: run `searchkit reindex` to build one")
    if not archive_dir.is_dir():
        raise UserError(
            f"no index at {index_dir}, and no archive folder {archive_dir} to build one from "
            "(set --archive or SEARCHKIT_ARCHIVE)"
        )
    click.echo(f"searchkit: no index at {index_dir} yet; building it from {archive_dir} ...", err=True)
    summary = run_reindex(ix)
    click.echo(f"searchkit: {output.reindex_summary_line(summary)}", err=True)
    return ix


def _date_option(value: str | None, *, end: bool) -> datetime | None:
    return parse_user_date(value, end=end) if value else None


@cli.command("query")
@paths_options
@click.argument("text", nargs=-1)
@click.option("--source", multiple=True, help="Only this source (repeat for several).")
@click.option("--place", multiple=True, help="Only this place (repeat for several).")
@click.option("--topic", multiple=True, help="Only this topic (repeat for several).")
@click.option("--since", help="From this date on: 2022-01-10, 'Jan 10 2022', 2022-01.")
@click.option("--until", help="Up to and including this date, month or year.")
@click.option("--sort", type=click.Choice(SORT_ORDERS), default="relevance", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Hits per page.")
@click.option("--page", "-p", type=click.IntRange(1), default=1, show_default=True)
@click.option("--all", "match", flag_value="all", help="Only articles holding every word typed.")
@click.option("--any", "match", flag_value="any", help="Articles holding any of the words typed.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the contract in the README).")
def query_command(archive_dir: Path, index_dir: Path, text: tuple[str, ...], source: tuple[str, ...],
                  place: tuple[str, ...], topic: tuple[str, ...], since: str | None, until: str | None,
                  sort: SortOrder, limit: int, page: int, match: Literal["all", "any"] | None,
                  as_json: bool) -> None:
    """Search the archive. With no TEXT (or '*'), browse it, newest first.

    \b
    searchkit query "peacekeepers Almaty"
    searchkit query '"collective security" NOT Minsk' --since 2022-01 --json
    """
    request = SearchRequest(
        text=" ".join(text),
        source=source, place=place, topic=topic,
        since=_date_option(since, end=False),
        until=_date_option(until, end=True),
        sort=sort, page=page, page_size=limit, match=match or "auto",
    )
    with open_index(archive_dir, index_dir) as ix:
        response = ix.search(request)
    if as_json:
        click.echo(output.dumps(output.response_to_json(response)))
    else:
        output.print_response(_stdout(), response)


def _stdout() -> Console:
    """A Rich console for people (imported here: `--json` output never loads Rich)."""
    from rich.console import Console

    # Piped output is plain and unwrapped; a terminal gets colour.
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=True, no_color=True)
    return console


# -- show, stats, tui ------------------------------------------------------------


@cli.command("show")
@paths_options
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
def show_command(archive_dir: Path, index_dir: Path, article_id: str, as_json: bool) -> None:
    """Print one article whole (IDs are shown under each hit)."""
    with open_index(archive_dir, index_dir) as ix:
        article = ix.article(article_id)
    if article is None:
        raise UserError(f"no article with id {article_id!r} in {index_dir}")
    if as_json:
        click.echo(output.dumps(output.article_to_json(article)))
    else:
        output.print_article(_stdout(), article)


@cli.command("stats")
@paths_options
@click.option("--json", "as_json", is_flag=True)
def stats_command(archive_dir: Path, index_dir: Path, as_json: bool) -> None:
    """Counts of articles, sources and places; date range; index size and age."""
    with open_index(archive_dir, index_dir, build_if_missing=False) as ix:
        stats = ix.stats()
    if as_json:
        click.echo(output.dumps(output.stats_to_json(stats)))
    else:
        output.print_stats(_stdout(), stats)


@cli.command("check")
@paths_options
@click.option("--json", "as_json", is_flag=True)
def check_command(archive_dir: Path, index_dir: Path, as_json: bool) -> None:
    """Read every file of the index end to end and say whether it is whole."""
    with open_index(archive_dir, index_dir, build_if_missing=False) as ix:
        report = ix.check()
    if as_json:
        click.echo(output.dumps(output.check_to_json(report)))
    else:
        click.echo(output.check_line(report))
        for problem in report.problems:
            click.echo(f"  {printable(problem, single_line=True)}")
    if not report.whole:
        sys.exit(2)


@cli.command("tui")
@paths_options
def tui_command(archive_dir: Path, index_dir: Path) -> None:
    """Open the terminal UI."""
    from .api import open as open_api
    from .tui.app import SearchApp

    try:  # checked here, not in the UI: a folder that is not an index is refused in one line
        open_api(index_dir, archive_dir).exists()
    except UserError as exc:  # `python tui.py` runs this command outside the group
        raise SearchkitError(str(exc)) from None

    SearchApp(archive_dir=archive_dir, index_dir=index_dir).run()


attach_cluster_commands(cli, paths_options, open_index)


def main() -> None:
    cli(prog_name="searchkit")


if __name__ == "__main__":
    main()
