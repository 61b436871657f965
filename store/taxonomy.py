"""The label taxonomy (`store/taxonomy.toml`): ids, Italian names, descriptions, order.

The one source of truth that the classifier, the digest, Datasette and the demo content read:

    >>> TAXONOMY.ids("practice_types")[:2]
    ('coprogrammazione', 'coprogettazione')
    >>> TAXONOMY.name("policy_areas", "abitare")
    'Abitare'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.toml")
ENTRY_KEYS = {"id", "name", "description"}


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Taxonomy:
    sections: dict[str, tuple[Label, ...]]

    def ids(self, section: str) -> tuple[str, ...]:
        return tuple(label.id for label in self.section(section))

    def names(self, section: str) -> dict[str, str]:
        """id -> Italian name, in display order."""
        return {label.id: label.name for label in self.section(section)}

    def name(self, section: str, label_id: str) -> str:
        """The Italian name of a label (the id itself when it is unknown)."""
        return self.names(section).get(label_id, label_id)

    def section(self, section: str) -> tuple[Label, ...]:
        if section not in self.sections:
            raise TaxonomyError(f"la tassonomia non ha la sezione {section!r} "
                                f"(sezioni: {', '.join(self.sections)})")
        return self.sections[section]


def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """Read and validate a taxonomy file: entries need exactly id, name and description, and
    ids are unique within a section."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: impossibile leggere la tassonomia ({exc})") from exc
    sections: dict[str, tuple[Label, ...]] = {}
    for section, entries in raw.items():
        if not isinstance(entries, list) or not entries:
            raise TaxonomyError(f"{path}: la sezione {section!r} deve essere un elenco non vuoto")
        seen: set[str] = set()
        labels = []
        for i, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS:
                raise TaxonomyError(f"{path}: {section}, voce {i}: servono esattamente le "
                                    f"chiavi {sorted(ENTRY_KEYS)}")
            if entry["id"] in seen:
                raise TaxonomyError(f"{path}: {section}, id {entry['id']!r} ripetuto")
            seen.add(entry["id"])
            labels.append(Label(entry["id"], entry["name"], entry["description"]))
        sections[section] = tuple(labels)
    return Taxonomy(sections)


# The project's taxonomy (a small file, read once at import).
TAXONOMY: Taxonomy = load_taxonomy()
