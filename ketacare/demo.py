"""The synthetic demo clinic: staff of every role and about twenty patients, the same on every run.

Everything is invented (names, numbers, histories) and built through the real services, so the
demo has an audit trail like any clinic. Logins are predictable on purpose: people and scripts
use them. Never load the demo into a database that holds real patients.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from ketacare.accounts import services as accounts
from ketacare.accounts.demo import DEMO_PASSWORD
from ketacare.accounts.models import Clinic, Credential, User
from ketacare.accounts.roles import Role
from ketacare.audit.context import Origin, origin
from ketacare.dosing import demo as dosing_demo
from ketacare.interop import demo as privacy_demo
from ketacare.ledger import demo as ledger_demo
from ketacare.outcomes import demo as outcomes_demo
from ketacare.patients import services as patients
from ketacare.patients.models import HistoryFlag, Medication, Patient, SubstanceUseDisorder
from ketacare.plans import calendar_demo
from ketacare.plans import demo as plans_demo


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


SEED = 20261125

# (username, display name, role, clinic slug, licence type or "")
STAFF = [
    ("prescriber", "Dr Amara Okafor", Role.PRESCRIBER, "riverside", Credential.LicenceType.PHYSICIAN),
    ("nurse", "Nurse Tomas Lindqvist", Role.NURSE, "riverside", Credential.LicenceType.REGISTERED_NURSE),
    ("therapist", "Priya Raman, LCSW", Role.THERAPIST, "riverside", Credential.LicenceType.COUNSELLOR),
    ("clinicadmin", "Grace Mbeki", Role.CLINIC_ADMIN, "riverside", ""),
    ("researcher", "Dr Felix Brandt", Role.RESEARCHER, "riverside", ""),
    ("outsider", "Dr Noor Haddad", Role.PRESCRIBER, "northgate", Credential.LicenceType.PHYSICIAN),
]

GIVEN_FEMALE = [
    "Maria",
    "Aisha",
    "Chloe",
    "Hannah",
    "Elena",
    "Zara",
    "Mei",
    "Fatima",
    "Ingrid",
    "Rosa",
    "Amara",
    "Leila",
]
GIVEN_MALE = [
    "Alex",
    "Jordan",
    "Daniel",
    "Liam",
    "Mateo",
    "Yusuf",
    "Noah",
    "Owen",
    "Lucas",
    "Ethan",
    "Kofi",
    "Ivan",
]
GIVEN = [
    "Alex",
    "Jordan",
    "Sam",
    "Maria",
    "Daniel",
    "Aisha",
    "Liam",
    "Chloe",
    "Mateo",
    "Hannah",
    "Yusuf",
    "Elena",
    "Noah",
    "Zara",
    "Owen",
    "Mei",
    "Lucas",
    "Fatima",
    "Ethan",
    "Ingrid",
    "Kofi",
    "Rosa",
    "Ivan",
]
FAMILY = [
    "Nguyen",
    "Okonkwo",
    "Smith",
    "García",
    "Kowalski",
    "Haddad",
    "Murphy",
    "Chen",
    "Rossi",
    "Novak",
    "Ahmed",
    "Johansson",
    "Patel",
    "Silva",
    "Brown",
    "Kaur",
    "Dubois",
    "Tanaka",
    "Walker",
    "Moreau",
]

# What each kind of patient plausibly takes (names of medicines, classes as the record uses them).
MAT_BY_SUBSTANCE: dict[str, list[tuple[str, str, str]]] = {
    "alcohol": [
        ("Naltrexone", "naltrexone", "50 mg once daily"),
        ("Acamprosate", "other", "666 mg three times daily"),
    ],
    "opioids": [
        ("Buprenorphine/naloxone", "buprenorphine", "16/4 mg once daily"),
        ("Methadone", "methadone", "80 mg once daily"),
    ],
    "cocaine": [],
    "amphetamines": [],
}
OTHER_MEDICINES = [
    ("Sertraline", "antidepressant", "100 mg once daily"),
    ("Amlodipine", "antihypertensive", "5 mg once daily"),
    ("Lamotrigine", "mood_stabiliser", "200 mg once daily"),
    ("Diazepam", "benzodiazepine", "5 mg as needed (tapering)"),
    ("Lisdexamfetamine", "stimulant", "30 mg once daily"),
]


def print_logins(out: Writer) -> None:
    out.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
    for username, name, role, clinic, _ in STAFF:
        out.write(f"  {username:<12} {Role(role).label} at {clinic} ({name})\n")
    out.write(f"  {'patient':<12} Patient portal at riverside\n\n")


def _clinic(name: str, slug: str) -> Clinic:
    return Clinic.objects.create(name=name, slug=slug)


@transaction.atomic
def build_demo_clinic(out: Writer | None = None) -> bool:
    """Build the demo clinic; returns False (and changes nothing) when it is already there."""
    if Clinic.objects.filter(slug="riverside").exists():
        return False
    rng = random.Random(SEED)  # noqa: S311  (repeatable synthetic data, not security)
    now = timezone.now()
    today = timezone.localdate()
    with origin(Origin(source="demo")):
        clinics = {
            "riverside": _clinic("Riverside Recovery Clinic", "riverside"),
            "northgate": _clinic("Northgate Addiction Service", "northgate"),
        }
        staff: dict[str, User] = {}
        for username, name, role, clinic_slug, licence in STAFF:
            user = accounts.create_user(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                email=f"{username}@demo.ketacare.invalid",
            )
            accounts.add_membership(user=user, clinic=clinics[clinic_slug], role=role)
            if licence:
                accounts.record_credential(
                    user=user,
                    kind=Credential.Kind.LICENCE,
                    licence_type=licence,
                    number=f"DEMO-{rng.randint(100000, 999999)}",
                    jurisdiction="Demo State",
                    expires_on=today + dt.timedelta(days=400),
                )
            if role in (Role.PRESCRIBER, Role.NURSE):
                accounts.record_credential(
                    user=user, kind=Credential.Kind.ACLS, expires_on=today + dt.timedelta(days=200)
                )
            staff[username] = user

        families = FAMILY * 2
        rng.shuffle(families)
        substances = ["alcohol"] * 8 + ["opioids"] * 7 + ["cocaine"] * 3 + ["amphetamines"] * 2
        created: list[Patient] = []
        for index, substance in enumerate(substances + ["alcohol", "opioids", "cocaine"]):
            in_riverside = index < len(substances)
            clinic = clinics["riverside" if in_riverside else "northgate"]
            by = staff["nurse" if in_riverside else "outsider"]
            sex = rng.choice(["female", "male", "male"])
            given = rng.choice(GIVEN_FEMALE if sex == "female" else GIVEN_MALE)
            family = families[index]

            born = dt.date(rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28))
            weight = (
                Decimal(rng.randint(520, 1150)) / 10 if sex == "male" else Decimal(rng.randint(480, 980)) / 10
            )
            height = Decimal(rng.randint(170, 192) if sex == "male" else rng.randint(155, 178))
            patient = patients.register_patient(
                by=by,
                clinic=clinic,
                medical_record_number=f"{clinic.slug[:2].upper()}-{1001 + index}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex_at_birth=sex,
                phone=f"+1 555 01{rng.randint(10, 99)} {rng.randint(1000, 9999)}",
                email=f"{given.lower()}.{index}@example.invalid",
                emergency_contact=f"{rng.choice(GIVEN)} {family}, +1 555 0199 {rng.randint(1000, 9999)}",
            )
            # A few weights over the past months, so the record has a history.
            for months_ago in (4, 2, 0):
                patients.record_body_measurement(
                    by=by,
                    patient=patient,
                    weight_kg=weight + Decimal(rng.randint(-15, 15)) / 10,
                    height_cm=height if months_ago == 4 else None,
                    measured_at=now
                    - dt.timedelta(days=30 * months_ago + rng.randint(0, 5), hours=rng.randint(1, 8)),
                )
            patients.record_substance_use_disorder(
                by=by,
                patient=patient,
                substance=substance,
                criteria_met=rng.randint(4, 10),
                last_use_on=today - dt.timedelta(days=rng.randint(2, 40)),
                is_primary=True,
            )
            if substance != "alcohol" and rng.random() < 0.4:
                patients.record_substance_use_disorder(
                    by=by,
                    patient=patient,
                    substance=SubstanceUseDisorder.Substance.ALCOHOL,
                    criteria_met=rng.randint(2, 5),
                    last_use_on=today - dt.timedelta(days=rng.randint(5, 90)),
                )
            for name, drug_class, dose in MAT_BY_SUBSTANCE[substance][: rng.randint(0, 1) + 1]:
                patients.add_medication(
                    by=by,
                    patient=patient,
                    name=name,
                    drug_class=drug_class,
                    dose_text=dose,
                    started_on=today - dt.timedelta(days=rng.randint(20, 400)),
                )
            flags: set[str] = set()
            for name, drug_class, dose in rng.sample(OTHER_MEDICINES, rng.randint(0, 2)):
                patients.add_medication(
                    by=by,
                    patient=patient,
                    name=name,
                    drug_class=drug_class,
                    dose_text=dose,
                    started_on=today - dt.timedelta(days=rng.randint(30, 900)),
                )
                if drug_class == Medication.DrugClass.ANTIHYPERTENSIVE:
                    flags.add(HistoryFlag.Flag.HYPERTENSION)
                if drug_class == Medication.DrugClass.MOOD_STABILISER:
                    flags.add(HistoryFlag.Flag.BIPOLAR)
            if rng.random() < 0.15:
                flags.add(HistoryFlag.Flag.SLEEP_APNOEA)
            if rng.random() < 0.1:
                flags.add(HistoryFlag.Flag.SEIZURES)
            for flag in sorted(flags):
                patients.add_history_flag(by=by, patient=patient, flag=flag)
            if rng.random() < 0.25:
                patients.add_allergy(
                    by=by,
                    patient=patient,
                    substance=rng.choice(["Penicillin", "Latex", "Sulfonamides"]),
                    reaction=rng.choice(["Rash", "Hives", "Swelling"]),
                    severity="moderate",
                )
            if in_riverside:
                patients.add_care_team_member(
                    by=staff["clinicadmin"], patient=patient, member=staff["prescriber"], is_responsible=True
                )
                patients.add_care_team_member(
                    by=staff["clinicadmin"], patient=patient, member=staff["therapist"]
                )
            created.append(patient)

        portal_user = accounts.create_user(
            username="patient", password=DEMO_PASSWORD, display_name=created[0].full_name
        )
        accounts.add_membership(user=portal_user, clinic=clinics["riverside"], role=Role.PATIENT)
        patients.link_portal_user(by=staff["clinicadmin"], patient=created[0], user=portal_user)
        # Orders first: they are written before the calendar shows this week's use (a detox gate).
        plans_demo.build(staff=staff, patients_=created[: len(substances)], clinic=clinics["riverside"])
        outcomes_demo.build(
            staff=staff, patients=created[: len(substances)], portal_user=portal_user, rng=rng, today=today
        )
        dosing_demo.build(staff=staff, patients=created[: len(substances)], rng=rng, today=today)
        privacy_demo.build(staff=staff, patient=created[0], portal_user=portal_user)
        plans_demo.finish(staff=staff, patients_=created[: len(substances)])
        ledger_demo.build(staff=staff, clinic=clinics["riverside"], today=today)
        # Today's session day: patients whose orders the screening states above leave signed.
        dosing_demo.build_today(staff=staff, patients=created[4:8], rng=rng, now=now)
        # The session day draws from the ledger; then today's count of the safe.
        ledger_demo.build_today(staff=staff, clinic=clinics["riverside"], now=now)
        # A month of appointments around those sessions (issue 12).
        calendar_demo.build(
            staff=staff, patients_=created[: len(substances)], now=now, in_session_today=created[4:8]
        )
    if out is not None:
        out.write(f"Demo clinic built: {len(created)} patients in 2 clinics.\n")
        print_logins(out)
    return True
