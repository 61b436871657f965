"""The house rules that keep data flowing one way, checked by parsing imports with `ast`,
and the README kept in step with the CLI (a command missing from the README fails)."""

from __future__ import annotations

import ast
import re
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


# ---------------------------------------------------------------- one way to every table

# The Datasette layer (datasette_config/ and the package behind its plugins, publish/) reads the
# published database with SQL by nature: its queries are what it publishes.
SQL_ALLOWED = ("store/", "publish/", "datasette_config/")
SQL_CHECKED = ("crawler", "nlp", "digest", "scheduler", "demo_sites", "pipeline.py",
               "cli_support.py")
_SQL = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|PRAGMA)\b")


def project_tables(tmp_path_factory) -> set[str]:
    from store.db import open_db

    db = open_db(tmp_path_factory.mktemp("schema") / "schema.db")
    names = set(db.table_names()) | set(db.view_names())
    db.conn.close()
    return {n for n in names if not n.startswith(("sqlite_", "_"))}


def python_files(*roots: str) -> list[Path]:
    out = []
    for root in roots:
        path = ROOT / root
        out += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return out


def _is_database(node: ast.expr) -> bool:
    """`db`, `self.db`, `database`: the names the project gives a sqlite_utils.Database."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name in ("db", "database", "conn")


def sql_on_tables(path: Path, tables: set[str]) -> list[str]:
    """String constants that are SQL naming a project table, and `db["table"]` look-ups."""
    found = []
    table_word = re.compile(r"\b(" + "|".join(sorted(tables, key=len, reverse=True)) + r")\b")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _SQL.search(node.value) and table_word.search(node.value):
                found.append(f"line {node.lineno}: {node.value.strip()[:60]!r}")
        elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
              and node.slice.value in tables and _is_database(node.value)):
            found.append(f"line {node.lineno}: [{node.slice.value!r}]")
    return found


def test_sql_on_project_tables_lives_in_store(tmp_path_factory):
    tables = project_tables(tmp_path_factory)
    assert {"articles", "seen_urls", "crawl_runs", "job_runs", "labels", "digests"} <= tables
    offenders = {str(p.relative_to(ROOT)): hits for p in python_files(*SQL_CHECKED)
                 if (hits := sql_on_tables(p, tables))}
    assert offenders == {}, "move these queries into a named function in store/"


def test_the_architecture_check_sees_sql(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text('q = "SELECT url FROM seen_urls WHERE status = ?"\nx = db["labels"]\n',
                      encoding="utf-8")
    assert len(sql_on_tables(sample, {"seen_urls", "labels"})) == 2


# ---------------------------------------------------------------- one orchestration


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("demo_sites", {"pipeline", "cli_support", "nlp"}),
        ("datasette_config", {"crawler", "nlp", "scheduler", "digest", "pipeline",
                              "cli_support", "demo_sites"}),
        ("crawler", {"demo_sites"}),
        ("store", {"demo_sites"}),
        ("nlp", {"demo_sites"}),
    ],
)
def test_demo_and_datasette_keep_to_their_rooms(folder, forbidden):
    bad = {f: sorted(n & forbidden) for f, n in imports_of(folder).items() if n & forbidden}
    assert bad == {}


def test_no_process_runs_the_cli():
    """Child processes run library modules (`-m crawler.process`, `-m nlp.stage`), never
    `pipeline.py`: the CLI is for people, and the library must not depend on it."""
    offenders = []
    for path in python_files("crawler", "nlp", "store", "digest", "publish", "scheduler",
                             "demo_sites", "datasette_config", "cli_support.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ("pipeline.py", "pipeline"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def called_names(func: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            target = node.func
            names.add(target.attr if isinstance(target, ast.Attribute) else
                      getattr(target, "id", ""))
    return names


def test_crawl_then_analyze_is_written_once():
    """`pipeline.py run`, the scheduler and the demo all call scheduler.runs.crawl_and_analyze;
    no other function both crawls and analyses."""
    roots = ("pipeline.py", "cli_support.py", "scheduler", "demo_sites", "crawler", "nlp")
    callers, both = set(), []
    for path in python_files(*roots):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                names = called_names(node)
                if "crawl_and_analyze" in names:
                    callers.add(str(path.relative_to(ROOT)))
                if {"crawl", "crawl_with_progress"} & names and {
                        "analyze_db", "analyze_in_child", "analyze_with_progress"} & names:
                    both.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert {"cli_support.py", "scheduler/jobs.py", "demo_sites/demo.py"} <= callers
    assert both == ["scheduler/runs.py:crawl_and_analyze"]


def test_every_known_error_of_the_cli_exists():
    import importlib

    from cli_support import KNOWN_ERRORS

    for module, name in KNOWN_ERRORS:
        err = getattr(importlib.import_module(module), name, None)
        assert isinstance(err, type) and issubclass(err, BaseException), f"{module}.{name}"


def test_one_spelling_of_ize_verbs_in_code():
    """analyze, canonicalize, normalize, lemmatize: one spelling in identifiers and prose
    (the old column name `analysed_at` stays only in the schema's migration history)."""
    british = re.compile(r"(?<![A-Za-z])(analys(e|ed|er|ing)(?![a-z])|normalis|lemmatis|"
                         r"canonicalis)", re.IGNORECASE)
    offenders = []
    for path in python_files("crawler", "nlp", "store", "digest", "publish", "scheduler",
                             "demo_sites", "datasette_config", "pipeline.py", "cli_support.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.name == "schema.py":  # migration 001 created the old column name
                line = line.replace("analysed_at", "")
            if british.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []
