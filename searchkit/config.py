"""The config file: named collections of archives, each with its index and its settings.

    # $XDG_CONFIG_HOME/searchkit/config.toml
    default = "tass"
    cluster = "10.0.0.1:6379"            # optional: a Ray cluster serving sharded indexes

    [collections.tass]
    archive = "~/news/tass"              # the only required key
    index = "~/.local/share/searchkit/indexes/tass"   # default: under the XDG data dir
    language = "ru"                      # "en" (default) or "ru"
    encoding = "koi8-r"                  # default: detected per file
    include = ["*.txt"]                  # gitignore-style patterns, relative to the archive
    exclude = ["drafts/"]

    [collections.tass.filters]           # applied to every query of the collection
    source = ["TASS"]
    since = "2022-01"

A mistake in the file is a ConfigError naming the file, the line and the key.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .models import ArchiveSettings

LANGUAGES = ("en", "ru")
FILTER_KEYS = ("source", "place", "topic", "since", "until")
COLLECTION_KEYS = ("archive", "index", "language", "encoding", "include", "exclude", "filters")
TOP_KEYS = ("default", "cluster", "collections")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(UserError):
    """The config file cannot be used as written: the message names file, line and key."""


@dataclass(frozen=True)
class Filters:
    """Default filters of a collection (dates as typed; parsed when a query runs)."""

    source: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class Collection:
    name: str
    archive: Path
    index: Path
    settings: ArchiveSettings = field(default_factory=ArchiveSettings)
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class Config:
    path: Path
    collections: dict[str, Collection] = field(default_factory=dict)
    default: str | None = None
    cluster: str | None = None  # a Ray cluster's address ("host:port"), as --cluster takes it

    def default_collection(self) -> Collection | None:
        """The one named by `default`, else the only one there is."""
        if self.default is not None:
            return self.collections.get(self.default)
        if len(self.collections) == 1:
            return next(iter(self.collections.values()))
        return None


def config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("searchkit", appauthor=False) / "config.toml"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("searchkit", appauthor=False)


def default_index(name: str) -> Path:
    return data_dir() / "indexes" / name


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


def load(path: Path | None = None) -> Config:
    """The config file as read; an empty Config when there is none."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    import tomllib  # only when there is a config file to read

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends "(at line L, column C)": said in the shape of the other errors.
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", str(exc))
        if at is None:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        reason = str(exc)[:at.start()]
        raise ConfigError(f"{path}:{at.group(1)}: not valid TOML: {reason} (column {at.group(2)})") from None
    return _parse(path, text, data)


