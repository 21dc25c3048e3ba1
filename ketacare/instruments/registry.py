"""The registry: every instrument by id, in the order `list` shows them."""

from __future__ import annotations

from .definitions.aldrete import ALDRETE
from .definitions.audit import AUDIT
from .definitions.audit_c import AUDIT_C
from .definitions.bam import BAM
from .definitions.cadss6 import CADSS6
from .definitions.ciwa_ar import CIWA_AR
from .definitions.cows import COWS
from .definitions.craving_vas import CRAVING_VAS
from .definitions.cssrs_screener import CSSRS_SCREENER
from .definitions.dast10 import DAST10
from .definitions.gad7 import GAD7
from .definitions.moaas import MOAAS
from .definitions.pacs import PACS
from .definitions.padss import PADSS
from .definitions.phq9 import PHQ9
from .definitions.readiness_ruler import READINESS_RULER
from .errors import UnknownInstrument
from .model import Instrument

_ALL: tuple[Instrument, ...] = (
    PHQ9,
    GAD7,
    AUDIT,
    AUDIT_C,
    DAST10,
    CSSRS_SCREENER,
    PACS,
    CRAVING_VAS,
    BAM,
    READINESS_RULER,
    COWS,
    CIWA_AR,
    MOAAS,
    CADSS6,
    ALDRETE,
    PADSS,
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
