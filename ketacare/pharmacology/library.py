"""The registry of published models (collected from `pharmacology/models/<id>.py`, one file per model),
the default model per route and population, and the refusals of routes a model does not cover."""

from __future__ import annotations

from .model import Model
from .models import MODELS
from .models.evidence import ROUTE_EVIDENCE, ROUTE_GAPS
from .models.kamp_2020 import KAMP_META_CL_L_H, KAMP_META_VD_L

__all__ = [
    "DEFAULTS",
    "KAMP_META_CL_L_H",
    "KAMP_META_VD_L",
    "MODELS",
    "ROUTE_EVIDENCE",
    "ROUTE_GAPS",
    "default_model",
    "get_model",
    "route_refusal",
    "weight_range_of_all_models",
]

# Default model per route and population, with the reason (docs/pharmacology.md repeats these).
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("iv-bolus", "adult"): ("domino-1984", "classic adult 3-compartment racemic model used in TCI software"),
    ("iv-infusion", "adult"): (
        "clements-1981",
        "venous-sampled racemic model whose end-of-infusion concentration after 0.5 mg/kg over "
        "40 min (177 ng/mL) "
        "is closest to the 185 ng/mL reported in depression trials",
    ),
    ("iv-bolus", "child"): ("herd-2007", "verified children's model with published variability"),
    ("iv-infusion", "child"): ("herd-2007", "verified children's model with published variability"),
    ("im", "child"): (
        "hornik-2018",
        "the only IM model (children, F 0.41); its absorption half-time is derived, not published",
    ),
    ("oral", "child"): (
        "brunette-2011",
        "racemic oral ketamine with Brunette's children's F and absorption (verified abstract numbers)",
    ),
    ("intranasal", "adult"): (
        "perez-ruixo-2020",
        "the only esketamine nasal model; verified against Table 4",
    ),
    ("oral", "adult"): (
        "brunette-2011",
        "racemic ketamine, the drug clinics compound for oral use; every number verified against its "
        "abstract (perez-ruixo-2020 models esketamine oral solution)",
    ),
    ("sublingual", "adult"): (
        "brunette-2011",
        "racemic ketamine lozenges and wafers, with Rolan 2014's F (simons-2022 models the S-ketamine film)",
    ),
}


def get_model(model_id: str) -> Model:
    try:
        return MODELS[model_id]
    except KeyError:
        raise KeyError(f"unknown model {model_id!r}; known: {', '.join(MODELS)}") from None


def default_model(route: str, age_years: float) -> tuple[Model, str]:
    """The documented default model for a route and age, with the reason."""
    group = "child" if age_years < 18 else "adult"
    try:
        model_id, reason = DEFAULTS[(route, group)]
    except KeyError:
        gap = ROUTE_GAPS.get((route, group))
        raise KeyError(gap or f"no model offers route {route} for {group}s") from None
    return MODELS[model_id], reason


def route_refusal(model: Model, route: str) -> str:
    """One line saying that ``model`` lacks ``route``, and which models offer it."""
    text = f"model {model.id} has no route {route}; it offers {', '.join(model.routes)}"
    others = [m.id for m in MODELS.values() if route in m.routes]
    text += f" (models with {route}: {', '.join(others)})" if others else ""
    return text


def weight_range_of_all_models() -> tuple[float, float]:
    lows = [m.validity.weight_kg[0] for m in MODELS.values()]
    highs = [m.validity.weight_kg[1] for m in MODELS.values()]
    return min(lows), max(highs)
