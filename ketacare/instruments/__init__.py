"""Validated questionnaires and rating scales: definitions, scoring, bands and flags.

Pure Python, no Django. The app calls:

    from ketacare.instruments import score, validate_answers, get_instrument, list_instruments
    result = score("phq-9", [0, 1, 2, 0, 0, 1, 0, 0, 1])
    result.total, result.band, result.flags, result.to_dict()

Each answer is the 0-based position of the chosen option in display order; for numeric items
(craving VAS, readiness ruler) it is the value itself. See docs/instruments.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import engine
from .errors import (
    AnswerError,
    AnswerOutOfRange,
    IncompleteAnswers,
    InstrumentError,
    InvalidThreshold,
    UnexpectedAnswer,
    UnknownInstrument,
    WrongAnswerCount,
)
from .model import (
    Band,
    Flag,
    FlagCode,
    FlagSeverity,
    Instrument,
    Item,
    Licence,
    LicenceKind,
    Option,
    ScoreResult,
    Sex,
    SubscaleScore,
)
from .registry import REGISTRY, get_instrument, list_instruments
from .serialize import instrument_to_dict


def score(
    instrument_id: str,
    answers: Sequence[int | None],
    *,
    sex: Sex | str | None = None,
    thresholds: Mapping[str, int] | None = None,
) -> ScoreResult:
    """Score a complete set of answers.

    Raises UnknownInstrument, WrongAnswerCount, AnswerOutOfRange / UnexpectedAnswer (naming the
    item), IncompleteAnswers (any asked item unanswered: never scored) or InvalidThreshold.
    `sex` matters only where the source's cut-offs differ by sex (AUDIT-C); `thresholds`
    overrides the cut-offs an instrument declares as configurable.
    """
    instrument = get_instrument(instrument_id)
    return engine.score(instrument, answers, sex=parse_sex(sex), thresholds=thresholds)


def validate_answers(instrument_id: str, answers: Sequence[int | None]) -> list[AnswerError]:
    """Check a draft: raises on a wrong count or an impossible answer; returns the asked items
    still unanswered (an empty list means `score` will succeed)."""
    return engine.validate(get_instrument(instrument_id), answers)


def parse_sex(value: Sex | str | None) -> Sex | None:
    if value is None or isinstance(value, Sex):
        return value
    try:
        return Sex(value.lower())
    except ValueError:
        raise InstrumentError(f"sex must be 'female' or 'male', got {value!r}") from None


__all__ = [
    "REGISTRY",
    "AnswerError",
    "AnswerOutOfRange",
    "Band",
    "Flag",
    "FlagCode",
    "FlagSeverity",
    "IncompleteAnswers",
    "Instrument",
    "InstrumentError",
    "InvalidThreshold",
    "Item",
    "Licence",
    "LicenceKind",
    "Option",
    "ScoreResult",
    "Sex",
    "SubscaleScore",
    "UnexpectedAnswer",
    "UnknownInstrument",
    "WrongAnswerCount",
    "get_instrument",
    "instrument_to_dict",
    "list_instruments",
    "parse_sex",
    "score",
    "validate_answers",
]
