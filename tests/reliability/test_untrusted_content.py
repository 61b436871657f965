"""Crawled content is untrusted: hostile titles, bodies and URLs go through the real pipeline
(crawl -> analyze -> digest) and cannot inject markup or script into the digest, in HTML or in
Markdown (also once the Markdown is rendered to HTML, as a mail client or Datasette would).
Models load only through skops: no pickle or joblib loading anywhere in project code."""

from __future__ import annotations

import ast
import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import lxml.html
import markdown
import pytest

from tests.reliability.content import PARAGRAPHS, rss
from tests.reliability.dbdata import WORDS
from tests.reliability.hostile import HostileSite, page
from tests.reliability.procs import PIPELINE, ROOT, has_traceback, run_measured

HOSTILE_TITLES = (
    '<script>alert("titolo")</script>Co-progettazione a Lecco per gli anziani',
    '<img src=x onerror=alert(1)>Patto di collaborazione per il parco di Parma',
    "[clicca qui](javascript:alert(3)) Co-programmazione del piano di zona a Cesena",
    '"><svg onload=alert(4)> Accreditamento dei servizi domiciliari a Bari',
)
HOSTILE_BODY = (
    '<p>Leggi <a href="javascript:alert(2)">il bando</a> e <a href="data:text/html,x">qui</a>.'
    '</p><p onclick="alert(5)">Testo <b>non chiuso <i>annidato</p>'
    "<p>&lt;script&gt;alert(6)&lt;/script&gt; e [link](javascript:alert(7)) nel testo.</p>"
    "<iframe src=\"javascript:alert(8)\"></iframe><style>body{display:none}</style>"
)
DAY = "2026-11-11"
WEEK = "2026-W46"


def hostile_article(title: str, i: int) -> str:
    """A page about co-design with its own random sentences, so each is a separate story."""
    rng = random.Random(i)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
                 for _ in range(12)]
    paras = f"<p>{PARAGRAPHS[i % len(PARAGRAPHS)]}</p>" + "".join(
        f"<p>{' '.join(sentences[k:k + 3])}</p>" for k in range(0, 12, 3))
    # The <title> element is raw text: the markup in it is what a scraper reads as the title.
    return (f'<!doctype html><html lang="it"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title.replace(chr(34), "&quot;")}">'
            f'<meta property="article:published_time" content="{DAY}T09:00:00+01:00"></head>'
            f"<body><article><h1>{title}</h1>{paras}{HOSTILE_BODY}</article></body></html>")


def assert_inert(html_text: str, where: str) -> None:
    """No script, no event handler, no javascript:/data: link in an HTML document."""
    doc = lxml.html.fromstring(html_text)
    assert not doc.xpath("//script | //iframe | //object | //embed | //svg"), where
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (where, el.tag, name)
            if name.lower() in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith(("javascript:", "data:",
                                                             "vbscript:")), (where, value)


@pytest.mark.slow
def test_hostile_pages_cannot_inject_into_the_digest(tmp_path: Path):
    site = HostileSite("127.0.0.40").start()
    paths = [f"/n/{i}" for i in range(len(HOSTILE_TITLES))]
    paths.append("/n/x)%5Bclic%5D(javascript:alert(9))")  # tries to end a Markdown link
    for i, path in enumerate(paths):
        title = HOSTILE_TITLES[i % len(HOSTILE_TITLES)] + ("" if i < 4 else " (bis)")
        site.routes[path] = page(hostile_article(title, i))
    site.routes["/feed.xml"] = page(rss([(site.url(p), "x") for p in paths]),
                                    content_type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nid = "ostile"\nname = "Sito <b>ostile</b>"\n'
                       f'kind = "portal"\nfeeds = ["{site.url("/feed.xml")}"]\n'
                       f'allowed_domains = ["{site.host}"]\n', encoding="utf-8")
    db, out = tmp_path / "hostile.db", tmp_path / "digest"
    settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
    try:
        crawl = run_measured([sys.executable, "-m", "tests.reliability.crawl_driver",
                              str(sources), str(db), json.dumps(settings),
                              str(tmp_path / "r.json")], tmp=tmp_path)
    finally:
        site.stop()
    assert crawl.returncode == 0, crawl.output
    with sqlite3.connect(db) as conn:
        titles = [t for (t,) in conn.execute("SELECT title FROM articles")]
    assert len(titles) == len(paths)
    assert any("javascript:" in t for t in titles)  # hostile text is stored as text
    for args in (["analyze", "--db", str(db)],
                 ["digest", "--db", str(db), "--week", WEEK, "--out", str(out)]):
        run = subprocess.run([*PIPELINE, *args], capture_output=True, text=True, cwd=ROOT,
                             timeout=300)
        assert run.returncode == 0 and not has_traceback(run.stderr), run.stderr
    html_text = (out / f"digest-{WEEK}.html").read_text(encoding="utf-8")
    md_text = (out / f"digest-{WEEK}.md").read_text(encoding="utf-8")
    for shown in ("Lecco per gli anziani", "parco di Parma", "piano di zona a Cesena",
                  "domiciliari a Bari"):
        assert shown in html_text and shown in md_text, shown
    assert_inert(html_text, "digest HTML")
    assert "<script" not in md_text.lower() and "<img" not in md_text.lower()
    assert_inert(markdown.markdown(md_text), "digest Markdown rendered to HTML")


PROJECT_DIRS = ("crawler", "nlp", "store", "digest", "publish", "scheduler", "demo_sites",
                "scripts", "bench")
UNSAFE_CALLS = {("pickle", "load"), ("pickle", "loads"), ("joblib", "load"),
                ("dill", "load"), ("dill", "loads"), ("cloudpickle", "load"),
                ("cloudpickle", "loads"), ("numpy", "load"), ("np", "load"),
                ("torch", "load"), ("pd", "read_pickle"), ("pandas", "read_pickle")}


def _project_files() -> list[Path]:
    files = [ROOT / "pipeline.py", ROOT / "cli_support.py"]
    for folder in PROJECT_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def _unsafe_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and (owner.id, node.func.attr) in UNSAFE_CALLS:
                if owner.id in ("numpy", "np") and not _numpy_pickle(node):
                    continue
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner.id}.{node.func.attr}")
        if isinstance(node, ast.ImportFrom) and node.module in ("pickle", "joblib", "dill"):
            if any(alias.name in ("load", "loads") for alias in node.names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module} import")
    return found


def _numpy_pickle(call: ast.Call) -> bool:
    """numpy.load unpickles only when allow_pickle is passed as something other than False."""
    return any(k.arg == "allow_pickle" and not (isinstance(k.value, ast.Constant)
                                                and k.value.value is False)
               for k in call.keywords)


def test_no_pickle_loading_in_project_code():
    files = _project_files()
    assert len(files) > 20
    found = [hit for path in files for hit in _unsafe_calls(path)]
    assert found == [], "models must load through skops with trusted types:\n" + "\n".join(found)


def test_skops_loads_always_name_their_trusted_types():
    """Every skops.io.load call passes an explicit `trusted=` list (never trusted=True)."""
    calls = []
    for path in _project_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("sio", "skops_io")):
                calls.append((path, node))
    assert calls, "the classifier is expected to load through skops.io.load"
    for path, node in calls:
        trusted = [k for k in node.keywords if k.arg == "trusted"]
        assert trusted, f"{path}:{node.lineno} skops load without trusted="
        assert not (isinstance(trusted[0].value, ast.Constant) and trusted[0].value.value is True)
