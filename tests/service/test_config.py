"""Settings from the environment: defaults, every variable, and errors that name the variable."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from adapter import config
from adapter.config import DEFAULT_SCOPES, Settings, parse_api_keys
from adapter.errors import ConfigError
from adapter.service.auth import sha256_hash

HASH = sha256_hash("rbk_some_key")


def test_defaults_need_only_keys() -> None:
    settings = Settings.from_environ({"REDBAG_API_KEYS": f"ehr-a {HASH}"})
    assert settings.database_url == "sqlite:///redbag.db"
    assert settings.fhir_server is None
    assert settings.fhir_verify_tls is True and settings.fhir_ca_bundle is None
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.api_keys[0].client == "ehr-a" and settings.api_keys[0].scopes == DEFAULT_SCOPES


def test_every_variable_is_read(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# callers\nauditor {HASH} audit   # the auditors\n\n", "utf-8")
    settings = Settings.from_environ(
        {
            "REDBAG_DATABASE_URL": "postgresql://redbag@db/redbag",
            "REDBAG_FHIR_SERVER": "https://fhir.example.nhs.uk/R4/",
            "REDBAG_FHIR_TOKEN": "t0ken",
            "REDBAG_FHIR_VERIFY_TLS": "true",
            "REDBAG_FHIR_CA_BUNDLE": str(keys),  # any file will do here
            "REDBAG_FHIR_TIMEOUT": "12.5",
            "REDBAG_API_KEYS": f"ehr-a {HASH} send; ehr-b {HASH} send,pull",
            "REDBAG_API_KEYS_FILE": str(keys),
            "REDBAG_MAX_BODY_BYTES": "65536",
            "REDBAG_VALIDATE_TRANSFERS": "off",
            "REDBAG_DELIVERY_THREADS": "0",
            "REDBAG_DELIVERY_DEADLINE_HOURS": "36",
            "REDBAG_DELIVERY_LEASE_SECONDS": "30",
            "REDBAG_DELIVERY_POLL_SECONDS": "0.5",
            "REDBAG_DELIVERY_BACKOFF_SECONDS": "1",
            "REDBAG_DELIVERY_MAX_BACKOFF": "60",
            "REDBAG_LOG_LEVEL": "WARNING",
        }
    )
    assert settings.fhir_server == "https://fhir.example.nhs.uk/R4"
    assert settings.fhir_ca_bundle == str(keys)
    assert [(k.client, sorted(k.scopes)) for k in settings.api_keys] == [
        ("ehr-a", ["send"]),
        ("ehr-b", ["pull", "send"]),
        ("auditor", ["audit"]),
    ]
    assert (settings.max_body_bytes, settings.validate_transfers, settings.log_level) == (
        65536,
        False,
        "warning",
    )
    d = settings.delivery
    assert (
        d.threads,
        d.deadline_hours,
        d.lease_seconds,
        d.poll_seconds,
        d.backoff_seconds,
        d.max_backoff_seconds,
    ) == (
        0,
        36.0,
        30.0,
        0.5,
        1.0,
        60.0,
    )
    assert "t0ken" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "no API keys configured"),
        ({"REDBAG_API_KEYS": "ehr-a rbk_plain_key"}, "never in plain"),
        ({"REDBAG_API_KEYS": f"ehr-a {HASH} root"}, "unknown scope 'root'"),
        ({"REDBAG_API_KEYS": f"home {HASH} subscribe"}, "subscribe scope names its organisations: ods="),
        ({"REDBAG_API_KEYS": f"home {HASH} subscribe ods=vn4r7"}, "'vn4r7' is not an ODS code"),
        ({"REDBAG_DELIVERY_MAX_ATTEMPTS": "10"}, "REDBAG_DELIVERY_DEADLINE_HOURS"),
        ({"REDBAG_LOG_FORMAT": "xml"}, "REDBAG_LOG_FORMAT"),
        ({"REDBAG_API_KEYS": f"ehr-a {HASH}; ehr-a {HASH}"}, "configured more than once"),
        ({"REDBAG_API_KEYS": "ehr-a"}, "entry 1: expected `client hash [scopes] [ods=CODE,...]`"),
        ({"REDBAG_API_KEYS_FILE": "/nonexistent/keys"}, "REDBAG_API_KEYS_FILE: cannot read"),
        ({"REDBAG_DATABASE_URL": "mysql://x"}, "REDBAG_DATABASE_URL"),
        ({"REDBAG_FHIR_SERVER": "ftp://x"}, "REDBAG_FHIR_SERVER"),
        ({"REDBAG_MAX_BODY_BYTES": "lots"}, "REDBAG_MAX_BODY_BYTES: 'lots' is not a whole number"),
        ({"REDBAG_FHIR_VERIFY_TLS": "maybe"}, "REDBAG_FHIR_VERIFY_TLS: 'maybe' is not true/false"),
        ({"REDBAG_DELIVERY_LEASE_SECONDS": "0"}, "REDBAG_DELIVERY_LEASE_SECONDS: must be greater than 0"),
        ({"REDBAG_LOG_LEVEL": "chatty"}, "REDBAG_LOG_LEVEL"),
        (
            {"REDBAG_FHIR_CA_BUNDLE": "/nonexistent/ca.pem"},
            "REDBAG_FHIR_CA_BUNDLE: /nonexistent/ca.pem is not a file",
        ),
    ],
)
def test_bad_settings_name_the_culprit(environ: dict[str, str], named: str) -> None:
    base = {} if "REDBAG_API_KEYS" in environ or not environ else {"REDBAG_API_KEYS": f"ehr-a {HASH}"}
    with pytest.raises(ConfigError) as caught:
        Settings.from_environ(base | environ)
    assert named in str(caught.value)


def test_auth_off_needs_no_keys() -> None:
    assert not Settings.from_environ({"REDBAG_AUTH": "off"}).auth_enabled


def test_key_entries_allow_comments_and_blank_lines() -> None:
    assert parse_api_keys("\n# nothing\n  \n", "file") == []


def test_every_setting_is_documented_and_every_documented_setting_is_read() -> None:
    documented = set(re.findall(r"^(REDBAG_[A-Z_]+)\s", config.__doc__ or "", flags=re.MULTILINE))
    read = set(re.findall(r'"(REDBAG_[A-Z_]+)"', inspect.getsource(Settings.from_environ)))
    assert documented == read
    assert len(read) >= 17
