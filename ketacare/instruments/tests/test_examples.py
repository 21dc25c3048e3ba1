"""Worked examples held to each source's published numbers. Where a manual prints no worked
example, the test is a constructed answer set at the published band edges, and says so."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ketacare.instruments import (
    FlagSeverity,
    InvalidThreshold,
    LicenceKind,
    UnexpectedAnswer,
    get_instrument,
    score,
)


def _band(instrument_id: str, answers: Sequence[int | None], **kwargs: object) -> str:
    result = score(instrument_id, answers, **kwargs)  # type: ignore[arg-type]
    assert result.band is not None
    return result.band.label


# PHQ-9 -- Kroenke, Spitzer & Williams 2001, doi:10.1046/j.1525-1497.2001.016009606.x:
# 5, 10, 15 and 20 are the lower edges of mild, moderate, moderately severe and severe.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_bands_match_kroenke_2001(total: int, band: str) -> None:
    answers = [3] * (total // 3) + ([total % 3] if total % 3 else [])
    answers += [0] * (9 - len(answers))
    answers = answers[::-1]  # keep item 9 low so the example is about bands, not the flag
    assert score("phq-9", answers).total == total
    assert _band("phq-9", answers) == band


def test_phq9_total_stays_within_0_to_27() -> None:
    assert score("phq-9", [0] * 9).total == 0
    assert score("phq-9", [3] * 9).total == 27


def test_phq9_item9_above_zero_raises_an_urgent_suicide_risk_flag() -> None:
    result = score("phq-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    flag = result.flag("suicide-risk")
    assert flag is not None and flag.severity is FlagSeverity.URGENT
    assert score("phq-9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).flag("suicide-risk") is None


# GAD-7 -- Spitzer et al. 2006, doi:10.1001/archinte.166.10.1092: 5/10/15; 10 = screening cut-off.
def test_gad7_total_of_10_is_moderate_and_screens_positive() -> None:
    result = score("gad-7", [2, 2, 2, 1, 1, 1, 1])
    assert result.total == 10 and result.band and result.band.label == "Moderate"
    assert result.flag("anxiety-screen-positive") is not None
    assert score("gad-7", [2, 2, 2, 1, 1, 1, 0]).flag("anxiety-screen-positive") is None


# AUDIT -- WHO manual (Babor et al. 2001): items 9-10 score 0/2/4; zones I 0-7, II 8-15,
# III 16-19, IV 20-40.
def test_audit_items_9_and_10_score_0_2_4_as_in_the_who_manual() -> None:
    assert score("audit", [0] * 8 + [1, 2]).item_scores[8:] == (2, 4)


@pytest.mark.parametrize(
    ("answers", "zone"),
    [
        ([1, 1, 1, 1, 1, 1, 1, 0, 0, 0], "Zone I: low risk"),  # 7
        ([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], "Zone II: hazardous"),  # 8
        ([4, 4, 4, 3, 0, 0, 0, 0, 0, 0], "Zone II: hazardous"),  # 15
        ([4, 4, 4, 4, 0, 0, 0, 0, 0, 0], "Zone III: harmful"),  # 16
        ([4, 4, 4, 3, 0, 0, 0, 0, 2, 0], "Zone III: harmful"),  # 19
        ([4, 4, 4, 4, 0, 0, 0, 0, 2, 0], "Zone IV: possible dependence"),
    ],  # 20
)
def test_audit_zone_edges_match_the_who_manual(answers: list[int], zone: str) -> None:
    assert _band("audit", answers) == zone


# AUDIT-C -- Bush et al. 1998 (men >= 4), Bradley et al. 2003 (women >= 3).
def test_audit_c_score_of_3_is_positive_for_women_and_negative_for_men() -> None:
    answers = [1, 1, 1]
    assert _band("audit-c", answers, sex="female") == "Positive screen"
    assert _band("audit-c", answers, sex="male") == "Negative screen"
    assert score("audit-c", [2, 1, 1], sex="male").flag("alcohol-screen-positive") is not None


def test_audit_c_without_sex_applies_the_lower_cutoff_and_says_so() -> None:
    result = score("audit-c", [1, 1, 1])
    assert result.band and result.band.label == "Positive screen"
    assert "sex not given" in result.band.meaning


def test_audit_c_cutoffs_are_configurable_for_the_4_and_5_convention() -> None:
    thresholds = {"positive_men": 5, "positive_women": 4}
    assert _band("audit-c", [2, 1, 1], sex="male", thresholds=thresholds) == "Negative screen"
    assert _band("audit-c", [2, 2, 1], sex="male", thresholds=thresholds) == "Positive screen"
    with pytest.raises(InvalidThreshold):
        score("audit-c", [0, 0, 0], thresholds={"positive_everyone": 4})


# DAST-10 -- Skinner 1982: item 3 is reverse-scored ("No" scores 1); bands 0/1-2/3-5/6-8/9-10.
def test_dast10_item_3_is_reverse_scored() -> None:
    all_no = [0] * 10
    result = score("dast-10", all_no)
    assert result.total == 1 and result.band and result.band.label == "Low level"
    assert score("dast-10", [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).total == 0
    assert score("dast-10", [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]).total == 10


# PACS -- Hartwell et al. 2019: >= 15 recommended; > 20 the earlier proposal.
def test_pacs_flags_15_by_default_and_21_under_the_stricter_cutoff() -> None:
    answers = [3, 3, 3, 3, 3]  # 15
    assert score("pacs", answers).flag("alcohol-craving-significant") is not None
    assert score("pacs", answers, thresholds={"clinically_significant": 21}).flags == ()
    assert score("pacs", [6] * 5).total == 30


# COWS -- Wesson & Ling 2003 form: items skip values; max 48; 5-12/13-24/25-36/>36.
def test_cows_maximum_is_48_and_band_edges_follow_the_form() -> None:
    instrument = get_instrument("cows")
    assert instrument.total_range == (0, 48)
    top = [len(item.options) - 1 for item in instrument.items]
    assert score("cows", top).total == 48
    # Restlessness option "frequent shifting" scores 3, not 2 (position 2).
    assert score("cows", [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]).total == 3
    assert _band("cows", [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]) == "Below mild range"  # 4
    assert _band("cows", [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]) == "Mild"  # 5


# CIWA-Ar -- Sullivan et al. 1989: nine items 0-7 plus orientation 0-4, maximum 67.
def test_ciwa_ar_maximum_is_67_and_band_edges_are_configurable() -> None:
    assert score("ciwa-ar", [7] * 9 + [4]).total == 67
    eight = [1] * 8 + [0, 0]
    assert _band("ciwa-ar", eight) == "Moderate"
    assert _band("ciwa-ar", eight, thresholds={"moderate_from": 11, "severe_from": 16}) == "Absent or mild"
    with pytest.raises(InvalidThreshold):
        score("ciwa-ar", eight, thresholds={"moderate_from": 15, "severe_from": 15})


# C-SSRS screener -- Columbia triage: 1-2 low, 3 or lifetime behaviour moderate, 4/5/recent
# behaviour high; items 3-5 asked only after a "yes" to item 2.
@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        ([0, 0, None, None, None, 0, None], "No risk identified"),
        ([1, 0, None, None, None, 0, None], "Low risk"),
        ([1, 1, 0, 0, 0, 0, None], "Low risk"),
        ([1, 1, 1, 0, 0, 0, None], "Moderate risk"),
        ([0, 0, None, None, None, 1, 0], "Moderate risk"),
        ([1, 1, 0, 1, 0, 0, None], "High risk"),
        ([1, 1, 1, 1, 1, 0, None], "High risk"),
        ([0, 0, None, None, None, 1, 1], "High risk"),
    ],
)
def test_cssrs_screener_risk_tiers_follow_columbia_triage(answers: list[int | None], tier: str) -> None:
    result = score("c-ssrs-screener", answers)
    assert result.total is None and result.band and result.band.label == tier
    assert (result.flag("suicide-risk") is not None) == (tier != "No risk identified")


def test_cssrs_high_risk_flag_is_urgent_and_a_skipped_item_cannot_be_answered() -> None:
    flag = score("c-ssrs-screener", [1, 1, 0, 1, 0, 0, None]).flag("suicide-risk")
    assert flag is not None and flag.severity is FlagSeverity.URGENT
    with pytest.raises(UnexpectedAnswer) as raised:
        score("c-ssrs-screener", [1, 0, 1, None, None, 0, None])
    assert raised.value.position == 3


# BAM -- Cacciola et al. 2013 / VA scoring: Use 4+5+6; Risk 1,2,3,8,11,15; Protective
# 9,10,12,13,14,16; item 7A-G and 17 in no subscale.
def test_bam_subscales_sum_the_published_items() -> None:
    labels = [item.label for item in get_instrument("bam").items]
    answers: list[int | None] = [0] * len(labels)
    for label, value in {
        "1": 1,
        "2": 2,
        "3": 3,
        "8": 4,
        "11": 1,
        "15": 2,  # risk 13
        "9": 4,
        "10": 1,
        "12": 2,
        "13": 3,
        "14": 1,
        "16": 4,  # protective 18
        "17": 4,
    }.items():
        answers[labels.index(label)] = value
    for label in "ABCDEFG":  # item 6 = 0 days, so 7A-G are skipped
        answers[labels.index(f"7{label}")] = None
    result = score("bam", answers)
    subs = {s.key: s.score for s in result.subscales}
    assert subs == {"use": 0, "risk": 13, "protective": 18}  # item 14 "Yes" scores 4
    assert result.total is None and result.flags == ()


def test_bam_any_use_is_flagged_and_asks_items_7a_to_7g() -> None:
    labels = [item.label for item in get_instrument("bam").items]
    answers: list[int | None] = [0] * len(labels)
    answers[labels.index("6")] = 1
    result = score("bam", answers)
    assert result.flag("substance-use-reported") is not None


# Session scales.
def test_moaas_0_is_flagged_as_loss_of_consciousness() -> None:
    assert score("moaas", [0]).flag("loss-of-consciousness") is not None
    assert score("moaas", [5]).flags == ()


@pytest.mark.parametrize("instrument_id", ["aldrete", "padss"])
def test_discharge_scores_need_9_or_more(instrument_id: str) -> None:
    assert score(instrument_id, [2, 2, 2, 2, 1]).band.label.startswith(("Meets", "Fit"))  # type: ignore[union-attr]
    assert score(instrument_id, [2, 2, 2, 1, 1]).band.label.startswith("Not")  # type: ignore[union-attr]


def test_cadss6_ranges_0_to_24_and_needs_clinic_permission() -> None:
    instrument = get_instrument("cadss-6")
    assert instrument.total_range == (0, 24)
    assert instrument.licence.requires_permission
    assert all(item.paraphrase for item in instrument.items)


def test_numeric_items_take_the_value_not_a_position() -> None:
    assert score("craving-vas", [73]).total == 73
    assert score("craving-vas", [73]).band is None  # no published bands
    assert score("readiness-ruler", [10]).total == 10


def test_unknown_licences_require_permission_and_free_ones_do_not() -> None:
    assert get_instrument("cows").licence.kind is LicenceKind.UNKNOWN
    assert get_instrument("cows").licence.requires_permission
    assert not get_instrument("phq-9").licence.requires_permission
    assert not get_instrument("dast-10").licence.requires_permission  # non-commercial clinical use


def test_bool_answers_are_refused_rather_than_read_as_positions() -> None:
    from ketacare.instruments import AnswerOutOfRange

    with pytest.raises(AnswerOutOfRange):
        score("audit-c", [True, 0, 0])  # type: ignore[list-item]
