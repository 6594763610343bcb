"""redbag: care-home Red Bag resident summaries to validated FHIR R4 and back."""

__version__ = "0.1.0"
