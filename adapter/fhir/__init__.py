"""FHIR plumbing: deterministic ids, JSON and XML (de)serialisation, structural checks with R4B models.

This is the only package that imports ``fhir.resources`` (R4 traffic through its R4B models) and lxml
for FHIR XML.
"""
