"""The outcomes charts: one time axis for every chart of a page (a session at the same x on all of
them), titles, axis labels and named bands in text, test results on the use chart, and text that
stays readable on a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.outcomes import charts, services
from ketacare.testing import client_for

from .conftest import PHQ9_NO_RISK

UTC = dt.UTC


def test_the_axis_places_a_time_by_its_fraction_of_the_span_and_clamps_outside_it() -> None:
    axis = charts.TimeAxis(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 11, tzinfo=UTC))
    assert axis.x(dt.datetime(2026, 1, 6, tzinfo=UTC)) == charts.PLOT_W / 2
    assert axis.x(dt.datetime(2025, 12, 1, tzinfo=UTC)) == 0
    assert axis.x(dt.datetime(2026, 2, 1, tzinfo=UTC)) == charts.PLOT_W


def test_long_spans_are_labelled_by_month_and_short_ones_by_monday_at_most_eight_labels() -> None:
    year = charts.TimeAxis(dt.datetime(2025, 11, 15, tzinfo=UTC), dt.datetime(2026, 4, 20, tzinfo=UTC))
    assert [label for _, label in year.ticks()] == ["Dec 2025", "Jan 2026", "Feb", "Mar", "Apr"]
    month = charts.TimeAxis(dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 3, 31, tzinfo=UTC))
    ticks = month.ticks()
    assert all(at.weekday() == 0 for at, _ in ticks) and [label for _, label in ticks][0] == "02 Mar"
    decade = charts.TimeAxis(dt.datetime(2016, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC))
    assert len(decade.ticks()) <= 8


def test_an_axis_without_data_or_shorter_than_a_day_is_still_a_day_wide() -> None:
    end = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert charts.TimeAxis.spanning([], start=None, end=end).start == end - dt.timedelta(days=1)
    assert charts.TimeAxis.spanning([end], start=end, end=end).end - end == dt.timedelta(0)


def test_a_chart_writes_its_title_axis_label_and_band_names_as_text_and_escapes_them() -> None:
    at = dt.datetime(2026, 3, 2, tzinfo=UTC)
    html = charts.render(
        charts.Chart(
            title="PHQ-9 <b>",
            y_label="Total score (0-27)",
            points=[charts.Point(at, 12, "2 Mar: 12")],
            y_range=(0, 27),
            bands=[charts.BandArea("Moderate", 10, 14)],
        ),
        charts.TimeAxis(at - dt.timedelta(days=30), at),
    )
    assert '<figcaption class="trend-title">PHQ-9 &lt;b&gt;</figcaption>' in html
    assert '<span class="y-label">Total score (0-27)</span>' in html
    assert ">Moderate</text>" in html and "<b>" not in html
    assert "style=" not in html  # the strict CSP forbids inline styles


def _marker_xs(page: str, chart_id: str, kind: str) -> list[str]:
    chart = page.split(f'data-testid="chart-{chart_id}"')[1].split("</figure>")[0]
    return re.findall(rf'class="marker marker-{kind}" x1="([0-9.]+)"', chart)


def test_every_chart_of_the_outcomes_page_marks_a_treatment_at_the_same_x(
    nurse, patient_user, patient
) -> None:
    from ketacare.patients import services as patients

    today = timezone.localdate()
    patients.add_medication(
        by=nurse,
        patient=patient,
        name="Buprenorphine",
        drug_class="buprenorphine",
        started_on=today - dt.timedelta(days=20),
    )
    services.record_response(
        by=nurse,
        patient=patient,
        instrument_id="phq-9",
        answers=PHQ9_NO_RISK,
        answered_at=timezone.now() - dt.timedelta(days=40),
    )
    services.record_daily_report(by=patient_user, patient=patient, mood_0_10=6, craving_0_100=30)
    services.record_substance_use(by=nurse, patient=patient, day=today, substance="opioids", used=False)
    for url, user in (
        (reverse("outcomes:patient", args=[patient.pk]), nurse),
        (reverse("outcomes:portal_trends"), patient_user),
    ):
        page = client_for(user).get(url).content.decode()
        xs = {
            chart_id: _marker_xs(page, chart_id, "mat")
            for chart_id in ("phq-9", "craving-vas", "mood", "use-days")
        }
        assert all(len(found) == 1 for found in xs.values()), xs
        assert len({found[0] for found in xs.values()}) == 1, xs  # one axis: one x
        assert "MAT started, changed or stopped" in page  # the legend names what is drawn


def test_a_test_result_is_a_dot_on_the_use_chart_named_in_the_legend(nurse, patient) -> None:
    services.record_substance_use(
        by=nurse, patient=patient, day=timezone.localdate(), substance="opioids", used=True
    )
    services.record_lab_result(
        by=nurse,
        patient=patient,
        kind="urine-tox",
        substance="opioids",
        positive=True,
        collected_at=timezone.now() - dt.timedelta(hours=2),
    )
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    chart = page.split('data-testid="chart-use-days"')[1].split("</figure>")[0]
    assert 'class="marker marker-tox-positive"' in chart and "Urine toxicology positive (Opioids)" in chart
    assert "positive test" in page.split('data-testid="chart-legend"')[1].split("</p>")[0]


def test_heavy_drinking_days_are_a_second_line_by_the_patients_sex_and_only_where_drinks_were_counted(
    nurse, patient
) -> None:
    """Dakwar 2020: heavy is more than 4 drinks for men, more than 3 for women (ketacare.analytics.tlfb)."""
    patient.sex_at_birth = "female"
    patient.save(update_fields=["sex_at_birth"])
    today = timezone.localdate()
    for days_ago, drinks in ((1, 4), (2, 3), (3, 8)):
        services.record_substance_use(
            by=nurse,
            patient=patient,
            day=today - dt.timedelta(days=days_ago),
            substance="alcohol",
            used=True,
            standard_drinks=drinks,
        )
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    chart = page.split('data-testid="chart-use-days"')[1].split("</figure>")[0]
    assert "heavy-drinking days (dashed)" in chart and 'class="line second"' in chart
    assert ": 2 heavy-drinking days</title>" in chart  # 4 and 8 drinks are heavy for a woman; 3 is not


def test_a_week_without_counted_drinks_draws_no_heavy_drinking_line(nurse, patient) -> None:
    services.record_substance_use(
        by=nurse, patient=patient, day=timezone.localdate(), substance="cocaine", used=True
    )
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    chart = page.split('data-testid="chart-use-days"')[1].split("</figure>")[0]
    assert "heavy-drinking" not in chart and "second" not in chart


def test_a_withdrawn_test_result_is_not_drawn(nurse, patient) -> None:
    services.record_substance_use(
        by=nurse, patient=patient, day=timezone.localdate(), substance="opioids", used=True
    )
    wrong = services.record_lab_result(
        by=nurse,
        patient=patient,
        kind="urine-tox",
        substance="opioids",
        positive=True,
        collected_at=timezone.now() - dt.timedelta(hours=2),
    )
    services.mark_entry_entered_in_error(by=nurse, entry=wrong, reason="Another patient's sample")
    page = client_for(nurse).get(reverse("outcomes:patient", args=[patient.pk])).content.decode()
    assert "marker-tox-positive" not in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 320])
def test_charts_read_at_desktop_and_phone_sizes_on_one_axis(browser_page, nurse, patient, width) -> None:
    """At both sizes: nothing runs off the side, the chart text is at least 11 px, every chart's
    plot starts and ends at the same x (so a marker lines up across charts), and the data table
    is one click away."""
    from ketacare.patients import services as patients

    today = timezone.localdate()
    patients.add_medication(
        by=nurse,
        patient=patient,
        name="Naltrexone",
        drug_class="naltrexone",
        started_on=today - dt.timedelta(days=10),
    )
    for days_ago in (50, 30, 5):
        services.record_response(
            by=nurse,
            patient=patient,
            instrument_id="phq-9",
            answers=PHQ9_NO_RISK,
            answered_at=timezone.now() - dt.timedelta(days=days_ago),
        )
    services.record_substance_use(by=nurse, patient=patient, day=today, substance="opioids", used=True)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/?next=" + reverse("outcomes:patient", args=[patient.pk]))
    page.fill("#id_username", "nurse")
    page.fill("#id_password", "correct horse battery")
    page.click("button:has-text('Log in')")
    page.wait_for_selector("[data-testid=chart-phq-9] figure.trend")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('figure.trend text, .trend-title, .y-label')]"
        ".map(e => e.getBoundingClientRect().height ? parseFloat(getComputedStyle(e).fontSize) : 99))"
    )
    assert smallest >= 11
    assert page.locator("[data-testid=chart-phq-9] .trend-title").is_visible()
    assert page.locator("[data-testid=chart-phq-9] .y-label").inner_text() == "Total score (0-27)"
    edges = page.evaluate(
        "[...document.querySelectorAll('.plot-area')].map(e => {const r = e.getBoundingClientRect();"
        " return [Math.round(r.left), Math.round(r.right)]})"
    )
    assert len(edges) == 2 and edges[0] == edges[1]
    markers = page.evaluate(
        "[...document.querySelectorAll('.marker-mat')].map(e => Math.round(e.getBoundingClientRect().left))"
    )
    assert len(markers) == 2 and abs(markers[0] - markers[1]) <= 1
    page.click("[data-testid=chart-phq-9] summary")
    assert (
        page.locator("[data-testid=chart-phq-9] .chart-data tbody tr").count() == 4
    )  # 3 answers + the MAT start
    page.emulate_media(media="print")  # printed: every chart's title shown, the same text sizes
    assert page.locator(".trend-title").count() == 2 and page.locator(".trend-title").first.is_visible()
    printed = page.evaluate(
        "Math.min(...[...document.querySelectorAll('figure.trend text')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert printed >= 11
