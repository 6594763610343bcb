#!/usr/bin/env python3
"""Start, stop and query a local HAPI FHIR JPA server (R4, H2) for redbag's tests.

    testserver/hapi/hapi.py start [--port 0] [--conformance DIR]... [--state DIR]
    testserver/hapi/hapi.py status [--state DIR]
    testserver/hapi/hapi.py stop [--state DIR]
    testserver/hapi/hapi.py build     # mvn package + a class-data-sharing archive (faster starts)

``start`` builds the server if needed (``mvn package``, offline once the first fetch is done),
launches it on 127.0.0.1 (a free port unless ``--port``) with its H2 database in a fresh
temporary folder, waits until ``GET /fhir/metadata`` answers and prints the base URL on stdout
(progress goes to stderr), so ``BASE=$(testserver/hapi/hapi.py start)`` works. ``stop`` ends
that server (by the process id it recorded) and removes its temporary data. The state folder
(default ``$REDBAG_HAPI_STATE`` or ``<tmp>/redbag-hapi``) lets several servers run side by side.

Only the standard library is used, so CI can call it before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "target"
JAR = TARGET / "redbag-hapi.jar"
LIB = TARGET / "lib"
CDS_ARCHIVE = TARGET / "redbag-hapi.jsa"
MAIN_CLASS = "uk.redbag.hapi.RedbagHapiServer"
# Modest heap; SerialGC keeps the footprint small on a 2-core CI box.
DEFAULT_JAVA_OPTS = ("-Xmx1g", "-XX:+UseSerialGC")
STATE_FILE = "server.json"


def log(message: str) -> None:
    """Progress for humans, on stderr (stdout carries only the base URL)."""
    print(f"hapi: {message}", file=sys.stderr, flush=True)


def default_state_dir() -> Path:
    """Where the running server's pid and URL are recorded."""
    env = os.environ.get("REDBAG_HAPI_STATE")
    return Path(env) if env else Path(tempfile.gettempdir()) / "redbag-hapi"


def build_inputs() -> list[Path]:
    """Files whose change means the server must be rebuilt."""
    return [HERE / "pom.xml", *sorted((HERE / "src").rglob("*"))]


def needs_build() -> bool:
    """True when the jar or its libraries are missing or older than a source file."""
    if not JAR.exists() or not LIB.is_dir():
        return True
    built = JAR.stat().st_mtime
    return any(p.is_file() and p.stat().st_mtime > built for p in build_inputs())


def build(force: bool = False) -> None:
    """``mvn package``: offline first (works once ~/.m2 holds the artifacts), then online."""
    if not force and not needs_build():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SystemExit("hapi: Maven (mvn) is not on PATH; install it (e.g. apt-get install maven)")
    started = time.monotonic()
    log("building the server (mvn package) ...")
    CDS_ARCHIVE.unlink(missing_ok=True)  # a class-data archive is tied to the jars it was made from
    for offline in (True, False):
        cmd = [mvn, "-q", "-B", *(["-o"] if offline else []), "package"]
        done = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            log(f"built in {time.monotonic() - started:.1f}s")
            return
    sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
    raise SystemExit("hapi: mvn package failed (see above)")


def train_class_data_archive() -> None:
    """Run the server once through the paths the tests use and keep the classes it loaded as a
    class-data-sharing archive: later starts skip parsing them (a few seconds faster)."""
    CDS_ARCHIVE.unlink(missing_ok=True)
    os.environ["REDBAG_HAPI_JAVA_OPTS"] = (
        os.environ.get("REDBAG_HAPI_JAVA_OPTS", "") + f" -XX:ArchiveClassesAtExit={CDS_ARCHIVE}"
    )
    state_dir = Path(tempfile.mkdtemp(prefix="redbag-hapi-train-"))  # never reuse a running server
    profiles = HERE.parents[1] / "profiles"
    base_url = start(state_dir, 0, [profiles] if any(profiles.glob("*.json")) else [], timeout=600.0)
    transaction = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": "urn:train", "value": "1"}],
                },
                "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=urn:train|1"},
            }
        ],
    }
    for path, body in (("", transaction), ("Patient/$validate", {"resourceType": "Patient"})):
        request = urllib.request.Request(
            f"{base_url}/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/fhir+json"},
        )
        urllib.request.urlopen(request, timeout=300).read()
    urllib.request.urlopen(f"{base_url}/Patient?identifier=urn:train|&_count=1", timeout=60).read()
    stop(state_dir, grace=300.0)
    shutil.rmtree(state_dir, ignore_errors=True)
    log(f"class-data archive {'written' if CDS_ARCHIVE.exists() else 'NOT written'}: {CDS_ARCHIVE}")


