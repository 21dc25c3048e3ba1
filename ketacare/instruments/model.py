"""The data model of an instrument definition and of a score.

Everything here is immutable: instrument definitions are module-level constants shared by every
request, so nothing may change them at run time.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class LicenceKind(enum.StrEnum):
    """How an instrument may be used. The app offers only FREE and NON_COMMERCIAL instruments
    until a clinic records permission (see `Licence.requires_permission`)."""

    FREE = "free"  # free to use and reproduce, no permission needed
    NON_COMMERCIAL = "non-commercial"  # free for clinical/research/training use with credit
    PERMISSION_REQUIRED = "permission-required"  # the rights holder must grant permission
    UNKNOWN = "unknown"  # terms not confirmed: treated as permission-required


@dataclass(frozen=True)
class Licence:
    kind: LicenceKind
    attribution: str
    source: str  # where the terms were read
    verified: bool  # False: the terms come from a secondary source or memory; see docs
    note: str = ""

    @property
    def requires_permission(self) -> bool:
        """True when the clinic must record the rights holder's permission before use.
        Unknown terms count as permission-required: we never assume a licence."""
        return self.kind in (LicenceKind.PERMISSION_REQUIRED, LicenceKind.UNKNOWN)


class Sex(enum.StrEnum):
    """Sex as a scoring input, only where the source gives sex-specific cut-offs (AUDIT-C)."""

    FEMALE = "female"
    MALE = "male"


class Administration(enum.StrEnum):
    SELF_REPORT = "self-report"
    CLINICIAN_RATED = "clinician-rated"
    INTERVIEW = "interview"  # asked by staff, answered by the patient


class FlagSeverity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class FlagCode(enum.StrEnum):
    """Every flag an instrument can raise, defined once. The app routes alerts by these names
    (outcomes alerts on SUICIDE_RISK), so a flag and the alert that acts on it share one symbol."""

    SUICIDE_RISK = "suicide-risk"
    LOSS_OF_CONSCIOUSNESS = "loss-of-consciousness"
    ALCOHOL_SCREEN_POSITIVE = "alcohol-screen-positive"
    ALCOHOL_CRAVING_SIGNIFICANT = "alcohol-craving-significant"
    SUBSTANCE_USE_REPORTED = "substance-use-reported"
    ANXIETY_SCREEN_POSITIVE = "anxiety-screen-positive"


@dataclass(frozen=True)
class Citation:
    text: str
    doi: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Option:
    """One response option. `score` is what the option contributes; for reverse-scored items the
    scores simply run the other way, so scoring never needs a special case."""

    label: str
    score: int


@dataclass(frozen=True)
class Condition:
    """An item is asked only when the answer (score) to an earlier item is in `scores`.

    Skip logic (C-SSRS: items 3-5 only if item 2 is yes). A skipped item takes no answer
    (None) and contributes nothing; answering it is an error, because it means the form did not
    follow the instrument."""

    item: int  # 1-based position of the earlier item
    scores: frozenset[int]


@dataclass(frozen=True)
class Item:
    """A question or rating. Choice items are answered with the 0-based position of the chosen
    option (display order); numeric items (a 0-100 slider) are answered with the value itself."""

    label: str  # printed number on the form, e.g. "9" or "7A"
    text: str
    options: tuple[Option, ...] = ()
    minimum: int | None = None  # numeric items only
    maximum: int | None = None
    unit: str = ""
    anchors: tuple[str, str] | None = None  # numeric items: what the two ends mean
    paraphrase: bool = False  # True: `text` is our short paraphrase, not the source's wording
    scored: bool = True  # False: recorded for context, counts in no total or subscale
    reverse_scored: bool = False  # documentation only: the option scores already run reversed
    asked_if: Condition | None = None
    note: str = ""

    def __post_init__(self) -> None:
        numeric = self.minimum is not None or self.maximum is not None
        if numeric == bool(self.options):
            raise ValueError(f"item {self.label}: give either options or a numeric minimum/maximum")
        if numeric and (self.minimum is None or self.maximum is None or self.minimum > self.maximum):
            raise ValueError(f"item {self.label}: numeric items need minimum <= maximum")

    @property
    def is_numeric(self) -> bool:
        return not self.options

    @property
    def min_score(self) -> int:
        if self.is_numeric:
            assert self.minimum is not None
            return self.minimum
        return min(option.score for option in self.options)

    @property
    def max_score(self) -> int:
        if self.is_numeric:
            assert self.maximum is not None
            return self.maximum
        return max(option.score for option in self.options)


@dataclass(frozen=True)
class Band:
    """A severity band: `low`..`high` inclusive. Bands of a classification without a total
    (the C-SSRS risk tiers) have no range."""

    label: str
    low: int | None = None
    high: int | None = None
    meaning: str = ""

    def contains(self, value: int) -> bool:
        return self.low is not None and self.high is not None and self.low <= value <= self.high


@dataclass(frozen=True)
class Subscale:
    key: str
    label: str
    items: tuple[int, ...]  # 1-based item positions
    note: str = ""


@dataclass(frozen=True)
class Threshold:
    """A cut-off a clinic may change because the sources disagree. The default and the
    alternatives are each cited; the value in force is echoed in every result."""

    key: str
    default: int
    description: str
    source: str
    alternatives: str = ""


@dataclass(frozen=True)
class Flag:
    """Something the app must act on. `code` is stable (the app routes alerts by it)."""

    code: FlagCode
    severity: FlagSeverity
    message: str


@dataclass(frozen=True)
class Loinc:
    """LOINC codes, only where verified (see docs/instruments.md); None rather than a guess."""

    panel: str | None = None
    total: str | None = None
    source: str = ""


@dataclass(frozen=True)
class ScoringContext:
    """What band and flag rules see: per-item scores (None for skipped items), the total,
    subscale scores, the thresholds in force and the patient's sex where it was given."""

    item_scores: tuple[int | None, ...]
    total: int | None
    subscales: Mapping[str, int]
    thresholds: Mapping[str, int]
    sex: Sex | None

    def item(self, position: int) -> int | None:
        """Score of the item at 1-based `position` (None if skipped)."""
        return self.item_scores[position - 1]


