"""The far side of Meridian's HL7 v2 interfaces in tests: python-hl7's MLLP server and client,
with hl7apy's strict validation of every message Meridian sends.

    hl7_peer.py serve --port-file F [--mode ack|validate|silent|stale|close] [--log F.jsonl]
    hl7_peer.py send --port P --file messages.hl7    (messages separated by blank lines)

`serve` binds 127.0.0.1 on a free port and writes the port to --port-file once listening.
Modes: ack (AA to everything), validate (hl7apy strict: AA if valid, else AE with the reason
in ERR/MSA-3), silent (never answers), stale (first answers with an ACK of another control id,
then the right one), close (closes the connection without answering, once per message).
Each received message is appended to --log as JSON {raw, control_id, type, valid, error}.
`send` prints each ACK on stdout, separated by blank lines.
"""

import argparse
import asyncio
import json
import sys

import hl7
from hl7.mllp import start_hl7_server
from hl7.client import MLLPClient


def validate(raw):
    from hl7apy.parser import parse_message
    from hl7apy.consts import VALIDATION_LEVEL
    try:
        parse_message(raw.replace("\n", "\r"), validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        return True, None
    except Exception as e:  # hl7apy raises many exception types; each is a validation failure
        return False, f"{type(e).__name__}: {e}"[:400]


def ack_for(msg, code, text=None):
    ack = msg.create_ack(ack_code=code, application="PEER", facility="TEST")
    out = str(ack)
    if text:
        clean = text.replace("|", " ").replace("^", " ").replace("~", " ").replace("\\", " ").replace("&", " ")
        out = out.rstrip("\r") + "|" + clean[:200] + "\r"
    return out


async def serve(args):
    log = open(args.log, "a", encoding="utf-8") if args.log else None
    stale_sent = set()

    async def handle(reader, writer):
        try:
            while not writer.is_closing():
                msg = await reader.readmessage()
                raw = str(msg)
                control_id = str(msg.segment("MSH")[10])
                mtype = str(msg.segment("MSH")[9])
                valid, error = (validate(raw) if args.mode == "validate" else (True, None))
                if log:
                    log.write(json.dumps({"raw": raw, "control_id": control_id, "type": mtype,
                                          "valid": valid, "error": error}) + "\n")
                    log.flush()
                if args.mode == "silent":
                    continue
                if args.mode == "close":
                    writer.close()
                    return
                if args.mode == "stale" and control_id not in stale_sent:
                    stale_sent.add(control_id)
                    other = hl7.parse(raw)
                    other.segment("MSH")[10] = "STALE-" + control_id
                    writer.writemessage(hl7.parse(ack_for(other, "AA")))
                writer.writemessage(hl7.parse(ack_for(msg, "AA" if valid else "AE", error)))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        except Exception as e:
            print(f"peer: {type(e).__name__}: {e}", file=sys.stderr)
        finally:
            if not writer.is_closing():
                writer.close()

    server = await start_hl7_server(handle, host="127.0.0.1", port=0, limit=64 * 1024 * 1024)
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    async with server:
        await server.serve_forever()


def send(args):
    text = open(args.file, encoding="utf-8").read().replace("\r\n", "\n")
    messages = [m.strip("\n").replace("\n", "\r") for m in text.split("\n\n") if m.strip()]
    with MLLPClient("127.0.0.1", args.port) as client:
        for m in messages:
            reply = client.send_message(m)
            sys.stdout.write(reply.decode("utf-8").strip("\x0b\x1c\r").replace("\r", "\n") + "\n\n")
            sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port-file", required=True)
    s.add_argument("--mode", default="ack", choices=["ack", "validate", "silent", "stale", "close"])
    s.add_argument("--log")
    c = sub.add_parser("send")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--file", required=True)
    args = p.parse_args()
    if args.cmd == "serve":
        asyncio.run(serve(args))
    else:
        send(args)


if __name__ == "__main__":
    main()
