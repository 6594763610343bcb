"""``redbag listen-hl7``: the HL7 v2 ADT listener (MLLP) on its own, with notification delivery.

``redbag serve`` runs the same listener inside the HTTP service when REDBAG_HL7_PORT is set; this
command is for a listener on a machine or process of its own, sharing the service's database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging.config
import os
import signal
import sys

from adapter.cli.common import OK, USAGE
from adapter.config import Settings
from adapter.errors import ConfigError, RedbagError

EPILOG = """\
examples:
  export REDBAG_API_KEYS="ops sha256:..."             # settings as for redbag serve (adapter/config.py)
  redbag listen-hl7 --port 2575                        # MLLP on 127.0.0.1:2575
  redbag listen-hl7 --host 0.0.0.0 --port 2575         # reachable from the trust's integration engine
  mllp_send --loose --file examples/hl7v2/A01-admit.hl7 --port 2575 127.0.0.1   # try it (hl7 package)

Every message is answered: AA once its event is stored (and applied once, whatever the repeats),
AE or AR with the reason in MSA-3 and the error condition in ERR. Per-trust field locations:
REDBAG_HL7_FIELDS; times without an offset: REDBAG_HL7_TIMEZONE (Europe/London).
exit status: 0 stopped cleanly (SIGTERM or Ctrl-C), 2 bad settings or options.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "listen-hl7",
        help="listen for HL7 v2 ADT messages (MLLP): admissions and discharges in, notifications out",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", help="address to listen on (default: REDBAG_HL7_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: REDBAG_HL7_PORT, else 2575)")
    p.set_defaults(func=run)


async def _listen(settings: Settings, host: str | None, port: int) -> None:
    from adapter.service.pathway import PathwayService
    from adapter.store import open_outbox

    outbox = await asyncio.to_thread(open_outbox, settings.database_url)
    pathway = PathwayService(settings, outbox.db)
    await asyncio.to_thread(pathway.start)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await pathway.open_listener(port=port, host=host)
    try:
        if server is not None:
            bound = server.sockets[0].getsockname()
            print(f"redbag listen-hl7: listening on {bound[0]}:{bound[1]}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        if server is not None:
            server.close()
            await server.wait_closed()
        await asyncio.to_thread(pathway.stop)
        outbox.close()


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_environ(os.environ)
    except ConfigError as exc:
        print(f"redbag listen-hl7: {exc}", file=sys.stderr)
        return USAGE
    port = (
        args.port if args.port is not None else settings.hl7.port if settings.hl7.port is not None else 2575
    )
    if not 0 <= port <= 65535:
        print("redbag listen-hl7: --port must be 0-65535", file=sys.stderr)
        return USAGE
    from adapter.service.logmask import log_config

    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    try:
        asyncio.run(_listen(settings, args.host, port))
    except RedbagError as exc:
        print(f"redbag listen-hl7: {exc}", file=sys.stderr)
        return USAGE
    return OK
