"""The registry: every instrument by id, in the order `list` shows them."""

from __future__ import annotations

from .definitions.audit import AUDIT
from .definitions.audit_c import AUDIT_C
from .definitions.craving_vas import CRAVING_VAS
from .definitions.dast10 import DAST10
from .definitions.gad7 import GAD7
from .definitions.pacs import PACS
from .definitions.phq9 import PHQ9
from .errors import UnknownInstrument
from .model import Instrument

_ALL: tuple[Instrument, ...] = (
    PHQ9,
    GAD7,
    AUDIT,
    AUDIT_C,
    DAST10,
    PACS,
    CRAVING_VAS,
)

REGISTRY: dict[str, Instrument] = {instrument.id: instrument for instrument in _ALL}
assert len(REGISTRY) == len(_ALL), "duplicate instrument id"


def get_instrument(instrument_id: str) -> Instrument:
    try:
        return REGISTRY[instrument_id]
    except KeyError:
        raise UnknownInstrument(instrument_id) from None


def list_instruments() -> list[Instrument]:
    return list(REGISTRY.values())
