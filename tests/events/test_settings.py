"""The pathway's settings from the environment, and errors that name the variable."""

from __future__ import annotations

import pytest

from adapter.config import Settings, TrustFields
from adapter.errors import ConfigError
from adapter.service.auth import sha256_hash

KEYS = {"REDBAG_API_KEYS": f"hospital {sha256_hash('rbk_x')} events"}


def test_pathway_settings_are_read() -> None:
    settings = Settings.from_environ(
        KEYS
        | {
            "REDBAG_HL7_PORT": "2575",
            "REDBAG_HL7_HOST": "0.0.0.0",
            "REDBAG_HL7_TIMEZONE": "Europe/Dublin",
            "REDBAG_HL7_FIELDS": "RZZ01 admit-source=PV1-15 discharge-destination=PV2-30.1; "
            "* admit-source=PV1-14",
            "REDBAG_HL7_MAX_MESSAGE_BYTES": "65536",
            "REDBAG_FHIR_EVENT_SOURCES": "hapi=http://127.0.0.1:8080/fhir/; sekmet=https://sekmet.example/fhir",
            "REDBAG_MATCH_HOURS": "24",
            "REDBAG_VISIT_HOURS": "72",
            "REDBAG_VISIT_SWEEP_SECONDS": "5",
            "REDBAG_PUBLIC_URL": "https://redbag.example/",
            "REDBAG_NOTIFY_THREADS": "4",
            "REDBAG_NOTIFY_TIMEOUT": "3",
            "REDBAG_NOTIFY_BACKOFF_SECONDS": "1",
            "REDBAG_NOTIFY_MAX_BACKOFF": "60",
        }
    )
    hl7, pathway = settings.hl7, settings.pathway
    assert (hl7.port, hl7.host, hl7.timezone, hl7.max_message_bytes) == (
        2575,
        "0.0.0.0",
        "Europe/Dublin",
        65536,
    )
    assert hl7.fields_for("RZZ01") == TrustFields("RZZ01", "PV1-15", "PV2-30.1")
    assert hl7.fields_for("RXX99") == TrustFields("*", "PV1-14", "PV1-37"), "the * entry for any other trust"
    assert pathway.fhir_source("hapi") == "http://127.0.0.1:8080/fhir" and pathway.fhir_source("x") is None
    assert (pathway.match_hours, pathway.visit_hours, pathway.visit_sweep_seconds) == (24, 72, 5)
    assert pathway.public_url == "https://redbag.example"
    assert (pathway.notify_threads, pathway.notify_timeout) == (4, 3)
    assert (pathway.notify_backoff_seconds, pathway.notify_max_backoff_seconds) == (1, 60)


def test_the_listener_is_off_unless_a_port_is_set() -> None:
    settings = Settings.from_environ(KEYS)
    assert settings.hl7.port is None and settings.hl7.fields_for("RZZ01") == TrustFields()


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"REDBAG_HL7_FIELDS": "RZZ01 admit-source=PID-3"}, "REDBAG_HL7_FIELDS: entry 1 (RZZ01)"),
        ({"REDBAG_HL7_FIELDS": "RZZ01 admit=PV1-14"}, "REDBAG_HL7_FIELDS"),
        ({"REDBAG_HL7_FIELDS": "RZZ01; RZZ01"}, "configured more than once"),
        ({"REDBAG_HL7_TIMEZONE": "Mars/Olympus"}, "REDBAG_HL7_TIMEZONE"),
        ({"REDBAG_HL7_PORT": "-1"}, "REDBAG_HL7_PORT"),
        ({"REDBAG_FHIR_EVENT_SOURCES": "HAPI=http://x"}, "REDBAG_FHIR_EVENT_SOURCES"),
        ({"REDBAG_FHIR_EVENT_SOURCES": "hapi=ftp://x"}, "REDBAG_FHIR_EVENT_SOURCES"),
        ({"REDBAG_VISIT_HOURS": "0"}, "REDBAG_VISIT_HOURS"),
    ],
)
def test_bad_pathway_settings_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_environ(KEYS | environ)
