"""Reads for dose planning: the patient's covariates as the pharmacology engine needs them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketacare import pharmacology
from ketacare.patients.models import BodyMeasurement, Patient
from ketacare.patients.selectors import latest_measurement
from ketacare.pharmacology.model import SEXES


@dataclass(frozen=True)
class Covariates:
    """What the models take from the record, and where it came from."""

    pk_patient: pharmacology.Patient
    measurement: BodyMeasurement
    age_years: float


def age_years(date_of_birth: dt.date, on: dt.date) -> float:
    return (on - date_of_birth).days / 365.25


def covariates_of(patient: Patient) -> Covariates | None:
    """The latest recorded weight (and height) with today's age; None if no weight is recorded.

    Sex at birth other than male or female is passed as "male": no shipped model uses sex
    (docs/pharmacology.md), so the choice changes no number.
    """
    measurement = latest_measurement(patient)
    if measurement is None:
        return None
    age = age_years(patient.date_of_birth, timezone.localdate())
    sex = patient.sex_at_birth if patient.sex_at_birth in SEXES else "male"
    height = float(measurement.height_cm) if measurement.height_cm is not None else None
    pk_patient = pharmacology.Patient(float(measurement.weight_kg), age, sex, height)
    return Covariates(pk_patient, measurement, age)
