"""Properties every instrument must hold (issue 4): totals stay within range, bands cover the range
without gaps or overlaps, and a missing answer never yields a total."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.instruments import (
    REGISTRY,
    AnswerOutOfRange,
    IncompleteAnswers,
    Sex,
    WrongAnswerCount,
    score,
    validate_answers,
)
from ketacare.instruments.engine import bands_for, is_asked
from ketacare.instruments.model import Instrument, ScoringContext

from .strategies import complete_answers

ALL = sorted(REGISTRY.values(), key=lambda i: i.id)
IDS = [i.id for i in ALL]
FAST = settings(max_examples=60, deadline=None)


def _band_sets(instrument: Instrument) -> list[tuple]:
    """Every band set an instrument can use at its default thresholds (per sex if it matters)."""
    sexes = [None, Sex.FEMALE, Sex.MALE] if instrument.uses_sex else [None]
    return [
        bands_for(instrument, ScoringContext((), None, {}, instrument.threshold_defaults, sex))
        for sex in sexes
    ]


@pytest.mark.parametrize("instrument", ALL, ids=IDS)
@FAST
@given(data=st.data())
def test_every_total_and_subscale_stays_within_its_range(instrument: Instrument, data: st.DataObject) -> None:
    answers = data.draw(complete_answers(instrument))
    result = score(instrument.id, answers, sex=data.draw(st.sampled_from([None, "female", "male"])))
    if instrument.has_total:
        low, high = instrument.total_range or (0, 0)
        assert result.total is not None and low <= result.total <= high
    else:
        assert result.total is None
    for sub in result.subscales:
        assert sub.minimum <= sub.score <= sub.maximum


@pytest.mark.parametrize("instrument", ALL, ids=IDS)
@FAST
@given(data=st.data())
def test_every_banded_total_falls_in_exactly_one_band(instrument: Instrument, data: st.DataObject) -> None:
    answers = data.draw(complete_answers(instrument))
    result = score(instrument.id, answers)
    if instrument.has_total and result.band is not None:
        assert result.total is not None
        assert result.band.contains(result.total)
    if instrument.classify is not None:
        assert result.band in instrument.bands  # one of the published tiers


@pytest.mark.parametrize("instrument", [i for i in ALL if i.has_total], ids=lambda i: i.id)
def test_bands_cover_the_whole_total_range_without_gaps_or_overlaps(instrument: Instrument) -> None:
    low, high = instrument.total_range or (0, 0)
    for bands in _band_sets(instrument):
        if not bands:
            continue  # the source publishes no bands (e.g. craving VAS); the result has band None
        ordered = sorted(bands, key=lambda b: b.low)
        assert ordered[0].low == low
        assert ordered[-1].high == high
        for before, after in zip(ordered, ordered[1:], strict=False):
            assert before.high is not None and after.low == before.high + 1
        assert all(b.low is not None and b.high is not None and b.low <= b.high for b in ordered)


@pytest.mark.parametrize("instrument", ALL, ids=IDS)
@FAST
@given(data=st.data())
def test_a_missing_answer_never_yields_a_total(instrument: Instrument, data: st.DataObject) -> None:
    answers = data.draw(complete_answers(instrument))
    asked = [i for i, a in enumerate(answers) if a is not None]
    drop = data.draw(st.sampled_from(asked))
    answers[drop] = None
    # Blanking an item can un-ask later items (skip logic); clear those too, as a form would.
    scores: list[int | None] = []
    for item, answer in zip(instrument.items, answers, strict=True):
        if answer is not None and not is_asked(instrument, item, scores):
            answer = None
        scores.append(None if answer is None else (answer if item.is_numeric else item.options[answer].score))
    answers = [a if s is not None else None for a, s in zip(answers, scores, strict=True)]
    with pytest.raises(IncompleteAnswers) as raised:
        score(instrument.id, answers)
    assert any(m.position == drop + 1 for m in raised.value.missing)
    assert validate_answers(instrument.id, answers)  # a draft: accepted, reported incomplete


@pytest.mark.parametrize("instrument", ALL, ids=IDS)
def test_a_wrong_answer_count_is_refused(instrument: Instrument) -> None:
    with pytest.raises(WrongAnswerCount):
        score(instrument.id, [0] * (len(instrument.items) + 1))


@pytest.mark.parametrize("instrument", ALL, ids=IDS)
def test_an_impossible_answer_names_its_item(instrument: Instrument) -> None:
    first = instrument.items[0]
    bad = (first.maximum or 0) + 1 if first.is_numeric else len(first.options)
    answers: list[int | None] = [bad] + [None] * (len(instrument.items) - 1)
    with pytest.raises(AnswerOutOfRange) as raised:
        score(instrument.id, answers)
    assert raised.value.position == 1
    assert raised.value.label == first.label
    assert "item 1" in str(raised.value)


@pytest.mark.parametrize("instrument", ALL, ids=IDS)
def test_every_instrument_cites_a_source_and_states_its_licence(instrument: Instrument) -> None:
    assert instrument.references
    assert instrument.licence.attribution and instrument.licence.source
    assert instrument.recall_period and instrument.measures
