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


# ---------------------------------------------------------------- one language for people

# Where every message of an error meant for people (cli_support.KNOWN_ERRORS, their subclasses,
# OSError's family) must be Italian. crawler and publish join once their messages are translated.
ITALIAN_MESSAGES = ("store", "nlp", "digest", "scheduler", "crawler", "publish", "cli_support.py",
                    "pipeline.py")
# Calls whose text arguments are messages for people wherever they appear: the CLI's exit, a
# warning, and the crawler's `Problem(source, key, message)` that SourceError lists.
MESSAGE_CALLS = {"fail", "warn", "Problem"}
# Words that are English and never Italian ("file", "no", "in", "per" are Italian too). Paths,
# identifiers, `code` and {placeholders} are skipped before looking.
ENGLISH_WORDS = frozenset("""
    the is are was were be been not cannot can can't must should expected expects missing
    unknown needs need found invalid with from for does doesn't already of to an and or but
    has have this that than which only empty failed could would there it its into after before
    without got use using please try while when at on by if as one same no first
""".split())
_OS_ERRORS = {"OSError", "FileNotFoundError", "PermissionError", "IsADirectoryError",
              "NotADirectoryError", "FileExistsError"}
_SKIP_TOKEN = re.compile(r"[_./=\\<>\[\]{}|@#*]")


def with_subclasses(names: set[str], sources: list[str]) -> set[str]:
    """`names` and every class of `sources` that derives from one of them, at any depth."""
    names = set(names)
    classes = [node for source in sources for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        before = len(names)
        names |= {c.name for c in classes
                  if {getattr(b, "id", getattr(b, "attr", "")) for b in c.bases} & names}
        grew = len(names) > before
    return names


def user_error_names() -> set[str]:
    """Class names of the errors the CLI prints as they are: KNOWN_ERRORS, OSError's family and
    the project's subclasses of them."""
    from cli_support import KNOWN_ERRORS

    sources = [path.read_text(encoding="utf-8")
               for path in python_files(*sorted(PROJECT - {"pipeline", "cli_support"}))]
    return with_subclasses({name for _, name in KNOWN_ERRORS} | _OS_ERRORS, sources)


def _message_text(node: ast.AST | None, assigned: dict[str, list[ast.expr]],
                  seen: frozenset[str] = frozenset()) -> str:
    """The literal text of a message expression: string constants, the constant parts of
    f-strings, `+`/`%`/`.format` operands, and local variables assigned in the same function."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else ""
    if isinstance(node, ast.JoinedStr):
        return "".join(_message_text(v, assigned, seen) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        inner = _message_text(node.value, assigned, seen) if isinstance(node.value, ast.Name) \
            else ""
        return inner or " {} "
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _message_text(node.left, assigned, seen) + _message_text(node.right, assigned,
                                                                        seen)
    if isinstance(node, ast.IfExp):
        return " ".join(_message_text(n, assigned, seen) for n in (node.body, node.orelse))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"):
        return _message_text(node.func.value, assigned, seen)
    if isinstance(node, ast.Name) and node.id in assigned and node.id not in seen:
        return " ".join(_message_text(v, assigned, seen | {node.id}) for v in assigned[node.id])
    return ""


def english_words(text: str) -> list[str]:
    """English words of a message, leaving out `code`, paths, identifiers, placeholders and
    command-line options (--from)."""
    text = re.sub(r"`[^`]*`", " ", text)
    words = []
    for token in text.split():
        if _SKIP_TOKEN.search(token) or token.startswith("--"):
            continue
        words += [w for w in re.findall(r"[^\W\d_]+(?:'t)?", token.lower())
                  if w in ENGLISH_WORDS]
    return words


def _message_calls(tree: ast.AST, errors: set[str]) -> list[ast.Call]:
    """`raise Error(...)` for the given error names, `super().__init__(...)` inside those error
    classes, and the MESSAGE_CALLS."""
    calls = []
    for node in ast.walk(tree):
        call = node.exc if isinstance(node, ast.Raise) else node
        if isinstance(call, ast.Call):
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if (isinstance(node, ast.Raise) and name in errors) or name in MESSAGE_CALLS:
                calls.append(call)
        elif isinstance(node, ast.ClassDef) and node.name in errors:
            calls += [n for n in ast.walk(node) if isinstance(n, ast.Call)
                      and getattr(n.func, "attr", "") == "__init__"]
    return calls


def english_in_messages(source: str, errors: set[str]) -> list[str]:
    """`line N: words` for each user-facing message of `source` holding English words."""
    tree = ast.parse(source)
    scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    found: dict[int, str] = {}
    for scope in [*scopes, tree]:
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                assigned.setdefault(node.targets[0].id, []).append(node.value)
        for call in _message_calls(scope, errors):
            if call.lineno in found:
                continue
            text = " ".join(_message_text(arg, assigned) for arg in call.args)
            if words := english_words(text):
                found[call.lineno] = f"line {call.lineno}: {sorted(set(words))} in {text!r}"
    return [found[n] for n in sorted(found)]


def test_the_language_check_sees_english_messages():
    sample = '''
class LocalError(StoreError):
    pass

def load(path, key):
    where = f"{path}: key {key!r} of the rules"
    if key:
        raise StoreError(f"{path}: cannot open the database")
    if not path:
        raise LocalError("nothing " + "found")
    if path.parent:
        raise ScheduleError(f"{where}: manca `id`")
    if path.stem:
        raise OSError("{}: missing".format(path))
    raise StoreError(f"{path}: file non trovato (esegui `pipeline.py train` con --all)")

def command(fail):
    fail("no database: run crawl first")

class BadSources(ValueError):
    def __init__(self, path, problems):
        super().__init__(f"{path}: {len(problems)} problems found")

def check(sid, url):
    return [Problem(sid, "listing.max_pages", "must be a positive whole number"),
            Problem(sid, "feeds", f"{url!r}: indirizzo non http(s)")]
'''
    errors = with_subclasses({"StoreError", "ScheduleError", "OSError", "BadSources"}, [sample])
    assert "LocalError" in errors
    lines = [hit.split(":")[0] for hit in english_in_messages(sample, errors)]
    assert lines == ["line 8", "line 10", "line 12", "line 14", "line 18", "line 22", "line 25"]
    assert english_words("{path}: chiave sconosciuta `the key` in weeks/days") == []


def test_user_facing_messages_are_italian():
    errors = user_error_names()
    assert {"StoreError", "ModelLoadError", "ScheduleError", "FileNotFoundError"} <= errors
    offenders = {str(p.relative_to(ROOT)): hits for p in python_files(*ITALIAN_MESSAGES)
                 if (hits := english_in_messages(p.read_text(encoding="utf-8"), errors))}
    assert offenders == {}, "write these messages in Italian, with the words of the interface"
