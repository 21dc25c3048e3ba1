"""Part 2 status on exported FHIR resources, and the notice a disclosed resource carries.

Every record KetaCare keeps comes from a substance-use-disorder programme, so every exported
resource is labelled as Part 2 data in `meta.security` (a clinic that is also a general practice
keeps these apart from its other records by these labels).  Codes, checked against the R4 spec's
code systems (hl7.org/fhir/R4/v3/ActCode/cs.html, .../v3/Confidentiality/cs.html):
- v3-Confidentiality `R` "restricted";
- v3-ActCode `42CFRPart2` "42 CFR Part2" (ActPrivacyLaw: the legal provision);
- v3-ActCode `ETH` "substance abuse information sensitivity" (ActInformationSensitivityPolicy).

A disclosed resource also carries the clinic's pasted §2.32 notice as an extension on its `meta`
(NOTICE_EXTENSION) and the Disclosure id (DISCLOSURE_EXTENSION), so the notice travels inside the
data, whatever the transport; the HTTP response adds the `X-Part2-Disclosure` header.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.resource import Resource

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PART2_LABELS: tuple[dict[str, str], ...] = (
    {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"},
    {"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"},
    {"system": ACT_CODE, "code": "ETH", "display": "substance abuse information sensitivity"},
)
NOTICE_EXTENSION = "urn:ketacare:fhir:extension:part2-disclosure-notice"
DISCLOSURE_EXTENSION = "urn:ketacare:fhir:extension:part2-disclosure-id"


def labelled_dict(
    data: dict[str, Any], *, notice: str = "", disclosure_id: int | None = None
) -> dict[str, Any]:
    """The resource's JSON with the Part 2 labels (and, for a disclosure, the notice) on its meta."""
    meta = dict(data.get("meta") or {})
    security = list(meta.get("security") or [])
    for label in PART2_LABELS:
        if not any(s.get("system") == label["system"] and s.get("code") == label["code"] for s in security):
            security.append(dict(label))
    meta["security"] = security
    if notice:
        extensions = [
            e
            for e in meta.get("extension") or []
            if e.get("url") not in (NOTICE_EXTENSION, DISCLOSURE_EXTENSION)
        ]
        extensions.append({"url": NOTICE_EXTENSION, "valueString": notice})
        if disclosure_id is not None:
            extensions.append({"url": DISCLOSURE_EXTENSION, "valueString": str(disclosure_id)})
        meta["extension"] = extensions
    return {**data, "meta": meta}


def labelled(resource: Resource, *, notice: str = "", disclosure_id: int | None = None) -> Resource:
    """A validated copy of the resource (a Bundle's entries too) carrying the labels."""
    data = resource.model_dump(mode="json", exclude_none=True)
    if data.get("resourceType") == "Bundle":
        data["entry"] = [
            {**e, "resource": labelled_dict(e["resource"], notice=notice, disclosure_id=disclosure_id)}
            for e in data.get("entry") or []
        ]
    out = labelled_dict(data, notice=notice, disclosure_id=disclosure_id)
    return type(resource).model_validate(out)
