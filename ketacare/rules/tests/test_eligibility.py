"""Eligibility screening, the detox gate, dose checks and the protocol library (pure core)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ketacare.pharmacology.units import DoseError
from ketacare.rules import dose_checks, eligibility, protocols
from ketacare.rules.eligibility import (
    ClinicLimits,
    Inputs,
    LastUse,
    Medication,
    Row,
    Score,
    screen,
)

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)


def test_an_allergy_naming_ketamine_or_esketamine_is_an_absolute_contraindication() -> None:
    for text in ("Ketamine", "esketamine (Spravato)", "KETALAR"):
        result = screen(Inputs(allergies=[Row("allergy:1", text)]), ClinicLimits(), NOW)
        assert result.result == eligibility.NOT_ELIGIBLE
        (reason,) = result.reasons
        assert (reason.code, reason.klass, reason.input) == ("ketamine-allergy", "absolute", "allergy:1")
        assert "Spravato" in reason.source and "VERIFIED" in reason.source
        assert not reason.overridable


def test_an_allergy_to_something_else_is_not_a_reason() -> None:
    assert (
        screen(Inputs(allergies=[Row("allergy:1", "Penicillin")]), ClinicLimits(), NOW).result == "eligible"
    )


@pytest.mark.parametrize("flag", ["aneurysm_avm", "intracerebral_haemorrhage", "ketamine_hypersensitivity"])
def test_the_esketamine_label_contraindications_are_absolute(flag: str) -> None:
    result = screen(Inputs(history_flags=[(flag, Row("flag:3"))]), ClinicLimits(), NOW)
    assert result.result == "not-eligible" and result.reasons[0].klass == "absolute"


def test_an_override_of_every_relative_reason_makes_the_patient_eligible_but_never_an_absolute_one() -> None:
    inputs = Inputs(history_flags=[("psychosis", Row("flag:1")), ("aneurysm_avm", Row("flag:2"))])
    reasons = screen(inputs, ClinicLimits(), NOW).reasons
    assert eligibility.result_of(reasons, frozenset({"psychosis", "aneurysm-avm"})) == "not-eligible"
    only_relative = screen(Inputs(history_flags=[("psychosis", Row("flag:1"))]), ClinicLimits(), NOW).reasons
    assert eligibility.result_of(only_relative) == "needs-review"
    assert eligibility.result_of(only_relative, frozenset({"psychosis"})) == "eligible"


def test_relative_reasons_cover_the_flags_and_the_medications_the_labels_name() -> None:
    inputs = Inputs(
        history_flags=[(f, Row(f"flag:{i}")) for i, f in enumerate(["pregnancy", "bipolar", "sleep_apnoea"])],
        medications=[
            Medication("med:1", "methadone", "Methadone"),
            Medication("med:2", "benzodiazepine", "Diazepam"),
            Medication("med:3", "maoi", "Phenelzine"),
        ],
        suicide_risk=[Row("response:9", "PHQ-9")],
    )
    result = screen(inputs, ClinicLimits(), NOW)
    codes = {r.code for r in result.reasons}
    assert result.result == "needs-review"
    assert {
        "pregnancy",
        "bipolar-unstabilised",
        "sleep-apnoea",
        "cns-depressant-methadone",
        "cns-depressant-benzodiazepine",
        "concomitant-maoi",
        "suicide-risk",
    } == codes
    assert all(r.klass == "relative" for r in result.reasons)
    methadone = next(r for r in result.reasons if r.code == "cns-depressant-methadone")
    assert "Ketalar" in methadone.source and methadone.input == "med:1"


def test_bipolar_disorder_with_a_mood_stabiliser_is_not_a_reason() -> None:
    inputs = Inputs(
        history_flags=[("bipolar", Row("flag:1"))],
        medications=[Medication("med:1", "mood_stabiliser", "Lithium")],
    )
    assert screen(inputs, ClinicLimits(), NOW).result == "eligible"


def test_a_blood_pressure_above_the_clinic_set_limit_needs_review_and_no_limit_checks_nothing() -> None:
    bp = eligibility.BloodPressure("vital:4", 162, 88)
    assert screen(Inputs(blood_pressure=bp), ClinicLimits(), NOW).result == "eligible"
    result = screen(Inputs(blood_pressure=bp), ClinicLimits(predose_systolic_max_mmhg=150), NOW)
    assert result.result == "needs-review" and result.reasons[0].code == "blood-pressure-above-limit"
    assert "Clinic-set" in result.reasons[0].source


def test_the_alcohol_gate_asks_for_at_least_24_hours_since_the_last_drink_as_dakwar_2020() -> None:
    assert eligibility.ALCOHOL_GATE_HOURS_MIN == 24
    drank = [LastUse("sud:1", "alcohol", NOW - dt.timedelta(hours=20))]
    result = screen(Inputs(last_use=drank), ClinicLimits(), NOW)
    assert result.result == "not-eligible"
    (reason,) = result.reasons
    assert reason.klass == "gate" and reason.code == "detox-gate-alcohol" and "Dakwar 2020" in reason.source
    later = [LastUse("sud:1", "alcohol", NOW - dt.timedelta(hours=25))]
    assert screen(Inputs(last_use=later), ClinicLimits(), NOW).result == "eligible"
    # A clinic may ask for longer, never shorter.
    assert (
        screen(Inputs(last_use=later), ClinicLimits(gate_hours={"alcohol": 48}), NOW).result == "not-eligible"
    )
    assert screen(Inputs(last_use=later), ClinicLimits(gate_hours={"alcohol": 6}), NOW).result == "eligible"
    assert eligibility.gate_hours_for("alcohol", ClinicLimits(gate_hours={"alcohol": 6})) == 24


def test_other_substances_are_gated_only_by_clinic_set_hours_and_unknown_last_use_needs_review() -> None:
    used = [LastUse("sud:2", "opioids", NOW - dt.timedelta(hours=30))]
    assert screen(Inputs(last_use=used), ClinicLimits(), NOW).result == "eligible"
    assert (
        screen(Inputs(last_use=used), ClinicLimits(gate_hours={"opioids": 72}), NOW).result == "not-eligible"
    )
    unknown = [LastUse("sud:1", "alcohol", None)]
    result = screen(Inputs(last_use=unknown), ClinicLimits(), NOW)
    assert result.result == "needs-review" and result.reasons[0].code == "last-use-unknown-alcohol"


def test_withdrawal_scores_above_the_clinic_limits_close_the_gate() -> None:
    scores = [Score("response:5", "ciwa-ar", 14, NOW), Score("response:6", "cows", 5, NOW)]
    assert screen(Inputs(withdrawal_scores=scores), ClinicLimits(), NOW).result == "eligible"
    result = screen(Inputs(withdrawal_scores=scores), ClinicLimits(ciwa_ar_max=9, cows_max=5), NOW)
    assert [r.code for r in result.reasons] == ["withdrawal-ciwa-ar"] and result.result == "not-eligible"


# --- dose checks ---------------------------------------------------------------------------------


def test_a_dose_is_read_per_kg_or_in_mg_and_refused_when_unreadable() -> None:
    dose = dose_checks.parse("0.71mg/kg")
    assert dose.per_kg and dose.amount == Decimal("0.71") and dose.base_mg(Decimal("80")) == Decimal("56.80")
    assert dose_checks.parse("50 mg").base_mg(Decimal("80")) == Decimal("50.00")
    assert dose_checks.parse("50mg", "hcl").base_mg(Decimal("80")) < Decimal("50")
    for bad in ("", "0mg", "fifty mg", "5 ml"):
        with pytest.raises(DoseError):
            dose_checks.parse(bad)


def test_a_ten_fold_typo_is_above_the_protocol_and_needs_confirmation() -> None:
    protocol = protocols.get("dakwar-2020")
    limits = dose_checks.Limits(protocol_max_mg_per_kg=protocol.dose_max, protocol_name=protocol.id)
    checked = dose_checks.check_dose(dose_checks.parse("5mg/kg"), Decimal("80"), "iv-infusion", limits)
    assert [f.code for f in checked.findings] == ["above-protocol"] and not checked.hard_stops
    fine = dose_checks.check_dose(dose_checks.parse("0.71mg/kg"), Decimal("80"), "iv-infusion", limits)
    assert fine.findings == []


def test_the_engine_sanity_limits_are_a_hard_stop() -> None:
    checked = dose_checks.check_dose(dose_checks.parse("50mg/kg"), Decimal("80"), "im", dose_checks.Limits())
    assert [f.code for f in checked.hard_stops] == ["implausible-dose"]


def test_clinic_maximum_previous_dose_factor_and_route_total_each_need_confirmation() -> None:
    limits = dose_checks.Limits(
        clinic_max_mg_per_kg=Decimal("1.0"),
        clinic_max_total_mg=Decimal("100"),
        previous_mg_per_kg=Decimal("0.5"),
        increase_factor_max=Decimal("1.5"),
    )
    checked = dose_checks.check_dose(dose_checks.parse("1.2mg/kg"), Decimal("100"), "iv-infusion", limits)
    assert {f.code for f in checked.to_confirm} == {
        "above-clinic-max",
        "above-previous-dose",
        "above-route-total",
    }


def test_a_weight_change_beyond_the_clinic_percentage_asks_for_confirmation() -> None:
    assert dose_checks.weight_change_percent(Decimal("96.8"), Decimal("69.8")) == Decimal("27.9")
    assert dose_checks.weight_needs_confirmation(Decimal("96.8"), Decimal("69.8"), Decimal("10"))
    assert not dose_checks.weight_needs_confirmation(Decimal("96.8"), Decimal("95"), Decimal("10"))
    assert not dose_checks.weight_needs_confirmation(None, Decimal("69.8"), Decimal("10"))
    assert not dose_checks.weight_needs_confirmation(Decimal("96.8"), Decimal("69.8"), None)


# --- protocol library ----------------------------------------------------------------------------


def test_the_library_holds_the_named_trials_with_their_verified_doses() -> None:
    assert {"dakwar-2019", "dakwar-2020", "grabski-2022", "krupitsky-2002", "krupitsky-2007"} <= set(
        protocols.LIBRARY
    )
    expected = {
        "dakwar-2019": ("0.5", "40", "iv-infusion"),
        "dakwar-2020": ("0.71", "52", "iv-infusion"),
        "grabski-2022": ("0.8", "40", "iv-infusion"),
    }
    for pid, (dose, minutes, route) in expected.items():
        p = protocols.get(pid)
        assert (p.dose.value, p.duration_min.value, p.route) == (Decimal(dose), Decimal(minutes), route)
        assert p.dose.status == protocols.VERIFIED and p.duration_min.status == protocols.VERIFIED
    assert protocols.get("krupitsky-2002").route == "im" and protocols.get("krupitsky-2002").dose.value == 2


def test_unverified_numbers_are_flagged_as_such() -> None:
    assert protocols.get("dakwar-2020").loading is not None
    assert protocols.get("dakwar-2020").loading.status == protocols.SECONDARY  # type: ignore[union-attr]
    assert protocols.get("krupitsky-2007").dose.status == protocols.SECONDARY
    assert protocols.get("esketamine-nasal").dose.status == protocols.SECONDARY
    assert protocols.get("krupitsky-2002").duration_min.status == protocols.NOT_FOUND
    for p in protocols.LIBRARY.values():
        assert p.dose_basis  # base or salt always said, even when the paper does not say


def test_a_clinic_protocol_outside_the_bounds_is_refused_by_field() -> None:
    ok = protocols.check_clinic_protocol(
        route="iv-infusion",
        mg_per_kg_min=Decimal("0.5"),
        mg_per_kg_max=Decimal("0.8"),
        min_spacing_days=7,
        clinic_max_mg_per_kg=Decimal("1"),
        sanity_max_mg_per_kg=dose_checks.SANITY_MAX_MG_PER_KG,
    )
    assert ok == {}
    bad = protocols.check_clinic_protocol(
        route="rectal",
        mg_per_kg_min=Decimal("0.5"),
        mg_per_kg_max=Decimal("1.5"),
        min_spacing_days=0,
        clinic_max_mg_per_kg=Decimal("1"),
        sanity_max_mg_per_kg=dose_checks.SANITY_MAX_MG_PER_KG,
    )
    assert set(bad) == {"route", "mg_per_kg_max", "min_spacing_days"}


def test_the_dose_check_command_stops_a_ten_fold_typo_with_the_same_checks(capsys) -> None:
    from ketacare.rules.cli import main

    assert main(["--protocol", "dakwar-2020", "--dose", "0.71mg/kg", "--weight-kg", "80"]) == 0
    assert "56.80 mg base" in capsys.readouterr().out
    assert main(["--protocol", "dakwar-2020", "--dose", "5mg/kg", "--weight-kg", "80"]) == 1
    assert "CONFIRM above-protocol" in capsys.readouterr().out
    assert main(["--protocol", "dakwar-2020", "--dose", "50mg/kg", "--weight-kg", "80"]) == 2
    assert "STOP implausible-dose" in capsys.readouterr().out
    assert main(["--protocol", "dakwar-2020", "--dose", "five", "--weight-kg", "80"]) == 2
