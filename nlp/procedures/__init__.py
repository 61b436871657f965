"""From articles about co-design to the procedures themselves (annotation guidelines, section 7):
the main procedure of an article, the role of each money amount, and announced events.

`read_procedures` combines them for the analyzer; the parts are pure and usable alone:
`nlp.procedures.dates`, `.roles`, `.events`, `.procedure`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from nlp.procedures.events import find_events
from nlp.procedures.procedure import find_procedure
from nlp.procedures.roles import role_of
from nlp.types import AmountMention, Classification, Entities


@dataclass
class ProcedureReading:
    amounts: list[AmountMention]  # the entity extractor's amounts, each with its role
    procedure: dict | None
    events: list[dict]


def read_procedures(text: str, title: str, published: dt.date, cls: Classification,
                    ents: Entities) -> ProcedureReading:
    amounts = [dataclasses.replace(a, role=role_of(text, a.start, a.end, a.kind))
               for a in ents.amounts]
    procedure = find_procedure(
        text, title, published, relevant=cls.relevant,
        practice_types=[x.label for x in cls.practice_types],
        organisations=ents.organisations, places=ents.places)
    events = find_events(text, published, ents.organisations, ents.places)
    return ProcedureReading(amounts, dataclasses.asdict(procedure) if procedure else None,
                            [dataclasses.asdict(e) for e in events])
