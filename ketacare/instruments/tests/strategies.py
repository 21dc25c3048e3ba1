"""Hypothesis strategies: complete answer sets that respect each instrument's skip logic."""

from __future__ import annotations

from hypothesis import strategies as st

from ketacare.instruments.engine import is_asked
from ketacare.instruments.model import Instrument, Item


def _answer_for(item: Item) -> st.SearchStrategy[int]:
    if item.is_numeric:
        assert item.minimum is not None and item.maximum is not None
        return st.integers(item.minimum, item.maximum)
    return st.integers(0, len(item.options) - 1)


@st.composite
def complete_answers(draw: st.DrawFn, instrument: Instrument) -> list[int | None]:
    answers: list[int | None] = []
    scores: list[int | None] = []
    for item in instrument.items:
        if not is_asked(instrument, item, scores):
            answers.append(None)
            scores.append(None)
            continue
        answer = draw(_answer_for(item))
        answers.append(answer)
        scores.append(answer if item.is_numeric else item.options[answer].score)
    return answers
