"""Exceptions. Every answer problem names the item (1-based position and printed label) so an API
or form can point at it. All are ValueErrors, so a caller may catch broadly."""

from __future__ import annotations


class InstrumentError(ValueError):
    """Base class for everything this package raises about instruments and answers."""


class UnknownInstrument(InstrumentError):
    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id
        super().__init__(f"unknown instrument {instrument_id!r}")


class WrongAnswerCount(InstrumentError):
    def __init__(self, instrument_id: str, expected: int, got: int) -> None:
        self.instrument_id, self.expected, self.got = instrument_id, expected, got
        super().__init__(f"{instrument_id} has {expected} items, got {got} answers")


class InvalidThreshold(InstrumentError):
    pass


class AnswerError(InstrumentError):
    """A problem with one item's answer."""

    def __init__(self, position: int, label: str, text: str, problem: str) -> None:
        self.position = position  # 1-based position in the answer list
        self.label = label  # printed item number, e.g. "7A"
        self.item_text = text
        self.problem = problem
        super().__init__(f"item {position} ({label}: {text}): {problem}")


class AnswerOutOfRange(AnswerError):
    pass


class UnexpectedAnswer(AnswerError):
    """An item the skip logic says is not asked was answered."""


class IncompleteAnswers(InstrumentError):
    """One or more asked items have no answer. Never scored: the app keeps such a set as a draft."""

    def __init__(self, instrument_id: str, missing: list[AnswerError]) -> None:
        self.instrument_id = instrument_id
        self.missing = missing
        names = ", ".join(f"item {m.position} ({m.label}: {m.item_text})" for m in missing)
        super().__init__(f"{instrument_id} is incomplete, no answer for {names}")
