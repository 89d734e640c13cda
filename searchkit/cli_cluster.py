"""The command line of scaling out: `--cluster`, `searchkit cluster up|down`, `searchkit serve`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import UserError

CLUSTER_ENV = "SEARCHKIT_CLUSTER"


def _remember_cluster(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    # Kept in the environment, where the API (and the TUI it serves) finds it; without the
    # option or the variable, the config file's `cluster` if it names one.
    if not value:
        from .config import load

        value = load().cluster
    if value:
        os.environ[CLUSTER_ENV] = value


def cluster_option(command: Callable) -> Callable:
    """--cluster ADDRESS: use the Ray cluster there (from `searchkit cluster up` or `ray start`)."""
    return click.option(
        "--cluster", envvar=CLUSTER_ENV, expose_value=False, callback=_remember_cluster,
        help="A running Ray cluster's address (searchkit cluster up) [env SEARCHKIT_CLUSTER].",
    )(command)


def attach_cluster_commands(cli: click.Group, paths_options: Callable[[Callable], Callable],
                            open_one: Callable[..., Any]) -> None:
    """Add `cluster` and `serve` to the `searchkit` group (with its -c/--archive/--index
    options; `open_one(collection, all_collections, archive_dir, index_dir)` opens the one
    index they choose)."""
    cli.add_command(cluster_group)

    @cli.command("serve")
    @paths_options
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on (another than loopback exposes the archive).")
    @click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
    def serve_command(collection: tuple[str, ...], all_collections: bool, archive_dir: Path | None,
                      index_dir: Path | None, host: str, port: int) -> None:
        """Answer searches over HTTP as JSON: /search, /article/ID, /stats, /health (needs searchkit[serve])."""
        try:
            from .serve import serve
        except ImportError:
            raise UserError("`searchkit serve` needs Starlette and uvicorn: pip install 'searchkit[serve]'") from None
        index = open_one(collection, all_collections, archive_dir, index_dir)
        serve(index, host, port, on_ready=lambda url: click.echo(url))


@click.group("cluster")
def cluster_group() -> None:
    """A local Ray cluster on 127.0.0.1 for trying a sharded archive (needs searchkit[cluster])."""


@cluster_group.command("up")
@click.option("--nodes", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Ray nodes to start on this machine (a head and workers).")
@click.option("--cpus", type=click.IntRange(1, 64), default=1, show_default=True, help="CPUs each node offers.")
def cluster_up(nodes: int, cpus: int) -> None:
    """Start a local cluster; its address is the first line printed."""
    from .cluster.local_cluster import start

    address = start(nodes, cpus)
    click.echo(address)
    click.echo(f"searchkit: {nodes} node(s) on 127.0.0.1; use --cluster {address} "
               f"(or {CLUSTER_ENV}={address}); stop with `searchkit cluster down`", err=True)


@cluster_group.command("down")
def cluster_down() -> None:
    """Stop the local cluster started by `searchkit cluster up`."""
    from .cluster.local_cluster import stop

    stopped = stop()
    click.echo("searchkit: cluster stopped" if stopped else "searchkit: no local cluster was running", err=True)
