"""Suite-wide fixtures: the real servers the tests need, each started once per session."""

from tests.fixtures_hapi import fhir, hapi_base_url  # noqa: F401  (pytest fixtures)
from tests.fixtures_helios import helios_base_url, helios_without_identifier_search_url  # noqa: F401
from tests.fixtures_postgres import postgres_schema_url, postgres_url  # noqa: F401  (pytest fixtures)
from tests.fixtures_sekmet import sekmet_base_url  # noqa: F401  (pytest fixture)
