"""Published numbers the models must reproduce, each test citing its source.

Where the published set is internally inconsistent, the test states the inconsistency and pins what
the published parameters actually give, rather than tuning a parameter to hide it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ketacare.pharmacology import MODELS, DoseEvent, Patient, Regimen, simulate
from ketacare.pharmacology.library import KAMP_META_CL_L_H, KAMP_META_VD_L

# Perez-Ruixo 2020 Table 4 (model-based exposure, typical patients), as transcribed in the nlmixr2lib
# vignette: (ethnicity, age) -> dose mg -> (esketamine Cmax ng/mL, esketamine AUC0-24 ng.h/mL,
# noresketamine Cmax ng/mL, noresketamine AUC0-24 ng.h/mL).
TABLE_4 = {
    ("not-asian", 45): {
        28: (43.8, 147.3, 59.1, 274.4),
        56: (72.5, 254.7, 119.7, 516.3),
        84: (101.0, 362.2, 180.0, 758.0),
    },
    ("asian", 45): {
        28: (44.1, 158.2, 73.4, 371.8),
        56: (73.2, 275.9, 148.5, 704.8),
        84: (102.4, 393.5, 223.5, 1037.0),
    },
    ("japanese", 45): {
        28: (57.5, 194.7, 72.1, 406.4),
        56: (94.5, 335.1, 146.3, 760.8),
        84: (131.3, 475.4, 220.4, 1114.0),
    },
    ("not-asian", 70): {
        28: (44.6, 160.4, 57.3, 277.9),
        56: (73.8, 275.8, 117.2, 522.0),
        84: (102.7, 391.2, 177.0, 765.9),
    },
    ("asian", 70): {
        28: (44.9, 171.0, 71.4, 373.9),
        56: (74.4, 296.3, 145.9, 708.0),
        84: (103.8, 421.5, 220.4, 1042.0),
    },
    ("japanese", 70): {
        28: (58.8, 212.2, 69.0, 409.2),
        56: (96.5, 363.1, 141.7, 765.3),
        84: (133.8, 513.9, 214.4, 1121.0),
    },
}
STRATA = [(eth, age, dose) for (eth, age), doses in TABLE_4.items() for dose in doses]


def _exposure(ethnicity: str, age: float, dose: float) -> tuple[float, float, float, float]:
    # Table 4 gives all devices of a dose at once (the vignette's per-dose effective FRn is the same thing).
    times = np.arange(0.0, 24 * 60 + 0.01, 0.25)
    sim = simulate(
        MODELS["perez-ruixo-2020"],
        Patient(70, age, "male", None, ethnicity),
        Regimen.intranasal_devices(dose, 28.0, 0.0),
        times,
    )
    esk, nk = sim.ketamine_plasma_ng_ml[0], sim.norketamine_plasma_ng_ml[0]  # type: ignore[index]
    return esk.max(), np.trapezoid(esk, times) / 60, nk.max(), np.trapezoid(nk, times) / 60


@pytest.mark.parametrize(("ethnicity", "age", "dose"), STRATA)
def test_perez_ruixo_2020_table_4_esketamine_cmax_and_auc_within_5_percent(
    ethnicity: str, age: int, dose: int
) -> None:
    cmax, auc, _, _ = _exposure(ethnicity, age, dose)
    pub_cmax, pub_auc, _, _ = TABLE_4[(ethnicity, age)][dose]
    assert cmax == pytest.approx(pub_cmax, rel=0.05)
    assert auc == pytest.approx(pub_auc, rel=0.05)


@pytest.mark.parametrize(("ethnicity", "age", "dose"), STRATA)
def test_perez_ruixo_2020_table_4_noresketamine_cmax_within_5_percent(
    ethnicity: str, age: int, dose: int
) -> None:
    _, _, cmax, _ = _exposure(ethnicity, age, dose)
    assert cmax == pytest.approx(TABLE_4[(ethnicity, age)][dose][2], rel=0.05)


@pytest.mark.parametrize(("ethnicity", "age", "dose"), STRATA)
def test_perez_ruixo_2020_noresketamine_auc_is_inconsistent_with_its_own_table_3(
    ethnicity: str, age: int, dose: int
) -> None:
    """Published inconsistency: Table 3 reproduces Table 4's noresketamine Cmax but not its AUC0-24.

    The published parameters give 1.4-1.6x the tabulated AUC in every stratum (also found by the
    nlmixr2lib authors and A. Maloney).  We keep Table 3 verbatim and pin the discrepancy here.
    """
    _, _, _, auc = _exposure(ethnicity, age, dose)
    ratio = auc / TABLE_4[(ethnicity, age)][dose][3]
    assert 1.35 < ratio < 1.6


def test_hijazi_2003_abstract_clearance_half_life_and_volume_from_its_parameters() -> None:
    """Hijazi 2003 abstract: CL 36.0 (SD 13.3) mL/min/kg, t1/2 4.9 (1.6) h, V beta 16.0 (8.6) L/kg."""
    p = MODELS["hijazi-2003"].typical()
    cl_ml_min_kg = p["k10"] * p["v1"] * 1000
    a = p["k10"] + p["k12"] + p["k21"]
    beta = (a - math.sqrt(a * a - 4 * p["k10"] * p["k21"])) / 2
    assert cl_ml_min_kg == pytest.approx(36.0, rel=0.01)
    assert math.log(2) / beta / 60 == pytest.approx(4.9, rel=0.05)
    # Mean of individual V beta values need not equal the V beta of mean parameters: 4% apart.
    assert cl_ml_min_kg / 1000 / beta == pytest.approx(16.0, rel=0.05)


def _herd_children_at_10_min(n: int = 4000) -> np.ndarray:
    sim = simulate(
        MODELS["herd-2007"],
        Patient(32.5, 8.3, "male"),
        Regimen.single("iv-bolus", 32.5),
        np.array([10.0]),
        n=n,
        seed=2007,
    )
    return sim.ketamine_plasma_ng_ml[:, 0] / 1000.0  # mg/L


def test_herd_2007_almost_all_children_given_1_mg_kg_stay_above_0_1_mg_l_at_10_min() -> None:
    """Herd 2007 abstract: 'almost all the children will still have a serum concentration above 0.1 mg/L'."""
    assert np.mean(_herd_children_at_10_min() > 0.1) > 0.99


def test_herd_2007_half_below_0_75_mg_l_at_10_min_is_not_reproduced_by_its_own_parameters() -> None:
    """Herd 2007 abstract: 'At 10 min half of the children given 1 mg/kg will have a serum concentration
    below 0.75 mg/L'.  With the abstract's own parameters and variability (typical child 32.5 kg) the
    median at 10 min is about 0.46 mg/L and ~97% are below 0.75 mg/L.  We report the inconsistency
    (perhaps the paper's simulation used another dosing or weight distribution) and do not tune."""
    c = _herd_children_at_10_min()
    assert 0.40 < np.median(c) < 0.55
    assert np.mean(c < 0.75) > 0.9


@pytest.mark.parametrize("model_id", ["domino-1984", "clements-1981", "hijazi-2003"])
def test_end_of_infusion_after_0_5_mg_kg_over_40_min_is_inside_the_range_of_depression_trials(
    model_id: str,
) -> None:
    """Zanos 2018 Table 1: dissociation at 100-250 ng/mL (Krystal 1994) and Cmax 185 ng/mL venous (Zarate
    2006) after 0.5 mg/kg racemic ketamine over 40 min.  Typical 70-kg adult.  Kamp 2020 is tested
    separately: its central compartment is arterial."""
    regimen = Regimen.single("iv-infusion", 35.0, 40.0)
    sim = simulate(MODELS[model_id], Patient(70, 40), regimen, np.array([40.0]))
    assert 100.0 <= sim.ketamine_plasma_ng_ml[0, 0] <= 250.0


def test_arterial_kamp_model_runs_above_the_venous_trial_range_at_end_of_infusion() -> None:
    """Kamp 2020's central compartment is arterial; arterial exceeds venous during an infusion (Henthorn
    2018).  It gives 253 ng/mL, just above the venous 100-250 ng/mL of the trials: expected, not tuned."""
    regimen = Regimen.single("iv-infusion", 35.0, 40.0)
    sim = simulate(MODELS["kamp-2020"], Patient(70, 40), regimen, np.array([40.0]))
    assert 250.0 < sim.ketamine_plasma_ng_ml[0, 0] < 260.0


def test_kamp_2020_three_compartment_values_fall_inside_the_meta_analysis_confidence_intervals() -> None:
    """Kamp 2020 abstract: Vd 252 L/70 kg (95% CI 200-304), CL 79 L/h at 70 kg (69-90)."""
    p = MODELS["kamp-2020"].typical()
    assert 200 <= p["v1"] + p["v2"] + p["v3"] <= 304
    assert 69 <= p["cl"] <= 90
    assert KAMP_META_VD_L.value == 252.0 and KAMP_META_CL_L_H.value == 79.0


def test_perez_ruixo_2020_hepatic_extraction_and_oral_bioavailability_follow_from_table_3() -> None:
    """Section 2.3: E = Vh(kel+kmet)/(Qh+Vh(kel+kmet)); F_po = Fgut (1 - E); about 0.72 and 0.18."""
    p = MODELS["perez-ruixo-2020"].typical()
    clint = p["vh"] * (p["kel"] + p["kmet"])
    e = clint / (p["qh"] + clint)
    assert e == pytest.approx(0.722, abs=0.002)
    assert p["f_gut"] * (1 - e) == pytest.approx(0.178, abs=0.002)
    # Exposure ratio oral/IV in the simulation equals that bioavailability (dose-normalised AUC).
    times = np.arange(0.0, 7 * 24 * 60.0, 1.0)
    iv = simulate(MODELS["perez-ruixo-2020"], Patient(70, 40), Regimen.single("iv-bolus", 28.0), times)
    po = simulate(MODELS["perez-ruixo-2020"], Patient(70, 40), Regimen.single("oral", 84.0), times)
    f = (np.trapezoid(po.ketamine_plasma_ng_ml[0], times) / 84) / (
        np.trapezoid(iv.ketamine_plasma_ng_ml[0], times) / 28
    )
    assert f == pytest.approx(p["f_gut"] * (1 - e), rel=0.01)


@pytest.mark.parametrize(("film_mg", "low", "high"), [(50.0, 259.0, 287.0), (100.0, 251.0, 269.0)])
def test_simons_2022_arterial_peak_after_20_mg_iv_over_20_min_is_inside_the_published_confidence_interval(
    film_mg: float, low: float, high: float
) -> None:
    """Simons 2022 (Part 1 results, also thesis p. 21): 6 h after the film, 20 mg S-ketamine IV over 20 min
    peaked at 273 (95% CI 259-287) ng/mL on the 50-mg day and 260 (251-269) on the 100-mg day.
    Typical subject of the study (73 kg, 24 y)."""
    regimen = Regimen((DoseEvent("sublingual", film_mg, 0.0), DoseEvent("iv-infusion", 20.0, 360.0, 20.0)))
    times = np.arange(360.0, 480.0, 0.25)
    sim = simulate(MODELS["simons-2022"], Patient(73, 24), regimen, times)
    assert low <= sim.ketamine_plasma_ng_ml[0].max() <= high


def test_simons_2022_film_bioavailability_is_26_percent() -> None:
    """Simons 2022 abstract: 'S-ketamine bioavailability was 26 +/- 1%'."""
    times = np.arange(0.0, 3 * 24 * 60.0, 1.0)
    film = simulate(MODELS["simons-2022"], Patient(73, 24), Regimen.single("sublingual", 50.0), times)
    iv = simulate(MODELS["simons-2022"], Patient(73, 24), Regimen.single("iv-bolus", 20.0), times)
    f = (np.trapezoid(film.ketamine_plasma_ng_ml[0], times) / 50) / (
        np.trapezoid(iv.ketamine_plasma_ng_ml[0], times) / 20
    )
    assert f == pytest.approx(0.26, abs=0.01)


# --------------------------------------------------------------------------------------------
# IM (Hornik 2018 with a derived absorption half-time) and racemic ketamine by mouth (Brunette 2011
# absorption on the Herd 2007 disposition).  Numbers from ROUTE_EVIDENCE, each checked against its
# abstract (library.py).
# --------------------------------------------------------------------------------------------
def _peak(model_id: str, patient: Patient, route: str, mg: float) -> tuple[float, float]:
    """(Cmax ng/mL, Tmax min) of the typical patient on a 0.05-min grid."""
    times = np.arange(0.0, 8 * 60.0, 0.05)
    c = simulate(MODELS[model_id], patient, Regimen.single(route, mg), times).ketamine_plasma_ng_ml[0]
    return float(c.max()), float(times[int(np.argmax(c))])


def _evidence(key: str) -> float:
    from ketacare.pharmacology.library import ROUTE_EVIDENCE

    return ROUTE_EVIDENCE[key].value


def test_derived_im_absorption_half_time_peaks_at_hirlinger_1984_median_of_15_min_after_1_mg_kg() -> None:
    _, tmax = _peak("hornik-2018", Patient(70.0, 40.0), "im", 70.0)
    assert tmax == pytest.approx(_evidence("im_tmax_1_mg_kg_adults"), abs=0.5)


def test_im_peak_per_mg_kg_lies_between_hirlinger_1984_dose_normalised_medians() -> None:
    # Not used to derive anything: the derivation used only the time to peak.  Hirlinger's two medians
    # are not dose-proportional (147 ng/mL after 0.5 mg/kg, 474 after 1.0), so a linear model can at
    # best fall between 294 and 474 ng/mL per mg/kg; Hornik's F 0.41 with this absorption does.
    low = _evidence("im_cmax_0_5_mg_kg_adults") / 0.5
    high = _evidence("im_cmax_1_mg_kg_adults") / 1.0
    cmax, _ = _peak("hornik-2018", Patient(70.0, 40.0), "im", 70.0)
    assert low <= cmax <= high


@pytest.mark.parametrize("route", ["sublingual", "oral"])
def test_racemic_25_mg_by_mouth_peaks_within_chong_2006_mean_plus_minus_one_sd(route: str) -> None:
    _, tmax = _peak("brunette-2011", Patient(70.0, 40.0), route, 25.0)
    mean, sd = _evidence(f"{route}_tmax_lozenge"), _evidence(f"{route}_tmax_lozenge_sd")
    assert mean - sd <= tmax / 60.0 <= mean + sd


@pytest.mark.parametrize("route", ["sublingual", "oral"])
def test_racemic_25_mg_by_mouth_peak_concentration_within_chong_2006_mean_plus_minus_two_sd(
    route: str,
) -> None:
    cmax, _ = _peak("brunette-2011", Patient(70.0, 40.0), route, 25.0)
    mean, sd = _evidence(f"{route}_cmax_lozenge"), _evidence(f"{route}_cmax_lozenge_sd")
    assert mean - 2 * sd <= cmax <= mean + 2 * sd
    # Stated, not hidden: with Rolan's F the typical sublingual peak (about 19 ng/mL) sits below
    # Chong's mean, about 1.5 SD under it (docs/pharmacology.md).


def test_racemic_sublingual_typical_peak_comes_after_rolan_2014_latest_subject() -> None:
    # Rolan's wafer peaked at 0.25-1.0 h (median 0.75 h); Brunette's oral absorption half-time gives
    # the typical adult a peak at about 1.1 h.  Pinned as a known difference: the wafer is absorbed
    # partly through the mucosa, faster than a swallowed solution (docs/pharmacology.md).
    _, tmax = _peak("brunette-2011", Patient(70.0, 40.0), "sublingual", 25.0)
    assert tmax / 60.0 > _evidence("sublingual_tmax_wafer_latest")
    assert tmax / 60.0 < 1.25 * _evidence("sublingual_tmax_wafer_latest")


# Perez-Ruixo 2020 abstract (Clin Pharmacokinet 2021;60:501, read verbatim on an abstract mirror):
# "The absolute bioavailability of 56 and 84 mg of intranasal esketamine is 54 and 51%",
# "Esketamine volume at steady state and clearance were 752 L and 114 L/h", "Noresketamine volume at
# steady state and apparent clearance were 185 L and 38 L/h", "18.6% of the swallowed dose reaches the
# systemic circulation".
PR_ABSTRACT_F_INTRANASAL = {56: 54, 84: 51}  # percent, rounded as printed
PR_ABSTRACT_VSS_L, PR_ABSTRACT_CL_L_H = 752.0, 114.0
PR_ABSTRACT_NK_VSS_L, PR_ABSTRACT_NK_CL_L_H = 185.0, 38.0
PR_ABSTRACT_F_SWALLOWED = 0.186


def _perez_ruixo_auc(regimen: Regimen) -> float:
    times = np.arange(0.0, 14 * 1440.0, 2.0)  # two weeks: the tail is below 1e-8 ng/mL
    c = simulate(MODELS["perez-ruixo-2020"], Patient(70.0, 45.0), regimen, times).ketamine_plasma_ng_ml[0]
    return float(np.trapezoid(c, times))


@pytest.mark.parametrize("dose_mg", [56, 84])
def test_perez_ruixo_2020_absolute_intranasal_bioavailability_is_the_abstracts(dose_mg: int) -> None:
    nasal = _perez_ruixo_auc(Regimen.intranasal_devices(float(dose_mg), 28.0, 5.0))
    iv = _perez_ruixo_auc(Regimen.single("iv-bolus", float(dose_mg)))
    assert round(100 * nasal / iv) == PR_ABSTRACT_F_INTRANASAL[dose_mg]


def test_perez_ruixo_2020_steady_state_volumes_and_metabolite_clearance_are_the_abstracts() -> None:
    p = MODELS["perez-ruixo-2020"].typical()
    assert p["vc"] + p["vp1"] + p["vp2"] == pytest.approx(PR_ABSTRACT_VSS_L)
    assert p["nk_vc"] + p["nk_vp"] == pytest.approx(PR_ABSTRACT_NK_VSS_L)
    assert p["nk_cl"] == pytest.approx(PR_ABSTRACT_NK_CL_L_H)


def test_perez_ruixo_2020_typical_clearance_and_swallowed_f_run_4_percent_below_the_abstract() -> None:
    # Table 3's typical values give CL 109 L/h and 17.8% of a swallowed dose systemic; the abstract
    # prints 114 L/h and 18.6%, probably population means rather than typical values.  Pinned, not
    # tuned: the same parameters reproduce Table 4 within 1.5% (above).
    cl = 28.0 / (_perez_ruixo_auc(Regimen.single("iv-bolus", 28.0)) / 1000.0 / 60.0)
    oral = _perez_ruixo_auc(Regimen.single("oral", 28.0)) / _perez_ruixo_auc(Regimen.single("iv-bolus", 28.0))
    assert 0.94 < cl / PR_ABSTRACT_CL_L_H < 0.97
    assert 0.94 < oral / PR_ABSTRACT_F_SWALLOWED < 0.97
