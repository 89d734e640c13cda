"""The `searchkit` command: reindex, query, show, stats, tui.

Thin on purpose: parse what the person typed, call the public API (`searchkit.api`),
render. Every mistake a person can make ends as one line on stderr and exit status 2;
a fault in searchkit itself as one line and exit status 70 (the traceback with --debug).
"""

from __future__ import annotations

import errno
import io
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn

import click

from . import config, output
from .cli_cluster import attach_cluster_commands, cluster_option
from .config import Collection, Filters
from .dates import parse_user_date
from .errors import UserError
from .models import (
    SORT_ORDERS,
    ArchiveSettings,
    Article,
    ReadProblem,
    ReindexProgress,
    ReindexSummary,
    SearchRequest,
    SortOrder,
)
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
        except BrokenPipeError:  # `searchkit query ... | head -1`: the reader has all it wanted
            _quiet_broken_pipe()
            sys.exit(0)
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


@dataclass(frozen=True)
class Target:
    """What one command works on: a collection of the config file, or folders given."""

    name: str | None  # the collection's name; None: --archive/--index (or the repository's seeds/)
    archive: Path
    index: Path
    settings: ArchiveSettings | None = None  # None: as the index was built
    filters: Filters = field(default_factory=Filters)

    def open(self) -> Index:
        from .api import open as open_api

        return open_api(self.index, self.archive, settings=self.settings)


def paths_options(command: Callable) -> Callable:
    """-c/--collection (repeatable), --all-collections, and --archive/--index, with their
    environment variables. Which one wins is decided by `resolve_targets`."""
    command = click.option(
        "--index", "index_dir", envvar="SEARCHKIT_INDEX", default=None,
        type=click.Path(path_type=Path), help="Index folder [env SEARCHKIT_INDEX; default: index].",
    )(command)
    command = click.option(
        "--archive", "archive_dir", envvar="SEARCHKIT_ARCHIVE", default=None,
        type=click.Path(path_type=Path), help="Archive folder [env SEARCHKIT_ARCHIVE; default: seeds].",
    )(command)
    command = click.option(
        "--all-collections", is_flag=True, help="Every collection of the config file.",
    )(command)
    command = click.option(
        "-c", "--collection", "collection", multiple=True, envvar="SEARCHKIT_COLLECTION", metavar="NAME",
        help="A collection of the config file (repeat for several) [env SEARCHKIT_COLLECTION].",
    )(command)
    return cluster_option(command)


def _in_repository() -> bool:
    """The current folder is a checkout of searchkit (its seeds/) or holds our index/:
    then, as always, ./seeds and ./index are the default."""
    from .engine import store
    from .errors import NotAnIndexError

    if Path(DEFAULT_ARCHIVE).is_dir():
        return True
    try:
        return store.is_ours(Path(DEFAULT_INDEX))
    except (NotAnIndexError, OSError):
        return False


def _collection_target(collection: Collection) -> Target:
    return Target(collection.name, collection.archive, collection.index, collection.settings, collection.filters)