def read_state(state_dir: Path) -> dict[str, object] | None:
    """The recorded server, or None."""
    try:
        state: dict[str, object] = json.loads((state_dir / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return state


def pid_alive(pid: int) -> bool:
    """True while the process exists (and is not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def metadata_ok(base_url: str, timeout: float = 10.0) -> bool:
    """True when ``GET {base}/metadata`` answers 200 with a CapabilityStatement."""
    request = urllib.request.Request(f"{base_url}/metadata", headers={"Accept": "application/fhir+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False
    return isinstance(body, dict) and body.get("resourceType") == "CapabilityStatement"


def java_command(port: int, data_dir: Path, conformance: list[Path], ready: Path) -> list[str]:
    """The JVM command line (with the class-data sharing archive when `build` made one)."""
    java = shutil.which("java")
    if java is None:
        raise SystemExit("hapi: Java 17+ is not on PATH; install it (e.g. apt-get install openjdk-17-jdk)")
    extra = os.environ.get("REDBAG_HAPI_JAVA_OPTS", "").split()
    cds = [f"-XX:SharedArchiveFile={CDS_ARCHIVE}", "-Xlog:cds=off"] if CDS_ARCHIVE.exists() else []
    cmd = [java, *DEFAULT_JAVA_OPTS, *cds, *extra, "-cp", f"{JAR}{os.pathsep}{LIB}/*", MAIN_CLASS]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--data", str(data_dir), "--ready-file", str(ready)]
    for folder in conformance:
        cmd += ["--conformance", str(folder)]
    return cmd


def start(state_dir: Path, port: int, conformance: list[Path], timeout: float) -> str:
    """Start a server (or reuse the running one recorded in state_dir); return its base URL."""
    state = read_state(state_dir)
    if state and pid_alive(int(str(state["pid"]))) and metadata_ok(str(state["base_url"])):
        log(f"already running (pid {state['pid']})")
        return str(state["base_url"])
    build()
    state_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="redbag-hapi-data-"))
    ready = data_dir / "ready"
    log_path = data_dir / "server.log"
    started = time.monotonic()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            java_command(port, data_dir, conformance, ready),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # not killed by the caller's Ctrl-C; `stop` ends it
        )
    record = {"pid": process.pid, "data_dir": str(data_dir), "log": str(log_path), "base_url": ""}
    (state_dir / STATE_FILE).write_text(json.dumps(record), "utf-8")
    base_url = wait_until_ready(process, ready, log_path, started + timeout)
    seconds = time.monotonic() - started
    record |= {"base_url": base_url, "startup_seconds": round(seconds, 2)}
    (state_dir / STATE_FILE).write_text(json.dumps(record), "utf-8")
    log(f"ready at {base_url} in {seconds:.1f}s (pid {process.pid}, log {log_path})")
    return base_url


def wait_until_ready(process: subprocess.Popen[bytes], ready: Path, log_path: Path, deadline: float) -> str:
    """Wait for the ready file, then for /metadata; fail with the log's tail if the JVM dies."""
    base_url = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text("utf-8", errors="replace")[-4000:]
            raise SystemExit(f"hapi: server exited with {process.returncode} while starting:\n{tail}")
        if not base_url and ready.exists():
            base_url = ready.read_text("utf-8").strip()
        if base_url and metadata_ok(base_url, timeout=30):
            return base_url
        time.sleep(0.25)
    process.terminate()
    raise SystemExit(f"hapi: not ready before the timeout; see {log_path}")


def stop(state_dir: Path, grace: float = 30.0) -> bool:
    """Stop the recorded server and delete its data; False when none was running."""
    state = read_state(state_dir)
    if state is None:
        return False
    pid = int(str(state["pid"]))
    was_running = pid_alive(pid)
    if was_running:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    data_dir = Path(str(state["data_dir"]))
    shutil.rmtree(data_dir, ignore_errors=True)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    return was_running


def status(state_dir: Path) -> dict[str, object] | None:
    """The running server's record, or None."""
    state = read_state(state_dir)
    if state and pid_alive(int(str(state["pid"]))) and metadata_ok(str(state["base_url"])):
        memory = {"VmRSS": 0, "VmHWM": 0}
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{state['pid']}/status").read_text().splitlines():
                name, _, value = line.partition(":")
                if name in memory:
                    memory[name] = int(value.split()[0])
        return state | {"rss_mb": memory["VmRSS"] // 1024, "peak_rss_mb": memory["VmHWM"] // 1024}
    return None


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: start | stop | status | build."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("start", "stop", "status", "build"))
    parser.add_argument("--state", type=Path, default=default_state_dir(), help="state folder")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument(
        "--conformance",
        type=Path,
        action="append",
        default=[],
        help="folder of JSON StructureDefinitions/ValueSets/CodeSystems to load (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for start-up")
    parser.add_argument("--json", action="store_true", help="status/start: print the record as JSON")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(force=True)
        train_class_data_archive()
        return 0
    if args.command == "start":
        base_url = start(args.state, args.port, [p.resolve() for p in args.conformance], args.timeout)
        print(json.dumps(read_state(args.state)) if args.json else base_url, flush=True)
        return 0
    if args.command == "stop":
        log("stopped" if stop(args.state) else "not running")
        return 0
    record = status(args.state)
    if record is None:
        print("stopped")
        return 3
    print(
        json.dumps(record)
        if args.json
        else f"running {record['base_url']} (pid {record['pid']}, "
        f"RSS {record['rss_mb']} MB, peak {record['peak_rss_mb']} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
