"""A sub-command loads only its own module: `redbag convert` starts without the service, the store or the
validator's engine, and every command is still reached by its name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from adapter.cli import COMMANDS, _module_of, build_parser


def test_every_command_name_leads_to_its_own_module() -> None:
    full = build_parser()
    names = next(a for a in full._actions if a.dest == "command").choices
    assert names is not None
    assert {_module_of(name) for name in names} == set(COMMANDS)
    for name in names:
        only = build_parser(_module_of(name))
        assert list(next(a for a in only._actions if a.dest == "command").choices or []) == [name]


@pytest.mark.parametrize("word", ["--help", "--version", "no-such-command", "return_journey"])
def test_anything_else_gets_the_whole_parser(word: str) -> None:
    assert _module_of(word) is None


def test_convert_starts_without_the_service_store_or_validation_engine() -> None:
    code = (
        "import sys\n"
        "from adapter.cli import main\n"
        "try:\n"
        "    main(['convert', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('adapter.')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = out.strip().splitlines()[-1]
    for heavy in ("service", "store", "measures", "validation", "exchange"):
        assert f"'{heavy}'" not in loaded, loaded
