#!/usr/bin/env python3
"""A real SMTP server on loopback (aiosmtpd) that counts what it accepts.

Usage: smtp-sink.py PORT LOG [--hold-at N MARKER] [--dkim-record FILE]

Every message accepted (answered 250) appends one line to LOG: its Message-ID, its
recipients and, with --dkim-record, `dkim=pass` or `dkim=fail` — its DKIM signature
checked by the dkimpy library against the DNS record in FILE (no DNS lookup). The line is written before the 250 leaves, in the same step of the
event loop, so a message in LOG is one the client was told was accepted.

--hold-at N: the N-th message is never answered: MARKER is created and the
server waits, in the middle of that SMTP transaction, to be killed (kill -9) —
a server that dies under load, with messages in flight on every connection.
"""

import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


def message_id(content: bytes) -> str:
    head = content.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"message-id":
            return value.strip().decode("ascii", "replace")
    return "<no-message-id>"


class Counter:
    def __init__(self, log: str, hold_at: int, marker: str, dkim_record: bytes):
        self.log = open(log, "a", buffering=1, encoding="utf-8")
        self.hold_at = hold_at
        self.marker = marker
        self.dkim_record = dkim_record
        self.seen = 0

    def dkim(self, content: bytes) -> str:
        if not self.dkim_record:
            return ""
        import dkim

        record = self.dkim_record
        ok = dkim.verify(content, dnsfunc=lambda name, timeout=5: record)
        return " dkim=pass" if ok else " dkim=fail"

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.hold_at and self.seen == self.hold_at:
            with open(self.marker, "w", encoding="utf-8") as f:
                f.write(f"holding message {self.seen}\n")
            await asyncio.sleep(3600)
        verdict = self.dkim(envelope.original_content or envelope.content)
        self.log.write(f"{message_id(envelope.content)} {','.join(envelope.rcpt_tos)}{verdict}\n")
        self.log.flush()
        return "250 OK"


async def main() -> None:
    args = sys.argv[1:]
    port, log = int(args[0]), args[1]
    hold_at, marker, record = 0, "", b""
    if "--hold-at" in args:
        at = args.index("--hold-at")
        hold_at, marker = int(args[at + 1]), args[at + 2]
    if "--dkim-record" in args:
        with open(args[args.index("--dkim-record") + 1], "rb") as f:
            record = f.read().strip()
    handler = Counter(log, hold_at, marker, record)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.localhost", data_size_limit=10 * 1024 * 1024),
        host="127.0.0.1",
        port=port,
        reuse_address=True,
    )
    print(f"smtp sink on 127.0.0.1:{port} (pid {os.getpid()})", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