BandsRule = Callable[[ScoringContext], tuple[Band, ...]]
FlagsRule = Callable[[ScoringContext], list[Flag]]
ClassifyRule = Callable[[ScoringContext], Band]


@dataclass(frozen=True)
class Instrument:
    id: str
    abbreviation: str
    name: str
    measures: str
    recall_period: str
    administration: Administration
    items: tuple[Item, ...]
    licence: Licence
    references: tuple[Citation, ...]
    has_total: bool = True
    # Static bands over the total; or `bands_rule` when they depend on sex or thresholds.
    bands: tuple[Band, ...] = ()
    bands_rule: BandsRule | None = None
    bands_source: str = ""
    # For instruments without a total (C-SSRS screener): the classification.
    classify: ClassifyRule | None = None
    subscales: tuple[Subscale, ...] = ()
    flags_rule: FlagsRule | None = None
    thresholds: tuple[Threshold, ...] = ()
    uses_sex: bool = False
    loinc: Loinc = field(default_factory=Loinc)
    notes: tuple[str, ...] = ()

    @property
    def total_range(self) -> tuple[int, int] | None:
        if not self.has_total:
            return None
        scored = [item for item in self.items if item.scored]
        # Skipped items contribute 0, so an item that can be skipped can add as little as 0.
        low = sum(min(item.min_score, 0) if item.asked_if else item.min_score for item in scored)
        return low, sum(item.max_score for item in scored)

    def subscale_range(self, subscale: Subscale) -> tuple[int, int]:
        items = [self.items[i - 1] for i in subscale.items]
        return sum(item.min_score for item in items), sum(item.max_score for item in items)

    @property
    def threshold_defaults(self) -> dict[str, int]:
        return {threshold.key: threshold.default for threshold in self.thresholds}


@dataclass(frozen=True)
class SubscaleScore:
    key: str
    label: str
    score: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class ScoreResult:
    """The score of one complete set of answers. Built only from complete answers: an
    incomplete set raises `IncompleteAnswers` instead, so a result always has its total."""

    instrument_id: str
    total: int | None  # None only for instruments without a total (C-SSRS screener)
    total_range: tuple[int, int] | None
    band: Band | None  # None where the source publishes no bands (e.g. craving VAS)
    subscales: tuple[SubscaleScore, ...]
    flags: tuple[Flag, ...]
    item_scores: tuple[int | None, ...]
    thresholds: Mapping[str, int]
    sex: Sex | None

    def flag(self, code: str) -> Flag | None:
        return next((flag for flag in self.flags if flag.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument_id,
            "total": self.total,
            "total_range": list(self.total_range) if self.total_range else None,
            "band": band_to_dict(self.band) if self.band else None,
            "subscales": {
                s.key: {"label": s.label, "score": s.score, "min": s.minimum, "max": s.maximum}
                for s in self.subscales
            },
            "flags": [
                {"code": f.code, "severity": f.severity.value, "message": f.message} for f in self.flags
            ],
            "item_scores": list(self.item_scores),
            "thresholds": dict(self.thresholds),
            "sex": self.sex.value if self.sex else None,
        }


def band_to_dict(band: Band) -> dict[str, Any]:
    return {"label": band.label, "low": band.low, "high": band.high, "meaning": band.meaning}