class _Where:
    """Finds the line of a key for messages (TOML's parser keeps no positions)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, key: str, table: str | None = None) -> int | None:
        """The line of `key` (dotted, as "collections.tass.language"): a table header
        [key], else `name =` after the header of `table` (or anywhere)."""
        header = re.compile(rf"^\s*\[\s*{re.escape(key)}\s*\]")
        for i, line in enumerate(self.lines):
            if header.match(line):
                return i + 1
        start = 0
        if table is not None:  # search from the table's header on
            table_header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
            start = next((i for i, line in enumerate(self.lines) if table_header.match(line)), 0)
        name = key.rsplit(".", 1)[-1]
        pattern = re.compile(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=")
        for i in range(start, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i + 1
        return None

    def error(self, key: str, message: str, table: str | None = None) -> ConfigError:
        line = self.line_of(key, table)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {key}: {message}")


def _parse(path: Path, text: str, data: dict) -> Config:
    where = _Where(path, text)
    for key in data:
        if key not in TOP_KEYS:
            raise where.error(key, f"unknown key (known: {', '.join(TOP_KEYS)})")
    default = data.get("default")
    if default is not None and not isinstance(default, str):
        raise where.error("default", "must be a collection name in quotes")
    cluster = data.get("cluster")
    if cluster is not None and (not isinstance(cluster, str) or not cluster.strip()):
        raise where.error("cluster", "must be a Ray cluster's address in quotes, as \"10.0.0.1:6379\"")
    tables = data.get("collections", {})
    if not isinstance(tables, dict):
        raise where.error("collections", "must be a table: [collections.NAME]")
    collections = {}
    for name, table in tables.items():
        collections[name] = _collection(where, name, table)
    if default is not None and default not in collections:
        raise where.error("default", f"no collection named {default!r}")
    return Config(path, collections, default, cluster)


def _strings(where: _Where, key: str, value: object, table: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise where.error(key, "must be a string or a list of strings", table)


def _collection(where: _Where, name: str, table: object) -> Collection:
    prefix = f"collections.{name}"
    if not valid_name(name):
        raise where.error(prefix, "a collection name is letters, digits, '-', '_' or '.'")
    if not isinstance(table, dict):
        raise where.error(prefix, "must be a table: [collections.NAME]")
    for key in table:
        if key not in COLLECTION_KEYS:
            raise where.error(f"{prefix}.{key}", f"unknown key (known: {', '.join(COLLECTION_KEYS)})", prefix)

    def string(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise where.error(f"{prefix}.{key}", "must be a string in quotes", prefix)
        return value

    archive = string("archive")
    if not archive:
        raise where.error(prefix, "has no `archive = \"FOLDER\"`")
    index = string("index")
    language = string("language") or "en"
    if language not in LANGUAGES:
        raise where.error(f"{prefix}.language", f"{language!r} is not one of {', '.join(LANGUAGES)}", prefix)
    encoding = string("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise where.error(f"{prefix}.encoding", f"unknown encoding {encoding!r}", prefix) from None
    include = _strings(where, f"{prefix}.include", table.get("include", []), prefix)
    exclude = _strings(where, f"{prefix}.exclude", table.get("exclude", []), prefix)
    filters = _filters(where, f"{prefix}.filters", table.get("filters", {}))
    base = where.path.parent  # a relative folder is relative to the config file
    return Collection(
        name=name,
        archive=_folder(archive, base),
        index=_folder(index, base) if index else default_index(name),
        settings=ArchiveSettings(language=language, encoding=encoding, include=include, exclude=exclude),
        filters=filters,
    )


def _filters(where: _Where, prefix: str, table: object) -> Filters:
    if not isinstance(table, dict):
        raise where.error(prefix, "must be a table")
    for key in table:
        if key not in FILTER_KEYS:
            raise where.error(f"{prefix}.{key}", f"unknown filter (known: {', '.join(FILTER_KEYS)})", prefix)
    for key in ("since", "until"):
        if key in table and not isinstance(table[key], str):
            raise where.error(f"{prefix}.{key}", "must be a date in quotes, e.g. \"2022-01\"", prefix)
    return Filters(
        source=_strings(where, f"{prefix}.source", table.get("source", []), prefix),
        place=_strings(where, f"{prefix}.place", table.get("place", []), prefix),
        topic=_strings(where, f"{prefix}.topic", table.get("topic", []), prefix),
        since=table.get("since"),
        until=table.get("until"),
    )


def _folder(value: str, base: Path) -> Path:
    path = Path(os.path.expandvars(value)).expanduser()
    return path if path.is_absolute() else base / path


# -- writing: `searchkit add` ------------------------------------------------------------


def _quote(value: str) -> str:
    # A TOML basic string: backslashes and quotes escaped, control characters refused earlier.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_collection(config: Config, name: str, archive: Path, *, language: str = "en",
                   encoding: str | None = None, index: Path | None = None) -> Collection:
    """Append a [collections.NAME] table to the config file (created if need be);
    what is already written, comments included, is kept as it is."""
    if not valid_name(name):
        raise UserError(f"{name!r} cannot name a collection: use letters, digits, '-', '_' or '.'")
    if name in config.collections:
        raise UserError(f"there is already a collection {name!r} in {config.path}")
    if language not in LANGUAGES:
        raise UserError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UserError(f"unknown encoding {encoding!r}") from None
    if any(ord(c) < 32 for c in str(archive) + str(index or "")):
        raise UserError("a folder name with control characters cannot go into the config file")
    lines = [f"[collections.{name}]", f"archive = {_quote(str(archive))}"]
    if index is not None:
        lines.append(f"index = {_quote(str(index))}")
    lines.append(f"language = {_quote(language)}")
    if encoding is not None:
        lines.append(f"encoding = {_quote(encoding)}")
    path = config.path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        before = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        before = ""
    separator = "" if not before else ("\n" if before.endswith("\n") else "\n\n")
    path.write_text(before + separator + "\n".join(lines) + "\n", encoding="utf-8")
    added = load(path).collections[name]
    return added
