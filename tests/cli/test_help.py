"""Every command explains itself with an example, in plain text, and is in the README's table.

The command tree is walked from the Typer app itself, so a new command cannot be added
without help, without an example, or without a row in the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from edusync.cli.main import app
from tests.cli.test_cli import edusync

README = Path(__file__).resolve().parents[2] / "README.md"


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    if path and command.invoke_without_command:  # a group that does something itself (edusync runs)
        yield path, command
    for name, sub in subcommands.items():
        yield from _walk(sub, (*path, name))


COMMANDS = dict(_walk(typer.main.get_command(app), ()))


def _readme_commands() -> list[list[str]]:
    """The words of every `edusync ...` span in the first column of the README's command table."""
    text = README.read_text(encoding="utf-8")
    table = text.split("## Everyday commands", 1)[1].split("\n## ", 1)[0]
    spans = []
    for row in table.splitlines():
        if row.startswith("| `"):
            first = re.split(r"(?<!\\)\|", row)[1]
            spans += [span.split() for span in re.findall(r"`([^`]+)`", first)]
    return [words[1:] for words in spans if words and words[0] == "edusync"]


def test_the_tree_is_walked() -> None:
    """The walk finds the commands a user knows, nested ones and the groups that act themselves."""
    for known in [("run",), ("runs",), ("runs", "show"), ("sandbox", "imses"), ("tokens", "create"), ("audit",)]:
        assert known in COMMANDS
    assert ("sandbox",) not in COMMANDS  # only shows its subcommands' help


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_has_help_with_an_example_in_plain_text(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    text = "\n".join(filter(None, [command.help, command.epilog]))
    assert text.strip(), f"edusync {' '.join(path)} has no help"
    example = re.search(r"^\s*Example: edusync (.+)$", text, re.MULTILINE)
    assert example, f"edusync {' '.join(path)}: no 'Example: edusync ...' line"
    words = example.group(1).split()
    while words and words[0].startswith("--"):  # the options every command takes (--log-format json)
        words = words[2:]
    assert words[: len(path)] == list(path), f"the example is not of edusync {' '.join(path)}"
    assert re.search(r"\n\s*\n\s*Example:", text), "the example is a paragraph of its own (else Rich joins it)"
    helps = [text, *(getattr(p, "help", None) or "" for p in command.params)]
    for piece in helps:
        assert "`" not in piece, f"edusync {' '.join(path)}: backticks show raw in the terminal: {piece!r}"


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_command_is_in_the_readme_table(path: tuple[str, ...]) -> None:
    subcommands = set(getattr(COMMANDS[path], "commands", {}) or {})
    listed = [
        words
        for words in _readme_commands()
        if words[: len(path)] == list(path) and (len(words) == len(path) or words[len(path)] not in subcommands)
    ]
    assert listed, f"edusync {' '.join(path)} is not in README.md's command table"


def test_no_row_of_the_readme_names_a_command_that_does_not_exist() -> None:
    paths = set(COMMANDS)
    for words in _readme_commands():
        assert any(tuple(words[: len(p)]) == p for p in paths), f"README.md lists edusync {' '.join(words)}"


def test_the_rendered_help_shows_no_raw_markup(tmp_path: Path) -> None:
    for args in [("--help",), ("demo", "--help"), ("init", "--help"), ("serve", "--help"), ("bench", "--help")]:
        shown = edusync(*args, cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert "``" not in shown.stdout and "<bool>" not in shown.stdout, shown.stdout
        assert "Example: edusync" in shown.stdout
