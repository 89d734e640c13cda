"""`python tui.py`: the searchkit terminal UI, with the options of `searchkit tui`
(--archive/--index, or SEARCHKIT_ARCHIVE/SEARCHKIT_INDEX; defaults seeds/ and index/)."""

from searchkit.cli import tui_command

if __name__ == "__main__":
    tui_command.main(prog_name="python tui.py")
