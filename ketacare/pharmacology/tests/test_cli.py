"""`ketacare pk`: the names scripts rely on, and one clean line on bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ketacare.pharmacology.cli import COLUMNS, main

PATIENT = ["--weight-kg", "70", "--age", "40", "--sex", "male"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_json_lists_ids_routes_population_validity_and_citations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "models", "--format", "json")
    models = {m["id"]: m for m in json.loads(out)}
    assert code == 0 and {"domino-1984", "perez-ruixo-2020"} <= set(models)
    for m in models.values():
        assert m["routes"] and m["population"] and m["citations"]
        assert set(m["validity"]) >= {"weight_kg", "age_years"}


def test_simulate_csv_has_the_documented_columns_and_empty_norketamine_where_not_modelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "--model",
        "domino-1984",
        *PATIENT,
        "--height-cm",
        "175",
        "--route",
        "iv-infusion",
        "--dose",
        "0.5mg/kg",
        "--duration-min",
        "40",
        "--times-min",
        "10,20,40",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == COLUMNS
    assert [float(r["time_min"]) for r in rows] == [10, 20, 40]
    assert all(r["norketamine_plasma_ng_ml"] == "" for r in rows)
    assert 150 < float(rows[2]["ketamine_plasma_ng_ml"]) < 260


def test_simulate_json_gives_null_norketamine_for_models_without_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "--model",
        "domino-1984",
        *PATIENT,
        "--route",
        "iv-bolus",
        "--dose",
        "35mg",
        "--times-min",
        "5",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and data["model"] == "domino-1984"
    assert data["rows"][0]["norketamine_plasma_ng_ml"] is None
    assert 0 < data["rows"][0]["nmda_occupancy"] < 1


def test_simulate_intranasal_esketamine_reports_noresketamine(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "--model",
        "perez-ruixo-2020",
        *PATIENT,
        "--route",
        "intranasal",
        "--dose",
        "84mg",
        "--times-min",
        "40,120",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and all(r["norketamine_plasma_ng_ml"] > 0 for r in data["rows"])
    assert "3 device(s)" in data["notes"][0]


def test_simulate_without_times_writes_an_svg_plot_and_a_whole_course_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plot = tmp_path / "course.svg"
    code, out, err = run(
        capsys,
        "simulate",
        "--model",
        "otto-2021",
        *PATIENT,
        "--route",
        "iv-infusion",
        "--dose",
        "0.5mg/kg",
        "--duration-min",
        "40",
        "--plot",
        str(plot),
        "--format",
        "csv",
    )
    assert code == 0 and plot.read_text().startswith("<svg") and str(plot) in err
    assert len(out.splitlines()) > 40


def test_population_prints_percentiles_over_time_without_a_progress_bar_when_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys,
        "population",
        "--model",
        "otto-2021",
        *PATIENT,
        "--route",
        "iv-infusion",
        "--dose",
        "0.5mg/kg",
        "--duration-min",
        "40",
        "--n",
        "300",
        "--hours",
        "6",
        "--seed",
        "1",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and err == "" and data["n"] == 300
    row = data["rows"][8]  # 40 min
    assert (
        row["ketamine_plasma_ng_ml_p5"] < row["ketamine_plasma_ng_ml_p50"] < row["ketamine_plasma_ng_ml_p95"]
    )
    again = json.loads(
        run(
            capsys,
            "population",
            "--model",
            "otto-2021",
            *PATIENT,
            "--route",
            "iv-infusion",
            "--dose",
            "0.5mg/kg",
            "--duration-min",
            "40",
            "--n",
            "300",
            "--hours",
            "6",
            "--seed",
            "1",
            "--format",
            "json",
        )[1]
    )
    assert again["rows"] == data["rows"]


def test_timeline_names_the_model_and_labels_mood_curves_as_hypothesis(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "timeline",
        "--model",
        "perez-ruixo-2020",
        *PATIENT,
        "--route",
        "intranasal",
        "--dose",
        "56mg",
        "--n",
        "200",
    )
    assert code == 0 and "perez-ruixo-2020" in out and "hypothesis" in out and "Peak" in out


def test_loading_bolus_then_infusion_and_hydrochloride_salt_are_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "--model",
        "domino-1984",
        *PATIENT,
        "--route",
        "iv-infusion",
        "--loading-dose",
        "0.11mg/kg",
        "--loading-duration-min",
        "2",
        "--dose",
        "0.60mg/kg",
        "--duration-min",
        "50",
        "--salt",
        "hcl",
        "--times-min",
        "52",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and "HCl" in data["notes"][0] and "over 50 min" in data["regimen"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["simulate", "--model", "nope", *PATIENT, "--route", "iv-bolus", "--dose", "35mg"], "unknown model"),
        (
            ["simulate", "--model", "domino-1984", *PATIENT, "--route", "intranasal", "--dose", "35mg"],
            "no route",
        ),
        (["simulate", "--model", "domino-1984", *PATIENT, "--route", "iv-bolus", "--dose", "-5mg"], "dose"),
        (
            ["simulate", "--model", "domino-1984", *PATIENT, "--route", "iv-bolus", "--dose", "5000mg"],
            "implausible",
        ),
        (
            [
                "simulate",
                "--model",
                "domino-1984",
                "--weight-kg",
                "900",
                "--age",
                "40",
                "--sex",
                "male",
                "--route",
                "iv-bolus",
                "--dose",
                "35mg",
            ],
            "outside every model",
        ),
        (
            ["simulate", "--model", "domino-1984", *PATIENT, "--route", "iv-infusion", "--dose", "35mg"],
            "duration",
        ),
        (
            ["simulate", "--model", "domino-1984", *PATIENT, "--route", "teleport", "--dose", "35mg"],
            "invalid choice",
        ),
        (
            ["simulate", "--model", "domino-1984", *PATIENT, "--route", "im", "--dose", "2mg/kg"],
            "models with im: hornik-2018",
        ),
        (["simulate", *PATIENT, "--route", "im", "--dose", "2mg/kg"], "no adult IM model"),
        (
            ["simulate", *PATIENT, "--route", "oral", "--dose", "50mg", "--bioavailability", "1.7"],
            "bioavailability must be a fraction",
        ),
        (
            ["simulate", *PATIENT, "--route", "oral", "--dose", "50mg", "--absorption-half-time-min", "0"],
            "absorption half-time must be between",
        ),
        (
            ["simulate", *PATIENT, "--route", "iv-bolus", "--dose", "20mg", "--bioavailability", "0.5"],
            "no first-order absorption for route iv-bolus",
        ),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_gives_one_line_on_stderr_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err and "Traceback" not in err


def test_oral_and_sublingual_default_to_racemic_ketamine_and_say_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for route in ("oral", "sublingual"):
        code, out, _ = run(
            capsys,
            "simulate",
            *PATIENT,
            "--route",
            route,
            "--dose",
            "50mg",
            "--times-min",
            "60",
            "--format",
            "json",
        )
        result = json.loads(out)
        assert code == 0 and result["model"] == "brunette-2011"
        assert any("chosen by default" in note and "racemic" in note for note in result["notes"])
        assert result["rows"][0]["ketamine_plasma_ng_ml"] > 0


def test_im_for_a_child_runs_and_says_its_absorption_half_time_is_derived_not_published(
    capsys: pytest.CaptureFixture[str],
) -> None:
    child = ["--weight-kg", "20", "--age", "5", "--sex", "female"]
    code, out, _ = run(
        capsys,
        "simulate",
        *child,
        "--route",
        "im",
        "--dose",
        "4mg/kg",
        "--times-min",
        "15",
        "--format",
        "json",
    )
    result = json.loads(out)
    assert code == 0 and result["model"] == "hornik-2018"
    assert any("derived" in note and "7.4 min" in note for note in result["notes"])
    default_15 = result["rows"][0]["ketamine_plasma_ng_ml"]
    code, out, _ = run(
        capsys,
        "simulate",
        *child,
        "--route",
        "im",
        "--dose",
        "4mg/kg",
        "--times-min",
        "15",
        "--absorption-half-time-min",
        "27.5",
        "--format",
        "json",
    )
    slower = json.loads(out)
    assert code == 0 and any("set by the user" in note for note in slower["notes"])
    # A slower absorption gives a lower concentration 15 min after the injection.
    assert slower["rows"][0]["ketamine_plasma_ng_ml"] < 0.8 * default_15


def test_the_user_bioavailability_scales_the_whole_oral_curve(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "simulate",
        *PATIENT,
        "--route",
        "oral",
        "--dose",
        "50mg",
        "--times-min",
        "30,60,120",
        "--format",
        "json",
    ]
    code, out, _ = run(capsys, *args)
    default = [r["ketamine_plasma_ng_ml"] for r in json.loads(out)["rows"]]
    code2, out2, _ = run(capsys, *args, "--bioavailability", "0.12")
    halved = [r["ketamine_plasma_ng_ml"] for r in json.loads(out2)["rows"]]
    assert code == code2 == 0
    # Default adult oral F is Chong 2009's 0.24: 0.12 halves every concentration (linear kinetics).
    assert halved == pytest.approx([c / 2 for c in default], rel=1e-9)


def test_models_json_names_each_routes_bioavailability_and_absorption_with_their_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "models", "--format", "json")
    models = {m["id"]: m for m in json.loads(out)}
    im = models["hornik-2018"]["absorption"]["im"]
    assert im["bioavailability"]["f_im"]["value"] == 0.41 and im["bioavailability"]["f_im"]["verified"]
    assert im["half_time_min"]["verified"] is False and "derived" in im["half_time_min"]["note"]
    oral = models["brunette-2011"]["absorption"]["oral"]
    assert oral["half_time_min"] == {
        "value": 59.0,
        "unit": "min",
        "source": "brunette-2011",
        "verified": True,
        "note": oral["half_time_min"]["note"],
    }
