"""Audit the installed dependencies against PyPI's vulnerability data (what pip-audit does).

pip-audit asks PyPI for each package's exact version (`/pypi/<name>/<version>/json`) or asks OSV.
Machines of this project reach PyPI's project pages but, through the registry proxy, not the
per-version API nor OSV, so pip-audit reports every package as "not found" and audits nothing.
This script reads the same advisory data where it can be reached:

1. `/pypi/<name>/<version>/json` (the exact version, as pip-audit does);
2. failing that, `/pypi/<name>/json`, whose `vulnerabilities` describe the latest release: they
   apply when the installed version is the latest one.

A package it cannot audit either way is listed as such, never counted as clean.

    .venv/bin/python scripts/audit_deps.py [--ignore-vuln ID ...] [--allow-unreachable]
    .venv/bin/python scripts/audit_deps.py --package jinja2==3.1.6 --index-url http://...

Exit status: 0 nothing known to be vulnerable; 1 vulnerabilities found; 3 the advisory data could
not be reached at all (nothing audited; 0 with --allow-unreachable, after saying so loudly).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

PROJECT = "codesign-observatory"
DEFAULT_INDEX = "https://pypi.org"
EXIT_VULNERABLE = 1
EXIT_UNREACHABLE = 3


@dataclass(frozen=True)
class Vulnerability:
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    summary: str


@dataclass
class Result:
    name: str
    version: str
    audited_by: str = ""          # "version" | "latest" | "" (not audited)
    latest: str = ""
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    problem: str = ""


class Unreachable(Exception):
    """The index could not be reached (network error or server error)."""


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages() -> list[tuple[str, str]]:
    seen = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if not name or normalize(name) == PROJECT:
            continue
        seen[normalize(name)] = (name, dist.version)
    return sorted(seen.values(), key=lambda item: normalize(item[0]))


def fetch_json(url: str, timeout: float, attempts: int = 3) -> dict | None:
    """The JSON document at `url`, None on 404; Unreachable after `attempts` failures."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            problem = f"HTTP {error.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            problem = str(getattr(error, "reason", error))
        except json.JSONDecodeError:
            problem = "not JSON"
        if attempt + 1 < attempts:
            time.sleep(0.5 * 2 ** attempt)
    raise Unreachable(f"{url}: {problem}")


def parse_vulnerabilities(items, ignored: set[str]) -> list[Vulnerability]:
    out = []
    for item in items or []:
        if not isinstance(item, dict) or item.get("withdrawn"):
            continue
        vuln = Vulnerability(str(item.get("id") or "?"),
                             tuple(str(a) for a in item.get("aliases") or ()),
                             tuple(str(v) for v in item.get("fixed_in") or ()),
                             " ".join(str(item.get("summary") or item.get("details") or "")
                                      .split())[:120])
        if ignored & {vuln.id, *vuln.aliases}:
            continue
        out.append(vuln)
    return out


def audit_one(index: str, name: str, version: str, ignored: set[str],
              timeout: float) -> Result:
    result = Result(name, version)
    try:
        exact = fetch_json(f"{index}/pypi/{name}/{version}/json", timeout)
        if exact is not None:
            result.audited_by = "version"
            result.vulnerabilities = parse_vulnerabilities(exact.get("vulnerabilities"), ignored)
            return result
        project = fetch_json(f"{index}/pypi/{name}/json", timeout)
    except Unreachable as error:
        result.problem = str(error)
        return result
    if project is None:
        result.problem = "not on the index"
        return result
    result.latest = str((project.get("info") or {}).get("version") or "")
    if result.latest != version:
        result.problem = (f"installed {version}, latest {result.latest}: the index does not "
                          f"serve advisories for older versions here")
        return result
    result.audited_by = "latest"
    result.vulnerabilities = parse_vulnerabilities(project.get("vulnerabilities"), ignored)
    return result


def report(results: list[Result], out=sys.stdout) -> tuple[int, int, int]:
    vulnerable = [r for r in results if r.vulnerabilities]
    unaudited = [r for r in results if not r.audited_by]
    audited = len(results) - len(unaudited)
    for r in vulnerable:
        for v in r.vulnerabilities:
            fixed = ", ".join(v.fixed_in) or "no fixed version"
            aliases = f" ({', '.join(v.aliases)})" if v.aliases else ""
            print(f"VULNERABLE {r.name} {r.version}: {v.id}{aliases}; fixed in {fixed}. "
                  f"{v.summary}", file=out)
    for r in unaudited:
        print(f"not audited {r.name} {r.version}: {r.problem}", file=out)
    count = sum(len(r.vulnerabilities) for r in vulnerable)
    print(f"audited {audited} of {len(results)} packages; {count} known vulnerabilities in "
          f"{len(vulnerable)} packages; {len(unaudited)} not audited", file=out)
    return audited, count, len(unaudited)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-url", default=DEFAULT_INDEX,
                        help="base URL of the PyPI JSON API (default %(default)s)")
    parser.add_argument("--package", action="append", default=[], metavar="NAME==VERSION",
                        help="audit these instead of the installed distributions")
    parser.add_argument("--ignore-vuln", action="append", default=[], metavar="ID",
                        help="an advisory id or alias accepted after review (repeatable)")
    parser.add_argument("--allow-unreachable", action="store_true",
                        help="exit 0 when the advisory data cannot be reached at all")
    parser.add_argument("--timeout", type=float, default=20.0)
    return parser.parse_args(argv)


def packages_from_args(specs: list[str]) -> list[tuple[str, str]]:
    out = []
    for spec in specs:
        name, sep, version = spec.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise SystemExit(f"error: --package {spec!r}: expected NAME==VERSION")
        out.append((name.strip(), version.strip()))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    packages = packages_from_args(args.package) if args.package else installed_packages()
    index, ignored = args.index_url.rstrip("/"), set(args.ignore_vuln)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda p: audit_one(index, p[0], p[1], ignored, args.timeout),
                                packages))
    audited, vulnerabilities, _ = report(results)
    if vulnerabilities:
        return EXIT_VULNERABLE
    if packages and audited == 0:
        print(f"error: no package could be audited: the advisory data at {index} is not "
              f"reachable from this machine", file=sys.stderr)
        return 0 if args.allow_unreachable else EXIT_UNREACHABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())
