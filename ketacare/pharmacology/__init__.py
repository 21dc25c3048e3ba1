"""KetaCare pharmacology: ketamine and esketamine PK/PD, solved exactly, vectorised over subjects.

Pure numpy/scipy; no Django.  Start with :func:`simulate`, :func:`timeline` and :data:`MODELS`.
"""

from .effects import BANDS, EFFECT_SITES, nmda_occupancy
from .library import DEFAULTS, MODELS, default_model, get_model
from .model import DoseEvent, Model, Param, Patient, Regimen
from .simulate import Simulation, SimulationError, percentiles, simulate
from .units import Dose, DoseError, parse_dose, salt_to_base

__all__ = [
    "BANDS",
    "DEFAULTS",
    "EFFECT_SITES",
    "MODELS",
    "Dose",
    "DoseError",
    "DoseEvent",
    "Model",
    "Param",
    "Patient",
    "Regimen",
    "Simulation",
    "SimulationError",
    "default_model",
    "get_model",
    "nmda_occupancy",
    "parse_dose",
    "percentiles",
    "salt_to_base",
    "simulate",
]
