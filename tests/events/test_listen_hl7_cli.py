"""``redbag listen-hl7``: the listener on its own, answered by mllp_send, stopped cleanly by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from adapter.cli import main
from tests.events.helpers import mllp_send
from tests.hl7v2.messages import example
from tests.service.process import ROOT, free_port


def test_listen_hl7_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REDBAG_")},
        "REDBAG_AUTH": "off",
        "REDBAG_DATABASE_URL": f"sqlite:///{tmp_path / 'redbag.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "adapter.cli", "listen-hl7", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        lines = iter(process.stderr.readline, b"")
        assert any(f"redbag listen-hl7: listening on 127.0.0.1:{port}" in line.decode() for line in lines)
        acks = mllp_send(port, example("A01-admit"), example("A01-admit"), tmp=tmp_path)
        assert acks[0] == "MSA|AA|RZZ01-000101|event stored and applied"
        assert acks[1].startswith("MSA|AA|RZZ01-000101|message already received")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        if process.stderr is not None:
            process.stderr.close()


def test_listen_hl7_refuses_bad_settings(monkeypatch: object, capsys: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("REDBAG_AUTH", "off")
    monkeypatch.setenv("REDBAG_HL7_FIELDS", "RZZ01 admit-source=PID-3")
    assert main(["listen-hl7"]) == 2
    assert "REDBAG_HL7_FIELDS" in capsys.readouterr().err  # type: ignore[attr-defined]


def test_listen_hl7_help_has_an_example(capsys: object) -> None:
    import pytest

    with pytest.raises(SystemExit) as done:
        main(["listen-hl7", "--help"])
    assert done.value.code == 0
    assert "mllp_send --loose --file examples/hl7v2/A01-admit.hl7" in capsys.readouterr().out  # type: ignore[attr-defined]