def resolve_targets(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                    index_dir: Path | None) -> list[Target]:
    """Options typed beat environment variables; a collection named beats folders; with
    neither, the repository's seeds/ when run inside it, else the default collection."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    typed = ParameterSource.COMMANDLINE
    folders_typed = typed in (ctx.get_parameter_source("archive_dir"), ctx.get_parameter_source("index_dir"))
    named_typed = all_collections or ctx.get_parameter_source("collection") == typed
    if named_typed and folders_typed:
        raise UserError("choose collections (-c, --all-collections) or folders (--archive, --index), not both")
    if named_typed or (collection and not folders_typed):
        cfg = config.load()
        if all_collections:
            if not cfg.collections:
                raise UserError(f"there are no collections in {cfg.path}: `searchkit add NAME FOLDER` makes one")
            return [_collection_target(c) for c in cfg.collections.values()]
        targets = []
        for name in dict.fromkeys(collection):
            if name not in cfg.collections:
                known = ", ".join(cfg.collections) or "none yet"
                raise UserError(f"no collection {name!r} in {cfg.path} (known: {known}); "
                                "`searchkit collections` lists them")
            targets.append(_collection_target(cfg.collections[name]))
        return targets
    if archive_dir is not None or index_dir is not None or _in_repository():
        return [Target(None, archive_dir or Path(DEFAULT_ARCHIVE), index_dir or Path(DEFAULT_INDEX))]
    cfg = config.load()
    default = cfg.default_collection()
    if default is not None:
        return [_collection_target(default)]
    if cfg.collections:
        raise UserError(f"{len(cfg.collections)} collections in {cfg.path} and none is the default: "
                        "choose one with -c NAME, or set default = \"NAME\" in that file")
    raise UserError("no collection yet and no archive here: `searchkit add NAME FOLDER` makes one "
                    "(or give --archive and --index)")


def one_target(targets: list[Target], command: str) -> Target:
    if len(targets) > 1:
        raise UserError(f"`searchkit {command}` works on one collection: choose it with -c NAME")
    return targets[0]


def color_option(command: Callable) -> Callable:
    return click.option(
        "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
        help="Colour: auto is on a terminal unless NO_COLOR is set.",
    )(command)


def use_color(color: str) -> bool:
    if color == "always":
        return True
    if color == "never":
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


class BareHelpGroup(Group):
    """`searchkit` alone prints the help and exits 0 (click's default would be status 2)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)


@click.group(cls=BareHelpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searchkit")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback.")
def cli(debug: bool) -> None:
    """Full-text search for news-wire archives.

    \b
    Start with:   searchkit add NAME FOLDER      (a collection, indexed)
                  searchkit query TEXT           (search it)
    Settings:     searchkit collections          (the config file and its collections)
    """


# -- reindex ---------------------------------------------------------------------


def run_reindex(ix: Index, *, full: bool = False, wait: float = 10.0, quiet: bool = False,
                verify: bool = False, shards: int | None = None) -> ReindexSummary:
    """Reindex with a progress bar on a terminal and warnings on stderr (above the bar)."""
    from rich.console import Console

    err = Console(stderr=True, highlight=False)

    def line(problem: ReadProblem) -> str:
        kind = "skipped" if problem.skipped else "warning"
        where = printable_name(problem.path) + (f":{problem.line}" if problem.line else "")
        return f"searchkit: {kind}: {where}: {printable(problem.message, single_line=True)}"

    if not err.is_terminal or quiet:
        def warn(problem: ReadProblem) -> None:
            if not quiet:
                click.echo(line(problem), err=True)

        return ix.reindex(full=full, on_problem=warn, wait_seconds=wait, verify=verify, shards=shards)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        TextColumn("{task.fields[articles]}"), console=err, transient=True,
    ) as bar:
        task = bar.add_task("scanning", total=None, articles="")

        def progress(p: ReindexProgress) -> None:
            nonlocal task
            articles = f"{p.articles:,} articles" if p.articles else ""
            if p.phase == "committing":  # a phase of its own, with no count: a bar of its own
                if bar.tasks[0].description != "committing":
                    bar.remove_task(task)
                    task = bar.add_task("committing", total=None, articles=articles)
                return
            described = "reading files" if p.phase == "reading" else p.phase
            bar.update(task, description=described, completed=p.done, total=p.total, articles=articles)

        def warn(problem: ReadProblem) -> None:
            bar.console.print(Text(line(problem)))  # printed above the bar, never into it

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
def reindex_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                    index_dir: Path | None, full: bool, wait: float, strict: bool, quiet: bool,
                    verify: bool, shards: int | None) -> None:
    """Build or update the index from the archive (incremental by default)."""
    targets = resolve_targets(collection, all_collections, archive_dir, index_dir)
    skipped = 0
    for target in targets:
        summary = run_reindex(target.open(), full=full, wait=wait, quiet=quiet, verify=verify, shards=shards)
        name = f"{target.name}: " if len(targets) > 1 else ""
        click.echo(name + output.reindex_summary_line(summary))
        skipped += summary.skipped
    if strict and skipped:
        sys.exit(1)


# -- query -----------------------------------------------------------------------


