"""Every number has a source; the coded values are the published ones; units and salts convert."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ketacare.pharmacology import BANDS, EFFECT_SITES, MODELS, Patient, Regimen, parse_dose, simulate
from ketacare.pharmacology.effects import KI_UM, UNBOUND_FRACTION, nmda_occupancy
from ketacare.pharmacology.simulate import sample_etas
from ketacare.pharmacology.sources import SOURCES
from ketacare.pharmacology.units import (
    BASE_PER_HCL,
    MOLAR_MASS_KETAMINE,
    MOLAR_MASS_KETAMINE_HCL,
    MOLAR_MASS_NORKETAMINE,
    DoseError,
    salt_to_base,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "pharmacology.md"


def test_every_parameter_band_and_effect_site_cites_a_known_source() -> None:
    for model in MODELS.values():
        assert all(p.source in SOURCES for p in model.params.values()), model.id
        assert all(c in SOURCES for c in model.citations)
        assert model.validity.source in SOURCES
        if model.variability:
            assert model.variability.source in SOURCES
    for band in BANDS.values():
        assert band.low_ng_ml.source in SOURCES
    for site in EFFECT_SITES.values():
        assert site.t_half_min.source in SOURCES
    assert all(k.source in SOURCES for k in KI_UM.values())


def test_every_unverified_model_is_listed_in_the_docs_under_unverified() -> None:
    text = DOCS.read_text()
    section = text.split("## Unverified", 1)[1]
    for model in MODELS.values():
        if any(not p.verified for p in model.params.values()):
            assert model.id in section, model.id
    for site in EFFECT_SITES.values():
        if not site.t_half_min.verified:
            assert site.id in section, site.id


PUBLISHED = {
    # Perez-Ruixo 2020 Table 3
    "perez-ruixo-2020": {
        "frn": 0.54,
        "frn_later_device": 0.62,
        "frn_japanese": 1.34,
        "ka_n": 2.93,
        "d_sw": 0.53,
        "ka_sw": 1.45,
        "d_po": 0.32,
        "ka_po": 0.97,
        "f_gut": 0.64,
        "vc": 192,
        "q1": 84.3,
        "vp1": 143,
        "q2": 37.6,
        "vp2": 417,
        "qh": 151,
        "qh_age_slope": 2.19,
        "vh": 101,
        "kel": 1.11,
        "kel_asian": 0.36,
        "kmet": 2.77,
        "nk_vc": 70.0,
        "nk_cl": 38.0,
        "nk_cl_asian": 0.81,
        "nk_vp": 115,
        "nk_q": 26.1,
    },
    # Herd 2007 abstract
    "herd-2007": {"v1": 38.7, "v2": 102, "cl": 90, "q": 215},
    # Fanta 2015 / Otto 2021 Table 3
    "otto-2021": {
        "v1": 133,
        "cl": 95.2,
        "vp1": 187,
        "q1": 23.2,
        "vp2": 98.8,
        "q2": 157,
        "nk_v": 98.638,
        "nk_cl": 57.72,
        "nk_vp": 160.04,
        "nk_q": 42.778,
        "fm": 1.0,
    },
    # Simons 2022 Table 4 (transcription) and abstract
    "simons-2022": {
        "f1": 0.263,
        "d1": 13.1,
        "ka1": 0.04,
        "f2": 1.16,
        "d2": 29.9,
        "ka2": 0.049,
        "mtt_gut": 10.7,
        "v1": 11.6,
        "v2": 39.0,
        "v3": 174.0,
        "cl": 1.48,
        "q2": 2.43,
        "q3": 1.21,
        "nk_mtt": 20.1,
        "nk_fm": 0.8,
        "nk_vp": 221.0,
        "nk_cl": 1.00,
        "nk_q": 2.63,
    },
    # Transcriptions (unverified): opentiva
    "domino-1984": {"v1": 0.063, "k10": 0.4381, "k12": 0.5921, "k13": 0.59, "k21": 0.247, "k31": 0.0146},
    "hijazi-2003": {"v1": 1.08, "k10": 0.0333, "k12": 0.0088, "k21": 0.003},
}


@pytest.mark.parametrize("model_id", sorted(PUBLISHED))
def test_coded_parameters_equal_the_published_values(model_id: str) -> None:
    assert MODELS[model_id].typical() == pytest.approx(PUBLISHED[model_id])


def test_variability_matches_published_cv_and_covariances() -> None:
    herd = MODELS["herd-2007"].variability
    assert herd is not None
    assert np.sqrt(np.diag(herd.matrix())) == pytest.approx([0.64, 0.517, 0.381, 0.19])
    otto = MODELS["otto-2021"].variability
    assert otto is not None and otto.matrix()[0, 1] == pytest.approx(0.02261)
    pr = MODELS["perez-ruixo-2020"].variability
    assert pr is not None and "kmet" not in pr.names  # omitted in the paper, so not invented here
    cv_vc = np.sqrt(np.exp(pr.matrix()[pr.names.index("vc"), pr.names.index("vc")]) - 1)
    assert cv_vc == pytest.approx(0.275)


def test_population_draws_are_reproducible_with_a_seed_and_follow_the_covariance() -> None:
    model = MODELS["otto-2021"]
    a, b = sample_etas(model, 20000, 7), sample_etas(model, 20000, 7)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    draws = np.column_stack([a[k] for k in model.variability.names])  # type: ignore[union-attr]
    assert np.cov(draws.T) == pytest.approx(model.variability.matrix(), abs=0.01)  # type: ignore[union-attr]


def test_molar_masses_follow_from_the_molecular_formulas() -> None:
    c, h, cl, n, o = 12.011, 1.008, 35.45, 14.007, 15.999
    assert pytest.approx(13 * c + 16 * h + cl + n + o, abs=0.01) == MOLAR_MASS_KETAMINE
    assert pytest.approx(13 * c + 17 * h + 2 * cl + n + o, abs=0.01) == MOLAR_MASS_KETAMINE_HCL
    assert pytest.approx(12 * c + 14 * h + cl + n + o, abs=0.01) == MOLAR_MASS_NORKETAMINE


def test_ketamine_hydrochloride_converts_to_base_and_the_spravato_device_matches_its_salt_content() -> None:
    assert pytest.approx(0.867, abs=0.001) == BASE_PER_HCL
    assert salt_to_base(100.0, "hcl") == pytest.approx(86.7, abs=0.1)
    # 28 mg esketamine base per device corresponds to 32.3 mg esketamine hydrochloride.
    assert pytest.approx(32.3, abs=0.05) == 28.0 / BASE_PER_HCL
    assert parse_dose("0.5 mg/kg", "hcl").base_mg(70) == pytest.approx(35 * BASE_PER_HCL)


@pytest.mark.parametrize("text", ["-1mg", "0mg", "5 g", "mg", "0.5mg/lb", ""])
def test_unreadable_or_non_positive_doses_are_refused(text: str) -> None:
    with pytest.raises(DoseError):
        parse_dose(text)


def test_occupancy_is_competitive_binding_with_the_published_ki_and_unbound_fraction() -> None:
    # 71.3 ng/mL S-ketamine = 0.30 uM total; unbound 0.168 uM -> ratio 0.56 -> occupancy 0.359.
    ratio = UNBOUND_FRACTION.value * 71.316 / MOLAR_MASS_KETAMINE / 0.30
    assert nmda_occupancy(np.array([71.316]), None, "esketamine")[0] == pytest.approx(ratio / (1 + ratio))
    racemic = nmda_occupancy(np.array([0.0, 100.0, 1000.0, 1e6]), None, "racemic ketamine")
    assert racemic[0] == 0 and np.all(np.diff(racemic) > 0) and racemic[-1] < 1
    with_nk = nmda_occupancy(np.array([100.0]), np.array([100.0]), "esketamine")
    assert with_nk[0] > nmda_occupancy(np.array([100.0]), None, "esketamine")[0]


def test_effect_site_constants_are_the_published_half_times() -> None:
    assert EFFECT_SITES["olofsen-2012"].ke0_per_min == pytest.approx(np.log(2) / 6.1)
    assert EFFECT_SITES["herd-2008"].t_half_min.value == pytest.approx(11 / 60)


def test_effect_site_lags_plasma_and_equals_it_at_the_effect_peak() -> None:
    times = np.arange(0.0, 240.0, 0.1)
    sim = simulate(MODELS["domino-1984"], Patient(70, 40), Regimen.single("iv-bolus", 35.0), times)
    cp, ce = sim.ketamine_plasma_ng_ml[0], sim.ketamine_effect_ng_ml[0]
    peak = int(np.argmax(ce))
    assert times[peak] > 0 and ce[peak] == pytest.approx(cp[peak], rel=1e-2)  # 0.1-min grid on a steep curve


def test_a_second_intranasal_device_absorbs_less_than_the_first() -> None:
    times = np.arange(0.0, 1440.0, 1.0)
    one = simulate(MODELS["perez-ruixo-2020"], Patient(70, 40), Regimen.intranasal_devices(28, 28, 5), times)
    two = simulate(MODELS["perez-ruixo-2020"], Patient(70, 40), Regimen.intranasal_devices(56, 28, 5), times)
    auc1, auc2 = (np.trapezoid(s.ketamine_plasma_ng_ml[0], times) for s in (one, two))
    assert auc1 < auc2 < 2 * auc1


def test_patients_outside_the_validity_range_get_a_warning() -> None:
    sim = simulate(
        MODELS["perez-ruixo-2020"], Patient(35, 90), Regimen.single("iv-bolus", 28), np.array([10.0])
    )
    assert any("weight" in w for w in sim.warnings) and any("age" in w for w in sim.warnings)


def test_numbers_checked_in_this_round_hold_to_the_primary_sources_own_figures() -> None:
    # Fanta 2015 abstract: clearance 95 L/h/70 kg; the coded 95.2 (Otto Table 3) rounds to it.
    cl = MODELS["otto-2021"].params["cl"]
    assert cl.verified and round(cl.value) == 95
    # Simons thesis chapter 2 (= Simons 2022): "local absorption took on average 13 min".
    d1 = MODELS["simons-2022"].params["d1"]
    assert d1.verified and round(d1.value) == 13
    # Herd 2008 abstract: equilibration half-time 11 s.
    herd = EFFECT_SITES["herd-2008"].t_half_min
    assert herd.verified and herd.value * 60 == pytest.approx(11.0)


def test_route_evidence_equals_the_abstracts() -> None:
    from ketacare.pharmacology.library import ROUTE_EVIDENCE

    published = {
        "im_f_children": 0.41,  # Hornik 2018
        "im_tmax_1_mg_kg_adults": 15.0,  # Hirlinger 1984, median, min
        "im_tmax_0_5_mg_kg_adults": 30.0,
        "im_cmax_0_5_mg_kg_adults": 147.0,  # Hirlinger 1984, median, ng/mL
        "im_cmax_1_mg_kg_adults": 474.0,
        "sublingual_f_wafer": 0.29,  # Rolan 2014
        "sublingual_tmax_wafer": 0.75,  # h
        "sublingual_tmax_wafer_latest": 1.0,
        "sublingual_f_lozenge": 0.24,  # Chong 2009, median
        "oral_f_lozenge": 0.24,
        "sublingual_tmax_lozenge": 0.76,  # Chong 2006 abstract, mean +/- SD
        "sublingual_tmax_lozenge_sd": 0.51,
        "oral_tmax_lozenge": 0.96,
        "oral_tmax_lozenge_sd": 0.8,
        "sublingual_cmax_lozenge": 28.6,
        "sublingual_cmax_lozenge_sd": 6.6,
        "oral_cmax_lozenge": 22.8,
        "oral_cmax_lozenge_sd": 12.8,
        "sublingual_f_tablet": 0.30,  # Yanagihara 2003
        "oral_f_tablet": 0.20,
        "rectal_f": 0.30,
        "intranasal_f_racemic_spray": 0.45,
        "oral_f_children": 0.45,  # Brunette 2011
        "oral_absorption_half_time_children": 59.0,  # min
        "oral_absorption_bsv_children": 1.48,
        "oral_f_s_ketamine": 0.08,  # Fanta 2015
    }
    assert {k: p.value for k, p in ROUTE_EVIDENCE.items()} == published
    assert all(p.verified and p.source in SOURCES for p in ROUTE_EVIDENCE.values())


def test_models_take_their_bioavailability_and_absorption_from_the_route_evidence_itself() -> None:
    from ketacare.pharmacology.library import ROUTE_EVIDENCE

    oral = MODELS["brunette-2011"].params
    assert oral["t_half_abs"] is ROUTE_EVIDENCE["oral_absorption_half_time_children"]
    assert oral["f_oral_child"] is ROUTE_EVIDENCE["oral_f_children"]
    assert oral["f_oral_adult"] is ROUTE_EVIDENCE["oral_f_lozenge"]
    assert oral["f_sublingual"] is ROUTE_EVIDENCE["sublingual_f_wafer"]
    assert MODELS["hornik-2018"].params["f_im"] is ROUTE_EVIDENCE["im_f_children"]
    # The Brunette BSV in the variability block is the abstract's 148%.
    omega = MODELS["brunette-2011"].variability.matrix()  # type: ignore[union-attr]
    assert math.sqrt(omega[-1, -1]) == ROUTE_EVIDENCE["oral_absorption_bsv_children"].value


def test_the_im_absorption_half_time_is_flagged_as_derived_not_published() -> None:
    half_time = MODELS["hornik-2018"].params["t_half_abs_im"]
    assert not half_time.verified and "derived" in half_time.note
    assert "t_half_abs_im" in MODELS["hornik-2018"].absorption["im"].half_time_min


def test_asking_for_adult_im_or_child_sublingual_by_default_says_what_is_missing() -> None:
    from ketacare.pharmacology import default_model

    with pytest.raises(KeyError, match="Clements 1982"):
        default_model("im", 40)
    with pytest.raises(KeyError, match="no sublingual bioavailability in children"):
        default_model("sublingual", 5)
    assert default_model("im", 5)[0].id == "hornik-2018"
    assert default_model("oral", 5)[0].id == default_model("oral", 40)[0].id == "brunette-2011"


def test_oral_bioavailability_follows_age_brunette_for_children_chong_for_adults() -> None:
    model = MODELS["brunette-2011"]
    # AUC of a dose that goes entirely through the depot = F x dose / CL: compare to IV at equal weight.
    times = np.arange(0.0, 72 * 60.0 + 1, 1.0)
    for age, f in ((5.0, 0.45), (40.0, 0.24)):
        patient = Patient(20.0, age)
        oral = simulate(model, patient, Regimen.single("oral", 10.0), times).ketamine_plasma_ng_ml[0]
        iv = simulate(model, patient, Regimen.single("iv-bolus", 10.0), times).ketamine_plasma_ng_ml[0]
        assert np.trapezoid(oral, times) / np.trapezoid(iv, times) == pytest.approx(f, rel=2e-3)


def test_overriding_absorption_is_refused_for_impossible_values_and_routes_without_a_depot() -> None:
    model = MODELS["brunette-2011"]
    with pytest.raises(ValueError, match="fraction"):
        model.with_absorption("oral", bioavailability=0.0)
    with pytest.raises(ValueError, match="half-time"):
        model.with_absorption("oral", half_time_min=5000.0)
    with pytest.raises(ValueError, match="no first-order absorption for route iv-bolus"):
        model.with_absorption("iv-bolus", bioavailability=0.5)
    params = model.with_absorption("oral", bioavailability=0.3, half_time_min=30.0)
    assert params["f_oral_child"] == params["f_oral_adult"] == 0.3 and params["t_half_abs"] == 30.0
    assert params["f_sublingual"] == model.params["f_sublingual"].value


def test_every_curve_from_a_model_with_unverified_numbers_says_which_ones() -> None:
    times = np.array([10.0])
    domino = simulate(MODELS["domino-1984"], Patient(70, 40), Regimen.single("iv-bolus", 35.0), times)
    assert any("not checked against the primary source" in w and "k10" in w for w in domino.warnings)
    herd = simulate(MODELS["herd-2007"], Patient(30, 8), Regimen.single("iv-bolus", 30.0), times)
    assert not any("not checked against the primary source" in w for w in herd.warnings)
    im = simulate(MODELS["hornik-2018"], Patient(20, 5), Regimen.single("im", 80.0), times)
    assert any("t_half_abs_im" in w for w in im.warnings)
