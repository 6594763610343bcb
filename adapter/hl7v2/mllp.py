"""The MLLP listener (framing by the ``hl7`` library's asyncio streams): one task per connection,
messages answered in order, and nothing a sender does brings the listener down.

A frame that does not start with <VT> is dropped unanswered (the sender, hearing nothing, sends the
message again); a frame over the size limit is answered AR; a connection that fails is closed alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hl7.mllp import InvalidBlockError, start_hl7_server

from adapter.hl7v2.ack import acknowledgement
from adapter.hl7v2.errors import DATA_TYPE_ERROR, RejectedMessageError

Handler = Callable[[bytes], Awaitable[bytes]]
log = logging.getLogger("adapter.hl7v2.mllp")


def _too_large(limit: int) -> bytes:
    error = RejectedMessageError(
        f"the message is larger than this listener takes ({limit} bytes)", DATA_TYPE_ERROR
    )
    return acknowledgement(None, "AR", error.reason, error).encode("ascii")


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handle: Handler, limit: int
) -> None:
    peer = writer.get_extra_info("peername")
    try:
        while True:
            try:
                block = await reader.readblock()  # type: ignore[attr-defined]
            except asyncio.IncompleteReadError as exc:
                if exc.partial.strip():
                    log.warning(
                        "MLLP %s: connection closed in the middle of a message (%d bytes)",
                        peer,
                        len(exc.partial),
                    )
                return
            except InvalidBlockError:
                log.warning("MLLP %s: a frame without its start block was dropped", peer)
                continue
            except ValueError:  # over the stream limit: the block was discarded
                writer.writeblock(_too_large(limit))  # type: ignore[attr-defined]
                await writer.drain()
                continue
            writer.writeblock(await handle(block))  # type: ignore[attr-defined]
            await writer.drain()
    except (ConnectionError, OSError) as exc:
        log.info("MLLP %s: connection lost: %s", peer, exc)
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug must end this connection only, never the listener
        log.exception("MLLP %s: connection failed", peer)
    finally:
        writer.close()


async def start_listener(
    handle: Handler, host: str, port: int, *, max_bytes: int = 1024 * 1024, reuse_port: bool = False
) -> asyncio.Server:
    """Listen for MLLP connections on ``host:port`` (0 picks a free port); each message is answered with
    what ``handle`` returns (an acknowledgement). ``reuse_port`` lets several processes share the port."""

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve_connection(reader, writer, handle, max_bytes)

    server: asyncio.Server = await start_hl7_server(
        connected, host, port, limit=max_bytes, reuse_port=reuse_port or None
    )
    return server
