"""The shared scoring engine. Instrument modules hold the clinical content (items, bands, flag
rules, citations); this module only turns answers into item scores and applies those rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import (
    AnswerError,
    AnswerOutOfRange,
    IncompleteAnswers,
    InvalidThreshold,
    UnexpectedAnswer,
    WrongAnswerCount,
)
from .model import Band, Instrument, Item, ScoreResult, ScoringContext, Sex, SubscaleScore

Answer = int | None


def _item_error(cls: type[AnswerError], position: int, item: Item, problem: str) -> AnswerError:
    return cls(position, item.label, item.text, problem)


def is_asked(instrument: Instrument, item: Item, scores: Sequence[int | None]) -> bool:
    """Whether skip logic asks `item`, given the scores of the earlier items."""
    if item.asked_if is None:
        return True
    earlier = scores[item.asked_if.item - 1]
    return earlier is not None and earlier in item.asked_if.scores


def item_scores(instrument: Instrument, answers: Sequence[Answer]) -> tuple[int | None, ...]:
    """Check every answer and return each item's score; None where unanswered or skipped.

    Raises WrongAnswerCount, AnswerOutOfRange or UnexpectedAnswer. Missing answers are allowed
    here (drafts); `score` refuses them."""
    if isinstance(answers, str | bytes) or len(answers) != len(instrument.items):
        got = len(answers) if not isinstance(answers, str | bytes) else -1
        raise WrongAnswerCount(instrument.id, len(instrument.items), got)
    scores: list[int | None] = []
    for position, (item, answer) in enumerate(zip(instrument.items, answers, strict=True), start=1):
        if answer is None:
            scores.append(None)
            continue
        # bool is an int in Python; True as "position 1" is almost certainly a caller's bug.
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise _item_error(AnswerOutOfRange, position, item, f"answer must be an integer, got {answer!r}")
        if not is_asked(instrument, item, scores):
            raise _item_error(UnexpectedAnswer, position, item, "is skipped by an earlier answer")
        if item.is_numeric:
            assert item.minimum is not None and item.maximum is not None
            if not item.minimum <= answer <= item.maximum:
                raise _item_error(
                    AnswerOutOfRange,
                    position,
                    item,
                    f"value {answer} is outside {item.minimum}-{item.maximum}",
                )
            scores.append(answer)
        else:
            if not 0 <= answer < len(item.options):
                raise _item_error(
                    AnswerOutOfRange,
                    position,
                    item,
                    f"option position {answer} is outside 0-{len(item.options) - 1}",
                )
            scores.append(item.options[answer].score)
    return tuple(scores)


def missing_items(instrument: Instrument, scores: Sequence[int | None]) -> list[AnswerError]:
    """Asked items without an answer (skip logic applied)."""
    missing: list[AnswerError] = []
    for position, item in enumerate(instrument.items, start=1):
        if scores[position - 1] is None and is_asked(instrument, item, scores):
            missing.append(_item_error(AnswerError, position, item, "no answer"))
    return missing


def resolve_thresholds(instrument: Instrument, overrides: Mapping[str, int] | None) -> dict[str, int]:
    values = instrument.threshold_defaults
    for key, value in (overrides or {}).items():
        if key not in values:
            known = ", ".join(values) or "none"
            raise InvalidThreshold(f"{instrument.id} has no threshold {key!r} (thresholds: {known})")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidThreshold(f"{instrument.id} threshold {key} must be an integer")
        span = instrument.total_range
        if span is not None and not span[0] <= value <= span[1]:
            raise InvalidThreshold(f"{instrument.id} threshold {key}={value} is outside {span[0]}-{span[1]}")
        values[key] = value
    return values


def validate(instrument: Instrument, answers: Sequence[Answer]) -> list[AnswerError]:
    """Check a possibly incomplete set of answers (a draft). Raises on a wrong count or an
    impossible answer; returns the asked items still missing (empty when complete)."""
    return missing_items(instrument, item_scores(instrument, answers))


def score(
    instrument: Instrument,
    answers: Sequence[Answer],
    *,
    sex: Sex | None = None,
    thresholds: Mapping[str, int] | None = None,
) -> ScoreResult:
    scores = item_scores(instrument, answers)
    missing = missing_items(instrument, scores)
    if missing:
        raise IncompleteAnswers(instrument.id, missing)
    in_force = resolve_thresholds(instrument, thresholds)

    total: int | None = None
    if instrument.has_total:
        total = sum(s for item, s in zip(instrument.items, scores, strict=True) if item.scored and s)
    subscales = tuple(
        SubscaleScore(
            sub.key,
            sub.label,
            sum(scores[i - 1] or 0 for i in sub.items),
            *instrument.subscale_range(sub),
        )
        for sub in instrument.subscales
    )
    context = ScoringContext(
        item_scores=scores,
        total=total,
        subscales={s.key: s.score for s in subscales},
        thresholds=in_force,
        sex=sex if instrument.uses_sex else None,
    )

    band = None
    if instrument.classify is not None:
        band = instrument.classify(context)
    elif total is not None:
        bands = bands_for(instrument, context)
        band = next((b for b in bands if b.contains(total)), None)
        if bands and band is None:  # bands are tested to cover the range; this is a bug guard
            raise AssertionError(f"{instrument.id}: no band contains total {total}")
    flags = tuple(instrument.flags_rule(context)) if instrument.flags_rule else ()
    return ScoreResult(
        instrument_id=instrument.id,
        total=total,
        total_range=instrument.total_range,
        band=band,
        subscales=subscales,
        flags=flags,
        item_scores=scores,
        thresholds=in_force,
        sex=context.sex,
    )


def bands_for(instrument: Instrument, context: ScoringContext) -> tuple[Band, ...]:
    """The bands in force for this context (AUDIT-C's depend on sex and thresholds)."""
    if instrument.bands_rule is not None:
        return instrument.bands_rule(context)
    return instrument.bands
