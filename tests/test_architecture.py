"""The house rules that keep data flowing one way, checked by parsing imports with `ast`,
and the README kept in step with the CLI (a command missing from the README fails)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"crawler", "nlp", "store", "digest", "publish", "scheduler", "demo_sites", "pipeline",
           "cli_support"}


def imports_of(package: str) -> dict[str, set[str]]:
    """Top-level project modules imported by each file of a package."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names & PROJECT
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("store", PROJECT - {"store"}),
        ("crawler", {"nlp", "digest", "publish", "scheduler", "pipeline", "cli_support"}),
        ("nlp", {"crawler", "digest", "publish", "scheduler", "pipeline", "cli_support"}),
        ("digest", {"crawler", "nlp", "publish", "scheduler", "pipeline", "cli_support"}),
        ("publish", {"crawler", "nlp", "scheduler", "pipeline", "cli_support"}),
        ("scheduler", {"pipeline"}),
    ],
)
def test_data_flows_one_way(package, forbidden):
    bad = {f: sorted(n & forbidden) for f, n in imports_of(package).items() if n & forbidden}
    assert bad == {}


def test_nothing_imports_the_cli_module():
    for package in PROJECT - {"pipeline", "cli_support"}:
        if (ROOT / package).is_dir():
            offenders = {f for f, names in imports_of(package).items() if "pipeline" in names}
            assert offenders == set()


def cli_commands() -> list[str]:
    """Every command and sub-command of the CLI, as `name` or `group name`."""
    import typer

    import pipeline

    root = typer.main.get_command(pipeline.app)
    names = []
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        names += [f"{name} {sub}" for sub in subs] if subs else [name]
    assert len(names) >= 15
    return names


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in cli_commands() if f"`{c}" not in readme
               and f"`{c.split()[0]} {c.split()[-1]}" not in readme]
    assert missing == []


def test_readme_names_the_two_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
