"""Shared fixture: one loaded validator per session (R4 core and packages from the package cache)."""

from __future__ import annotations

import pytest

from adapter.errors import PackageError
from adapter.validation import Options, Validator


@pytest.fixture(scope="session")
def validator() -> Validator:
    """R4 core + packages, without the project's profiles (tests craft their own, on example.org: so
    example URLs are allowed here; tests of the default pass ``options=Options()``)."""
    try:
        return Validator.load(profiles_dir=None, options=Options(allow_examples=True))
    except PackageError as exc:
        pytest.skip(f"FHIR packages are not installed ({exc}); run `redbag packages install`")
