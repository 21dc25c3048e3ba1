"""request.plan: the one set of checks behind the command line and the dose-planning page."""

from __future__ import annotations

import pytest

from ketacare.pharmacology import DoseError, Patient, parse_dose
from ketacare.pharmacology.request import DoseRequest, RequestError, plan

ADULT = Patient(70.0, 40.0)


def test_a_weight_based_loading_dose_and_infusion_become_mg_of_base_for_this_patient() -> None:
    result = plan(
        DoseRequest(
            "iv-infusion",
            parse_dose("0.60mg/kg", "hcl"),
            duration_min=50,
            loading_dose=parse_dose("0.11mg/kg", "hcl"),
            loading_duration_min=2,
        ),
        ADULT,
    )
    loading, infusion = result.regimen.events
    assert loading.amount_mg == pytest.approx(0.11 * 70 * 237.72 / 274.19)
    assert (infusion.start_min, infusion.duration_min) == (2, 50)
    assert any("chosen by default" in n for n in result.notes) and any("HCl" in n for n in result.notes)


@pytest.mark.parametrize(
    ("request_", "patient", "message"),
    [
        (DoseRequest("iv-infusion", parse_dose("35mg")), ADULT, "needs a duration"),
        (DoseRequest("iv-bolus", parse_dose("35mg"), repeat=3), ADULT, "need an interval"),
        (
            DoseRequest("oral", parse_dose("50mg"), loading_dose=parse_dose("5mg")),
            ADULT,
            "only for an IV infusion",
        ),
        (DoseRequest("im", parse_dose("2mg/kg")), ADULT, "no adult IM model"),
        (DoseRequest("iv-bolus", parse_dose("35mg"), model_id="nope"), ADULT, "unknown model"),
        (DoseRequest("iv-bolus", parse_dose("35mg")), Patient(900.0, 40.0), "outside every model"),
        (DoseRequest("iv-bolus", parse_dose("35mg")), Patient(70.0, 400.0), "age must be between"),
    ],
)
def test_impossible_requests_are_refused_with_a_message_naming_what_is_wrong(
    request_: DoseRequest, patient: Patient, message: str
) -> None:
    with pytest.raises(RequestError, match=message):
        plan(request_, patient)


def test_an_implausible_total_dose_is_refused_as_a_dose_error() -> None:
    with pytest.raises(DoseError, match="implausible"):
        plan(DoseRequest("iv-bolus", parse_dose("25mg/kg")), ADULT)
