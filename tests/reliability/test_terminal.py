"""Articles that try to take over the terminal are displayed inert.

Escape sequences (clear screen, cursor moves, OSC 52 clipboard writes, OSC 8 links, title
changes), bare carriage returns and backspaces, bidi overrides and Rich markup, in titles,
bodies, file names, sources, places, topics and URLs. Checked on the exact bytes that
`searchkit query` and `searchkit show` write, piped and on a real terminal (a pty).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.engine.indexer import reindex

from .helpers import REPO, searchkit_cmd

EVIL_RECORD = {
    "title": "[bold red]Loud[/] title \x1b[2J\x1b[H \u202eevil\u202c",
    "body": "Wordevil body \x1b]52;c;ZXZpbA==\x07 clip \x1b]8;;http://evil.example\x1b\\link"
            "\x1b]8;;\x1b\\ \x1b]0;pwned\x07 title\rover\b\bwrite [link=http://x.example]click"
            "[/link] \x1b[31mred\x1b[0m \u2066iso\u2069 \u200fmark",
    "url": "http://x.example/\x1b[2J",
    "topics": ["\x1b]0;t\x07topic", "[blink]t2"],
    "source": "[bold]SRC\x1b[5m",
    "place": "\u202ePLACE",
}
EVIL_NAME = "evil\x1b[2J\x07name.txt"
# What must never reach the terminal from article text.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def evil(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("evil")
    archive = root / "archive"
    archive.mkdir()
    (archive / "evil.jsonl").write_text(json.dumps(EVIL_RECORD) + "\n", encoding="utf-8")
    (archive / EVIL_NAME).write_text(
        "date 2022-01-05 MOSCOW, January 5. /TASS/. Wordevil in a file name \x1b[1A up.\n")
    reindex(archive, root / "index")
    return archive, root / "index"


def _piped(evil, *args: str) -> str:
    archive, index_dir = evil
    result = CliRunner().invoke(cli, [args[0], "--archive", str(archive), "--index", str(index_dir),
                                      *args[1:]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _on_terminal(evil, *args: str, columns: int = 400) -> bytes:
    """The bytes `searchkit ARGS` writes to a terminal (a pty), as a person would see."""
    archive, index_dir = evil
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(TERM="xterm-256color", COLUMNS=str(columns), PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        searchkit_cmd(args[0], "--archive", str(archive), "--index", str(index_dir), *args[1:]),
        stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    out = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        assert ready, "searchkit did not finish on the terminal"
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.wait(timeout=30) == 0, out.decode(errors="replace")
    return bytes(out)


def _assert_inert_terminal_bytes(raw: bytes) -> str:
    """Only colour (SGR) sequences, CR only as the terminal's CRLF: returns the text."""
    text = raw.decode("utf-8")
    assert SGR.search(text), "expected colour on a terminal"
    plain = SGR.sub("", text)
    assert "\x1b" not in plain, [m.start() for m in re.finditer("\x1b", plain)]
    plain = plain.replace("\r\n", "\n")
    assert not FORBIDDEN.search(plain), FORBIDDEN.findall(plain)
    return plain


def test_query_piped_exact_bytes(evil) -> None:
    out = _piped(evil, "query", "wordevil", "--sort", "oldest")
    assert not FORBIDDEN.search(out)
    assert out.split("\n")[:12] == [
        "  1. 2022-01-05  TASS  MOSCOW",
        "     Wordevil in a file name [1A up.",
        "     Wordevil in a file name [1A up.",
        "     evil^[[2J^Gname.txt",
        "",
        "  2. (no date)  [bold]SRC[5m  <U+202E>PLACE",
        "     [bold red]Loud[/] title [2J[H <U+202E>evil<U+202C>",
        "     Wordevil body ]52;c;ZXZpbA== clip ]8;;http://evil.example\\link]8;;\\ ]0;pwned title "
        "overwrite [link=http://x.example]click[/link] [31mred[0m <U+2066>iso<U+2069> <U+200F>mark",
        "     evil.jsonl#1",
        "",
        "2 hits in " + out.split("\n")[10].split(" in ")[1],
        "source: [bold]SRC[5m 1 · TASS 1",  # ties alphabetically, case aside
    ]
    assert "topic: ^[]0;t^Gtopic 1 · [blink]t2 1" in out.split("\n")


def test_show_piped_exact_bytes(evil) -> None:
    archive, _ = evil
    out = _piped(evil, "show", "evil.jsonl#1")
    assert out == (
        "(no date)  [bold]SRC[5m  <U+202E>PLACE\n"
        "[bold red]Loud[/] title [2J[H <U+202E>evil<U+202C>\n"
        "topics: ^[]0;t^Gtopic, [blink]t2\n"
        "http://x.example/^[[2J\n"
        f"evil.jsonl#1 ({archive / 'evil.jsonl'})\n"
        "\n"
        "Wordevil body ]52;c;ZXZpbA== clip ]8;;http://evil.example\\link]8;;\\ ]0;pwned title\n"
        "overwrite [link=http://x.example]click[/link] [31mred[0m <U+2066>iso<U+2069> <U+200F>mark\n"
    )


def test_json_output_escapes_every_control_character(evil) -> None:
    out = _piped(evil, "query", "wordevil", "--json")
    assert not FORBIDDEN.search(out) and out.isascii()
    titles = {hit["title"] for hit in json.loads(out)["hits"]}
    assert "[bold red]Loud[/] title [2J[H \u202eevil\u202c" in titles  # data kept, escaped


@pytest.mark.parametrize("args", [("query", "wordevil", "--sort", "oldest"), ("show", "evil.jsonl#1"),
                                  ("show", EVIL_NAME)], ids=["query", "show", "show-evil-name"])
def test_on_a_terminal_only_colour_sequences_reach_it(evil, args) -> None:
    plain = _assert_inert_terminal_bytes(_on_terminal(evil, *args))
    # The same text as piped, colour aside: nothing was dropped or interpreted.
    assert plain.split("\n")[:9] == _piped(evil, *args).split("\n")[:9]