def open_index(target: Target, *, build_if_missing: bool = True) -> Index:
    """The index, built first from the archive if there is none yet."""
    from .errors import IndexMissingError

    ix = target.open()
    if ix.exists():
        return ix
    if not build_if_missing:
        what = f"-c {target.name} " if target.name else ""
        raise IndexMissingError(f"no index at {target.index}: run `searchkit reindex {what}`to build one")
    if not target.archive.is_dir():
        if target.name:
            raise UserError(f"collection {target.name!r}: its archive folder {target.archive} does not exist")
        raise UserError(
            f"no index at {target.index}, and no archive folder {target.archive} to build one from "
            "(set --archive or SEARCHKIT_ARCHIVE, or `searchkit add NAME FOLDER`)"
        )
    click.echo(f"searchkit: no index at {target.index} yet; building it from {target.archive} ...", err=True)
    summary = run_reindex(ix)
    click.echo(f"searchkit: {output.reindex_summary_line(summary)}", err=True)
    return ix


def _date_option(value: str | None, *, end: bool) -> datetime | None:
    return parse_user_date(value, end=end) if value else None


def _request_for(target: Target, base: SearchRequest, since: str | None, until: str | None) -> SearchRequest:
    """The request with the collection's default filters where the person gave none."""
    f = target.filters
    try:
        return replace(
            base,
            source=base.source or f.source, place=base.place or f.place, topic=base.topic or f.topic,
            since=base.since if since else _date_option(f.since, end=False),
            until=base.until if until else _date_option(f.until, end=True),
        )
    except UserError as exc:
        raise UserError(f"collection {target.name!r}, its default filters: {exc}") from None


QUERY_EPILOG = """\b
The query language (README, "The query language"):
  peacekeepers Almaty        all the words (any of them when no article holds all)
  "collective security"      a phrase
  wheat OR corn, CSTO NOT Minsk, (a OR b) AND c
  source:TASS place:"new york" topic:cocoa title: body:
  peace*  Volfov?ch  peacekeepres~  date:2022-01  date:[2022-01-01 TO 2022-01-15]

\b
Output formats (--format): text (people), json (one object), jsonl (a hit per line),
csv, ids, paths (one per line; NUL-separated with --null, for `xargs -0`).
"""


