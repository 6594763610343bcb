"""Suite-wide fixtures: the real servers the tests need, each started once per session."""

from tests.fixtures_hapi import hapi_base_url  # noqa: F401  (pytest fixture)
