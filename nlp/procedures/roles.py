"""The role of each money amount in its procedure (annotation guidelines, section 7).

`budget` (total resources of the procedure or project), `contributo` (a grant or public share
awarded to someone), `cofinanziamento` (what partners add), `fondo` (the total of a fund or
programme being distributed), `per_unita` (per person, hour, voucher; a fee), `costo` (a cost or
spending figure of something else), `altro`. Percentages are `cofinanziamento` when they are a
co-financing share, otherwise `altro`.

The role is read from the words around the amount, nearest first: what follows it inside its
clause ("5 euro all'ora", "300.000 euro di cofinanziamento") and what precedes it
("un contributo di", "il Fondo nazionale ... pari a"). Cue lists are data, in
`nlp/patterns/amount_roles.json`.

>>> role_of("Il progetto, del valore complessivo di 250.000 euro, durerà due anni.", 42, 53)
'budget'
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from store.taxonomy import TAXONOMY
from store.text import fold

ROLES = TAXONOMY.ids("amount_roles")
CUES_PATH = Path(__file__).resolve().parents[1] / "patterns" / "amount_roles.json"
_CLAUSE_END = re.compile(r"[,.;:!?()\n]|\s[-–]\s")
_WINDOW_BEFORE, _WINDOW_AFTER = 140, 60


@lru_cache(maxsize=1)
def _cues() -> dict[str, list[re.Pattern]]:
    raw = json.loads(CUES_PATH.read_text(encoding="utf-8"))
    return {key: [re.compile(rf"(?<![a-z]){p}", re.IGNORECASE) for p in patterns]
            for key, patterns in raw.items() if not key.startswith("_")}


def role_of(text: str, start: int, end: int, kind: str = "money") -> str:
    """The role of the amount at text[start:end]."""
    cues = _cues()
    before, after = _clause_around(text, start, end)
    if kind == "percent":
        return "cofinanziamento" if _any(cues["cofinanziamento"], before + " " + after) else "altro"
    if _any(cues["per_unita_after"], after[:40]) or _any(cues["per_unita_before"], before[-50:]):
        return "per_unita"
    return _attached_role(cues, after) or _nearest_role(cues, before) or (
        "budget" if _any(cues["budget_after"], after[:50]) else "altro")


def _attached_role(cues: dict, after: str) -> str | None:
    """A role attached right after the amount ("... di cofinanziamento", "... dal Fondo")."""
    if _any(cues["cofinanziamento"], after[:50]):
        return "cofinanziamento"
    return next((role for role in ("contributo", "fondo")
                 if _any(cues[f"{role}_after"], after[:50])), None)


def _nearest_role(cues: dict, before: str) -> str | None:
    """The role of the cue nearest before the amount; ties go to the earlier role here."""
    best: tuple[int, int, str] | None = None
    for order, role in enumerate(("cofinanziamento", "fondo", "contributo", "budget", "costo")):
        for pattern in cues[role]:
            for m in pattern.finditer(before):
                distance = len(before) - m.end()
                if best is None or (distance, order) < best[:2]:
                    best = (distance, order, role)
    return best[2] if best else None


def _clause_around(text: str, start: int, end: int) -> tuple[str, str]:
    """Folded text before the amount (from the start of its sentence, bounded) and after it
    (to the end of its clause, bounded)."""
    head = text[max(0, start - _WINDOW_BEFORE):start]
    stops = [m.end() for m in re.finditer(r"[.!?;\n]\s", head)]
    if stops:
        head = head[stops[-1]:]
    tail = text[end:end + _WINDOW_AFTER]
    m = _CLAUSE_END.search(tail)
    if m:
        tail = tail[:m.start()]
    return fold(head), fold(tail)


def _any(patterns: list[re.Pattern], text: str) -> bool:
    return any(p.search(text) for p in patterns)