@cli.command("query", epilog=QUERY_EPILOG)
@paths_options
@click.argument("text", nargs=-1)
@click.option("--source", multiple=True, help="Only this source (repeat for several).")
@click.option("--place", multiple=True, help="Only this place (repeat for several).")
@click.option("--topic", multiple=True, help="Only this topic (repeat for several).")
@click.option("--since", help="From this date on: 2022-01-10, 'Jan 10 2022', 2022-01, '7 days ago'.")
@click.option("--until", help="Up to and including this date, month or year.")
@click.option("--sort", type=click.Choice(SORT_ORDERS), default="relevance", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Hits per page.")
@click.option("--page", "-p", type=click.IntRange(1), default=1, show_default=True)
@click.option("--all", "every", is_flag=True, help="Every hit, streamed, not one page.")
@click.option("--all-words", "match", flag_value="all", help="Only articles holding every word typed.")
@click.option("--any-words", "--any", "match", flag_value="any", help="Articles holding any of the words typed.")
@click.option("--more-like", metavar="ID", help="Articles like this one (its telling words), not TEXT.")
@click.option("--format", "fmt", type=click.Choice(output.FORMATS), default="text", show_default=True,
              help="text, json, jsonl (a hit per line), csv, ids or paths (one per line).")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json (the README's contract).")
@click.option("--facets", "facet_values", metavar="N|all",
              help="Values listed per facet (text 8, json 25 by default); all: every one.")
@click.option("--null", "-0", "print0", is_flag=True,
              help="With --format ids or paths: a NUL after each, for xargs -0.")
@color_option
def query_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                  index_dir: Path | None, text: tuple[str, ...], source: tuple[str, ...],
                  place: tuple[str, ...], topic: tuple[str, ...], since: str | None, until: str | None,
                  sort: SortOrder, limit: int, page: int, every: bool, match: Literal["all", "any"] | None,
                  more_like: str | None, fmt: str, as_json: bool, facet_values: str | None, print0: bool,
                  color: str) -> None:
    """Search the archive. With no TEXT (or '*'), browse it, newest first.

    \b
    searchkit query "peacekeepers Almaty"
    searchkit query '"collective security" NOT Minsk' --since 2022-01 --json
    searchkit query -c tass -c reuters wheat --format jsonl --all
    """
    if as_json:
        fmt = "json"
    if print0 and fmt not in ("ids", "paths"):
        raise UserError("--null goes with --format ids or --format paths")
    if more_like and text:
        raise UserError("give TEXT or --more-like ID, not both")
    targets = resolve_targets(collection, all_collections, archive_dir, index_dir)
    if more_like and len(targets) > 1:
        raise UserError("--more-like works on one collection: choose it with -c NAME")
    base = SearchRequest(
        text=" ".join(text),
        source=source, place=place, topic=topic,
        since=_date_option(since, end=False),
        until=_date_option(until, end=True),
        sort=sort, page=page, page_size=limit, match=match or "auto",
    )
    if facet_values is not None:
        base = replace(base, facet_limit=_facet_limit(facet_values))
    if base.since and base.until and base.since >= base.until:
        click.echo(f"searchkit: hint: --since {since} is after --until {until}: no article can match", err=True)
    from .federation import Member

    requests = [_request_for(t, base, since, until) for t in targets]  # a bad default date: before any work
    opened = [(t, open_index(t)) for t in targets]
    members = []
    for (target, ix), request in zip(opened, requests):
        if more_like:
            if ix.article(more_like) is None:
                raise UserError(f"no article with id {more_like!r} in {target.index}")
            members.append(Member(target.name or "", partial(ix.more_like, more_like), request))
        else:
            members.append(Member(target.name or "", ix.search, request))
    try:
        writer = output.HitWriter(fmt, sys.stdout, console=_stdout(color) if fmt == "text" else None,
                                  print0=print0, collections=len(targets) > 1, every=every,
                                  more_like=more_like,
                                  facets_shown=output.FACETS_SHOWN if facet_values is None else base.facet_limit)
        total = _run_query(members, base, every, writer)
    finally:
        for _, ix in opened:
            ix.close()
    if not every and total and page > -(-total // limit):
        pages = -(-total // limit)
        click.echo(f"searchkit: hint: page {page} is past the end: {total:,} hit{'s' if total != 1 else ''} "
                   f"make {pages:,} page{'s' if pages != 1 else ''} of {limit}", err=True)


def _facet_limit(value: str) -> int | None:
    """--facets: a number of values, or `all` (None)."""
    if value.strip().lower() == "all":
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise UserError(f"--facets takes a number of values or `all`, not {value!r}")
    return number


def _run_query(members: list, base: SearchRequest, every: bool, writer: output.HitWriter) -> int:
    """Search and write; returns the total. With one collection and `every`, pages are
    written as they come (a script reading the stream starts at once)."""
    from . import federation

    if len(members) == 1 and every:
        member = members[0]
        first = None
        offset = 0
        for response in federation.pages(member.search, member.request):
            if first is None:
                first = response
                writer.start(response)
            writer.hits(response.hits, offset)
            offset += len(response.hits)
        assert first is not None
        writer.finish(first, offset)
        return first.total
    if len(members) == 1:
        response = members[0].search(members[0].request)
        names: tuple[str, ...] = ()
    else:
        found = federation.search(members, base, every=every)
        response, names = found.response, found.collections
    writer.start(response)
    offset = 0 if every else (base.page - 1) * base.page_size
    writer.hits(response.hits, offset, names)
    writer.finish(response, len(response.hits))
    return response.total


def _stdout(color: str = "auto") -> Console:
    """A Rich console for people (imported here: `--json` output never loads Rich)."""
    from rich.console import Console

    colored = use_color(color)
    if sys.stdout.isatty():
        console = Console(highlight=False, no_color=not colored, force_terminal=True if colored else None)
    else:  # piped output is unwrapped; colour only when asked for
        console = Console(highlight=False, soft_wrap=True, no_color=not colored,
                          force_terminal=colored, color_system="standard" if colored else None)
    console.on_broken_pipe = _rich_broken_pipe  # type: ignore[method-assign]
    return console


def _rich_broken_pipe() -> None:
    """Rich's own answer to a closed pipe is exit status 1: ours is a quiet 0."""
    _quiet_broken_pipe()
    raise SystemExit(0)


# -- show, stats, tui ------------------------------------------------------------


@cli.command("show")
@paths_options
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-pager", is_flag=True, help="Print straight to the terminal, not through $PAGER.")
@color_option
def show_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                 index_dir: Path | None, article_id: str, as_json: bool, no_pager: bool, color: str) -> None:
    """Print one article whole (IDs are shown under each hit); on a terminal, through $PAGER."""
    targets = resolve_targets(collection, all_collections, archive_dir, index_dir)
    article = None
    for target in targets:
        with open_index(target) as ix:
            article = ix.article(article_id)
        if article is not None:
            break
    if article is None:
        where = targets[0].index if len(targets) == 1 else "any of the collections"
        raise UserError(f"no article with id {article_id!r} in {where}")
    if as_json:
        click.echo(output.dumps(output.article_to_json(article)))
    elif sys.stdout.isatty() and not no_pager:
        _page_article(article, use_color(color))
    else:
        output.print_article(_stdout(color), article)


def _page_article(article: Article, colored: bool) -> None:
    import io
    import shutil

    from rich.console import Console

    size = shutil.get_terminal_size()
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, force_terminal=colored, no_color=not colored,
                      width=size.columns)
    output.print_article(console, article)
    if buffer.getvalue().count("\n") < size.lines:  # it fits on the screen: no pager needed
        output.print_article(_stdout("always" if colored else "never"), article)
        return
    # less: keep colours, leave the text on the screen when it ends.
    os.environ.setdefault("LESS", "FRX")
    click.echo_via_pager(buffer.getvalue(), color=colored)


@cli.command("stats")
@paths_options
@click.option("--json", "as_json", is_flag=True)
@color_option
def stats_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                  index_dir: Path | None, as_json: bool, color: str) -> None:
    """Counts of articles, sources and places; date range; index size and age."""
    target = one_target(resolve_targets(collection, all_collections, archive_dir, index_dir), "stats")
    with open_index(target, build_if_missing=False) as ix:
        stats = ix.stats()
    if as_json:
        click.echo(output.dumps(output.stats_to_json(stats)))
    else:
        output.print_stats(_stdout(color), stats)


