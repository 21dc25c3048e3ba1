"""Published route evidence (bioavailabilities, absorption, peaks) and the routes without a model.
Models take their F and absorption from here; the validation tests hold the models to the rest."""

from __future__ import annotations

from ..model import Param

# --------------------------------------------------------------------------------------------
# Published route evidence: bioavailabilities, absorption and peaks, each checked against its abstract.
# --------------------------------------------------------------------------------------------
# Models below take their F and absorption from here (one place); the rest are targets that the
# validation tests hold the models to (tests/test_validation.py).
ROUTE_EVIDENCE: dict[str, Param] = {
    "im_f_children": Param(
        0.41, "fraction", "hornik-2018", True, "abstract: model-estimated IM bioavailability 41%"
    ),
    "im_tmax_1_mg_kg_adults": Param(
        15.0, "min", "hirlinger-1984", True, "abstract: median time of the highest level after 1.0 mg/kg IM"
    ),
    "im_tmax_0_5_mg_kg_adults": Param(
        30.0, "min", "hirlinger-1984", True, "abstract: median time of the highest level after 0.5 mg/kg IM"
    ),
    "im_cmax_0_5_mg_kg_adults": Param(
        147.0,
        "ng/mL",
        "hirlinger-1984",
        True,
        "abstract: median highest plasma level after 0.5 mg/kg IM in 20 trauma patients, at 30 min",
    ),
    "im_cmax_1_mg_kg_adults": Param(
        474.0, "ng/mL", "hirlinger-1984", True, "abstract: median highest level after 1.0 mg/kg IM, at 15 min"
    ),
    "sublingual_f_wafer": Param(
        0.29, "fraction", "rolan-2014", True, "abstract: median absolute bioavailability 29% (90% CI 27-31%)"
    ),
    "sublingual_tmax_wafer": Param(
        0.75, "h", "rolan-2014", True, "abstract: median (min-max) Tmax 0.75 h (0.25-1.0 h) after 25 mg"
    ),
    "sublingual_tmax_wafer_latest": Param(
        1.0, "h", "rolan-2014", True, "abstract: latest individual Tmax 1.0 h (range 0.25-1.0 h)"
    ),
    "sublingual_f_lozenge": Param(
        0.24,
        "fraction",
        "chong-2009",
        True,
        "abstract: median (IQR) 24% (19-49%) after a 25-mg lozenge, six patients with neuropathic pain",
    ),
    "oral_f_lozenge": Param(
        0.24,
        "fraction",
        "chong-2009",
        True,
        "abstract: median (IQR) 24% (17-27%) after the same lozenge swallowed",
    ),
    "sublingual_tmax_lozenge": Param(
        0.76, "h", "chong-2006", True, "abstract table: mean 0.76 +/- SD 0.51 h after 25 mg sublingually"
    ),
    "sublingual_tmax_lozenge_sd": Param(0.51, "h", "chong-2006", True, "abstract table: SD of the above"),
    "oral_tmax_lozenge": Param(
        0.96, "h", "chong-2006", True, "abstract table: mean 0.96 +/- SD 0.8 h after 25 mg orally"
    ),
    "oral_tmax_lozenge_sd": Param(0.8, "h", "chong-2006", True, "abstract table: SD of the above"),
    "sublingual_cmax_lozenge": Param(
        28.6,
        "ng/mL",
        "chong-2006",
        True,
        "abstract table: mean 28.6 +/- SD 6.6 ug/L after 25 mg; the mirror runs the IV and sublingual "
        "cells together ('156 +/- 16128.6 +/- 6.6'), read as IV 156 +/- 16(1) and sublingual 28.6 +/- 6.6 "
        "(a sublingual peak of 128.6 after 25 mg at F 0.32 would exceed the 10-mg IV peak)",
    ),
    "sublingual_cmax_lozenge_sd": Param(6.6, "ng/mL", "chong-2006", True, "abstract table: SD of the above"),
    "oral_cmax_lozenge": Param(
        22.8, "ng/mL", "chong-2006", True, "abstract table: mean 22.8 +/- SD 12.8 ug/L after 25 mg"
    ),
    "oral_cmax_lozenge_sd": Param(12.8, "ng/mL", "chong-2006", True, "abstract table: SD of the above"),
    "sublingual_f_tablet": Param(
        0.30, "fraction", "yanagihara-2003", True, "abstract: 'approximately 30%' (3 volunteers, 2 x 25 mg)"
    ),
    "oral_f_tablet": Param(
        0.20, "fraction", "yanagihara-2003", True, "abstract: 'approximately 20%' (3 volunteers, 2 x 25 mg)"
    ),
    "rectal_f": Param(0.30, "fraction", "yanagihara-2003", True, "abstract: suppository 'approximately 30%'"),
    "intranasal_f_racemic_spray": Param(
        0.45, "fraction", "yanagihara-2003", True, "abstract: nasal spray 'approximately 45%'"
    ),
    "oral_f_children": Param(
        0.45, "fraction", "brunette-2011", True, "abstract: oral bioavailability 0.45 (90% CI 0.33-0.58)"
    ),
    "oral_absorption_half_time_children": Param(
        59.0,
        "min",
        "brunette-2011",
        True,
        "abstract: absorption half-time 59 min (90% CI 29.4-109.2), BSV 148%, estimated on pooled "
        "children's data plus one adult oral profile",
    ),
    "oral_absorption_bsv_children": Param(
        1.48, "SD of log eta", "brunette-2011", True, "abstract: BSV 148% on the absorption half-time"
    ),
    "oral_f_s_ketamine": Param(
        0.08,
        "fraction",
        "fanta-2015",
        True,
        "abstract: oral bioavailability 8% (11% interindividual variability)",
    ),
}

# Why a route has no default model for a population; used in refusals and in docs/pharmacology.md.
ROUTE_GAPS: dict[tuple[str, str], str] = {
    ("im", "adult"): (
        "no adult IM model: the adult IM bioavailability usually quoted (0.93, Clements 1982) could not be "
        "checked against its source; hornik-2018 offers IM for children (F 0.41) and can be chosen with "
        "--model for an adult, with a validity warning; see docs/pharmacology.md, Routes"
    ),
    ("sublingual", "child"): (
        "no sublingual model for children: no sublingual bioavailability in children was found; "
        "brunette-2011 can be chosen with --model and uses the adult F (Rolan 2014)"
    ),
    ("intranasal", "child"): "no intranasal model for children: perez-ruixo-2020 is adults only",
}
