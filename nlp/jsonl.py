"""Reading the project's labelled JSONL files: one JSON object per line, blank lines skipped,
errors naming the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def jsonl_records(path: str | Path, error: type[Exception]) -> Iterator[tuple[str, object]]:
    """(`file:line`, decoded value) for each non-blank line; a line that is not JSON raises
    `error` with its place."""
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{where}: JSON non valido ({exc})") from exc