@cli.command("check")
@paths_options
@click.option("--json", "as_json", is_flag=True)
def check_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                  index_dir: Path | None, as_json: bool) -> None:
    """Read every file of the index end to end and say whether it is whole."""
    target = one_target(resolve_targets(collection, all_collections, archive_dir, index_dir), "check")
    with open_index(target, build_if_missing=False) as ix:
        report = ix.check()
    if as_json:
        click.echo(output.dumps(output.check_to_json(report)))
    else:
        click.echo(output.check_line(report))
        for problem in report.problems:
            click.echo(f"  {printable(problem, single_line=True)}")
    if not report.whole:
        sys.exit(2)


# -- collections -----------------------------------------------------------------


@cli.command("collections")
@click.option("--json", "as_json", is_flag=True)
def collections_command(as_json: bool) -> None:
    """The collections of the config file, with their article counts."""
    from .api import open as open_api

    cfg = config.load()
    default = cfg.default_collection()
    rows = []
    for c in cfg.collections.values():
        articles: int | None = None
        try:
            with open_api(c.index, c.archive) as ix:
                if ix.exists():
                    articles = ix.stats().articles
        except UserError:
            articles = None  # named below as not indexed; `searchkit stats -c NAME` says why
        rows.append((c, articles))
    if as_json:
        click.echo(output.dumps({
            "config": str(cfg.path),
            "default": default.name if default else None,
            "collections": [
                {"name": c.name, "archive": str(c.archive), "index": str(c.index),
                 "language": c.settings.language, "encoding": c.settings.encoding,
                 "include": list(c.settings.include), "exclude": list(c.settings.exclude),
                 "articles": n}
                for c, n in rows
            ],
        }))
        return
    if not rows:
        click.echo(f"no collections yet in {printable_name(str(cfg.path))}: "
                   "`searchkit add NAME FOLDER` makes one")
        return
    width = max(len(c.name) for c, _ in rows)
    for c, n in rows:
        mark = "*" if default is not None and c.name == default.name else " "
        count = f"{n:>9,} articles" if n is not None else "  not indexed yet"
        click.echo(f"{mark} {c.name:<{width}}  {count}  {c.settings.language}  "
                   f"{printable_name(str(c.archive))}")
    click.echo(f"(config: {printable_name(str(cfg.path))}; * the default)")


