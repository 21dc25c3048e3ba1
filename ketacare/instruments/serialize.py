"""Plain-dict views of definitions, for JSON (CLI `show`, the API's `instruments` resource)."""

from __future__ import annotations

from typing import Any

from .model import Band, Instrument, Item, ScoringContext, Sex, band_to_dict


def item_to_dict(position: int, item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {
        "position": position,
        "label": item.label,
        "text": item.text,
        "paraphrase": item.paraphrase,
        "scored": item.scored,
        "reverse_scored": item.reverse_scored,
        "type": "numeric" if item.is_numeric else "choice",
    }
    if item.is_numeric:
        data.update(
            minimum=item.minimum,
            maximum=item.maximum,
            unit=item.unit,
            anchors=list(item.anchors) if item.anchors else None,
        )
    else:
        # Display order; the answer to this item is the index into this list.
        data["options"] = [
            {"position": i, "label": option.label, "score": option.score}
            for i, option in enumerate(item.options)
        ]
    if item.asked_if:
        data["asked_if"] = {"item": item.asked_if.item, "scores": sorted(item.asked_if.scores)}
    if item.note:
        data["note"] = item.note
    return data


def summary_to_dict(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "abbreviation": instrument.abbreviation,
        "name": instrument.name,
        "measures": instrument.measures,
        "recall_period": instrument.recall_period,
        "administration": instrument.administration.value,
        "items": len(instrument.items),
        "total_range": list(instrument.total_range) if instrument.total_range else None,
        "licence": instrument.licence.kind.value,
        "requires_permission": instrument.licence.requires_permission,
    }


def _bands_by_sex(instrument: Instrument) -> dict[str, list[dict[str, Any]]]:
    """For bands that depend on sex (AUDIT-C): the bands at the default thresholds."""
    if instrument.bands_rule is None or not instrument.uses_sex:
        return {}
    result = {}
    for key, sex in (("female", Sex.FEMALE), ("male", Sex.MALE), ("unspecified", None)):
        context = ScoringContext((), None, {}, instrument.threshold_defaults, sex)
        result[key] = [band_to_dict(b) for b in instrument.bands_rule(context)]
    return result


def _default_bands(instrument: Instrument) -> tuple[Band, ...]:
    """Static bands, or the bands at the default thresholds (sex unspecified)."""
    if instrument.bands_rule is None:
        return instrument.bands
    return instrument.bands_rule(ScoringContext((), None, {}, instrument.threshold_defaults, None))


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    data = summary_to_dict(instrument)
    lic = instrument.licence
    data.update(
        items=[item_to_dict(i, item) for i, item in enumerate(instrument.items, start=1)],
        item_count=len(instrument.items),
        has_total=instrument.has_total,
        bands=[band_to_dict(b) for b in _default_bands(instrument)],
        bands_depend_on=(["sex", "thresholds"] if instrument.bands_rule else []),
        bands_by_sex=_bands_by_sex(instrument),
        bands_source=instrument.bands_source,
        subscales=[
            {
                "key": s.key,
                "label": s.label,
                "items": list(s.items),
                "range": list(instrument.subscale_range(s)),
                "note": s.note,
            }
            for s in instrument.subscales
        ],
        thresholds=[
            {
                "key": t.key,
                "default": t.default,
                "description": t.description,
                "source": t.source,
                "alternatives": t.alternatives,
            }
            for t in instrument.thresholds
        ],
        uses_sex=instrument.uses_sex,
        licence={
            "kind": lic.kind.value,
            "requires_permission": lic.requires_permission,
            "attribution": lic.attribution,
            "source": lic.source,
            "verified": lic.verified,
            "note": lic.note,
        },
        loinc={
            "panel": instrument.loinc.panel,
            "total": instrument.loinc.total,
            "source": instrument.loinc.source,
        },
        references=[{"text": c.text, "doi": c.doi, "url": c.url} for c in instrument.references],
        notes=list(instrument.notes),
    )
    return data
