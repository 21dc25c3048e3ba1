"""Interoperability: the record as FHIR R4 resources (fhir.resources, R4B package)."""
