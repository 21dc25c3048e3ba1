"""The command line scripts rely on: ids, JSON shapes, one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest

from ketacare.instruments import REGISTRY
from ketacare.instruments.cli import main

REQUIRED_IDS = {
    "phq-9",
    "gad-7",
    "audit",
    "audit-c",
    "dast-10",
    "pacs",
    "cows",
    "ciwa-ar",
    "cadss-6",
    "moaas",
    "aldrete",
    "padss",
    "c-ssrs-screener",
    "craving-vas",
    "bam",
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_includes_every_id_scripts_rely_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", "--format", "json")
    assert code == 0
    assert {entry["id"] for entry in json.loads(out)} >= REQUIRED_IDS


def test_show_json_lists_options_in_display_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "show", "dast-10", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["item_count"] == 10
    options = data["items"][2]["options"]
    assert [o["position"] for o in options] == [0, 1]
    assert [o["score"] for o in options] == [1, 0]  # reverse-scored item 3
    assert data["licence"]["kind"] == "non-commercial"


@pytest.mark.parametrize("instrument_id", sorted(REGISTRY))
def test_show_works_for_every_instrument_in_both_formats(
    capsys: pytest.CaptureFixture[str], instrument_id: str
) -> None:
    assert _run(capsys, "show", instrument_id)[0] == 0
    assert json.loads(_run(capsys, "show", instrument_id, "--format", "json")[1])["id"] == instrument_id


def test_score_json_prints_total_band_subscales_and_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "score", "phq-9", "--answers", "0,3,1,2,0,1,0,0,1", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["total"] == 8 and data["band"]["label"] == "Mild"
    assert data["subscales"] == {}
    assert data["flags"][0]["code"] == "suicide-risk"


def test_score_takes_sex_and_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "score", "audit-c", "--answers", "1,1,1", "--sex", "male", "--format", "json")
    assert json.loads(out)["band"]["label"] == "Negative screen"
    _, out, _ = _run(
        capsys,
        "score",
        "pacs",
        "--answers",
        "3,3,3,3,3",
        "--threshold",
        "clinically_significant=21",
        "--format",
        "json",
    )
    assert json.loads(out)["flags"] == []


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["score", "phq-9", "--answers", "0,1"], "has 9 items, got 2"),
        (["score", "phq-9", "--answers", "0,1,2,3,4,0,0,0,0"], "item 5"),
        (["score", "phq-9", "--answers", "0,1,,0,0,0,0,0,0"], "incomplete"),
        (["score", "phq-9", "--answers", "a,b"], "not an integer"),
        (["score", "nope", "--answers", "1"], "unknown instrument"),
        (["show", "nope"], "unknown instrument"),
        (["score", "pacs", "--answers", "0,0,0,0,0", "--threshold", "x"], "KEY=INTEGER"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_prints_one_line_on_stderr_and_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_score_text_is_the_default_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "score", "c-ssrs-screener", "--answers", "1,1,1,0,0,0,")
    assert code == 0 and "band: Moderate risk" in out and "FLAG suicide-risk" in out
