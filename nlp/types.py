"""Result types shared by the entity extractor, the classifiers and the analysis stage.

Pure data: no spaCy or scikit-learn import here, so the store, the digest and the tests can use
these types without loading a model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class OrgMention:
    text: str  # surface string as in the article
    start: int  # character offsets into the analyzed text
    end: int
    canonical: str  # canonical display name ("ASL Salerno")
    # pubblico | terzo_settore | fondazione | universita_ricerca | impresa | media | altro
    type: str
    key: str = ""  # stable canonical key ("asl-salerno"); the store links mentions through it


@dataclass(frozen=True)
class PlaceMention:
    text: str
    start: int
    end: int
    name: str  # official name ("Reggio nell'Emilia")
    level: str  # comune | provincia | regione | nazione | altro
    istat: str | None = None
    provincia: str | None = None  # official name of the province (or metropolitan city)
    regione: str | None = None
    lat: float | None = None
    lon: float | None = None
    inside_org: bool = False


@dataclass(frozen=True)
class AmountMention:
    text: str
    start: int
    end: int
    kind: str  # money | percent
    value: float
    # budget | contributo | cofinanziamento | fondo | per_unita | costo | altro (section 7)
    role: str = "altro"


@dataclass(frozen=True)
class LabelScore:
    label: str  # ids from the annotation guidelines
    score: float  # calibrated probability in [0, 1]
    evidence: str = ""  # the sentence of the article that best explains the label


@dataclass
class Entities:
    organisations: list[OrgMention] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    amounts: list[AmountMention] = field(default_factory=list)


@dataclass
class Classification:
    relevant: bool
    relevance_score: float
    practice_types: list[LabelScore] = field(default_factory=list)
    policy_areas: list[LabelScore] = field(default_factory=list)
    model_version: str = ""


@dataclass
class Analysis:
    """What `analyze-text` prints and `analyze` stores for one article."""

    relevant: bool
    relevance_score: float
    practice_types: list[LabelScore]
    policy_areas: list[LabelScore]
    organisations: list[OrgMention]
    places: list[PlaceMention]
    amounts: list[AmountMention]
    model_version: str = ""
    pipeline_version: str = ""
    procedure: dict | None = None  # the main procedure (nlp.procedures), None when none
    events: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        """The fixed analyze-text schema (keys are part of the public interface)."""
        return {
            "relevant": self.relevant,
            "relevance_score": round(self.relevance_score, 4),
            "practice_types": [asdict(x) for x in self.practice_types],
            "policy_areas": [asdict(x) for x in self.policy_areas],
            "organisations": [
                {k: v for k, v in asdict(o).items() if k != "key"} for o in self.organisations
            ],
            "places": [asdict(p) for p in self.places],
            "amounts": [asdict(a) for a in self.amounts],
            "procedure": self.procedure,
            "events": self.events,
            "model_version": self.model_version,
            "pipeline_version": self.pipeline_version,
        }