@cli.command("add")
@click.argument("name")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--language", type=click.Choice(config.LANGUAGES), default="en", show_default=True,
              help="Language of the articles (stemming of words and queries).")
@click.option("--encoding", help="Encoding of its text files (default: detected per file).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path),
              help="Index folder [default: under the user data folder].")
@click.option("--no-index", is_flag=True, help="Only add it to the config file; index it later.")
def add_command(name: str, folder: Path, language: str, encoding: str | None, index_dir: Path | None,
                no_index: bool) -> None:
    """Add the archive FOLDER as collection NAME to the config file, and index it."""
    if not folder.is_dir():
        state = "is not a folder" if folder.exists() else "does not exist"
        raise UserError(f"archive folder {folder} {state}")
    from .api import open as open_api

    cfg = config.load()
    # A folder that is not an index is refused before the config file is touched.
    open_api(index_dir or config.default_index(name), folder).exists()
    added = config.add_collection(cfg, name, folder.resolve(), language=language, encoding=encoding,
                                  index=index_dir.resolve() if index_dir else None)
    click.echo(f"searchkit: added collection {name!r} to {printable_name(str(cfg.path))}", err=True)
    if not no_index:
        summary = run_reindex(_collection_target(added).open())
        click.echo(output.reindex_summary_line(summary))


@cli.command("tui")
@paths_options
def tui_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                index_dir: Path | None) -> None:
    """Open the terminal UI."""
    from .api import open as open_api
    from .tui.app import SearchApp

    try:  # checked here, not in the UI: a folder that is not an index is refused in one line
        targets = resolve_targets(collection, all_collections, archive_dir, index_dir)
        if targets[0].name is None:  # folders: the UI builds the index if there is none
            target = one_target(targets, "tui")
            open_api(target.index, target.archive).exists()
            app = SearchApp(archive_dir=target.archive, index_dir=target.index)
        else:  # collections: the chosen ones searched, the others a key (F2) away
            app = SearchApp(collections=_collections_for_tui(targets), chosen=[t.name or "" for t in targets])
    except UserError as exc:  # `python tui.py` runs this command outside the group
        raise SearchkitError(str(exc)) from None
    app.run()


def _collections_for_tui(chosen: list[Target]) -> dict[str, Index]:
    """Every collection of the config file that has an index; a chosen one without one is
    a mistake to say (the UI builds the index only of an archive given as folders)."""
    everything = [_collection_target(c) for c in config.load().collections.values()]
    out: dict[str, Index] = {}
    for target in everything:
        ix = target.open()
        if ix.exists():
            out[target.name or ""] = ix
        elif target in chosen:
            raise UserError(f"collection {target.name!r} has no index yet: run `searchkit reindex -c {target.name}`")
    return out


def _quiet_broken_pipe() -> None:
    """The reader of our output has gone (`| head -1`): nothing more to say, and Python's
    own flush at exit must not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _open_one(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
              index_dir: Path | None) -> Index:
    return open_index(one_target(resolve_targets(collection, all_collections, archive_dir, index_dir), "serve"))


attach_cluster_commands(cli, paths_options, _open_one)


def main() -> None:
    try:
        cli(prog_name="searchkit")
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(0)


if __name__ == "__main__":
    main()
