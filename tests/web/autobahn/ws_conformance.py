#!/usr/bin/env python3
"""ws_conformance.py -- the WebSocket conformance driver (docs/web.md,
"Conformance"): the cases of Autobahn|Testsuite sections 1-7, 9 and 10
(cases.py, written from Autobahn's published case list; Autobahn itself
needs Python 2, which Debian 12 lacks), sent with raw sockets (wsproto.py)
to grove's echo peer (tests/web/autobahn_peer.cpp).

  ws_conformance.py --server PEER   PEER --server is the server under test;
                                    the driver is the client (masked frames)
  ws_conformance.py --client PEER   PEER --client URL --count N is the client
                                    under test, one connection per case; the
                                    driver is the server (unmasked frames)
  --cases 6.4,7.9.1                 only cases whose id starts with one of these
  -v                                a line for every case, not only the failed

Each case is graded as Autobahn grades it: OK, NON-STRICT (accepted, e.g. a
UTF-8 error caught at the end of the message rather than at once),
INFORMATIONAL (the RFC leaves it open: run, not graded) or FAILED. The peer
must also survive every case (the server process stays up; the client
process ends each case and exits 0). Prints the table by section; exits 1 when any case failed.
"""

import argparse
import collections
import os
import select
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES  # noqa: E402
from wsproto import client_handshake, server_handshake  # noqa: E402


def grade(case, c, verdict):
    """(behavior, why) for a finished case on Conn c."""
    by_me, codes, clean = case.close
    got = c.data_events()
    if verdict and verdict.startswith("FAILED"):
        return "FAILED", verdict[len("FAILED: "):]
    closes = [e for e in c.events if e[0] == "close"]
    what = "close %s" % (closes[0][1] if closes else "-") + (", tcp closed" if c.eof else ", tcp open")
    if case.info:
        return "INFORMATIONAL", "%d data events, %s" % (len(got), what)
    if got == case.ok:
        behavior = "NON-STRICT" if verdict == "NON-STRICT" else "OK"
    elif case.lax is not None and got == case.lax:
        behavior = "NON-STRICT"
    else:
        shown = [(e[0], e[1] if e[0] == "pong" else e[1], len(e[-1])) for e in got[:5]]
        return "FAILED", "%d data events %s..., expected %d" % (len(got), shown, len(case.ok))
    if by_me and c.first_close != "me":
        return "FAILED", "the peer closed first (%s); expected it to answer our close" % what
    if not by_me and c.first_close == "me":
        return "FAILED", "the peer did not fail the connection (%s)" % what
    if closes and closes[0][1] not in codes:
        return "FAILED", "close code %s, expected one of %s" % (closes[0][1], codes)
    if not closes and clean:
        return "FAILED", "no close frame (%s)" % what
    if not c.eof:
        return "FAILED", "the TCP connection was not closed (%s)" % what
    return behavior, what


def play(case, c):
    """Run one case on an open Conn; returns (behavior, why)."""
    by_me = case.close[0]
    try:
        verdict = case.send(c)
    except OSError as e:
        verdict = None if not by_me else "FAILED: %s" % e
    if by_me and not c.sent_close:
        c.pump(case.kill, until=lambda c: len(c.data_events()) >= len(case.ok) or c.peer_close)
        if not c.sent_close and not c.eof:
            c.close(1000)
    c.pump(case.kill if not by_me else 3.0, until=lambda c: c.eof)
    return grade(case, c, verdict)


def run_server(peer, cases, out):
    proc = subprocess.Popen([peer, "--server"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().split()
        if len(first) != 2 or first[0] != "port":
            raise SystemExit("ws_conformance: the peer did not print its port: %r" % first)
        port = int(first[1])
        for case in cases:
            if proc.poll() is not None:
                out(case, "FAILED", "the server process has exited (status %s)" % proc.returncode)
                continue
            try:
                c = client_handshake(port, "/case/" + case.id)
            except (OSError, ConnectionError) as e:
                out(case, "FAILED", "opening handshake: %s" % e)
                continue
            behavior, why = play(case, c)
            c.sock.close()
            out(case, behavior, why)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = "hung"
    return status in (0, -signal.SIGTERM)


def read_line(proc, timeout):
    """A line of the peer's output within timeout seconds ("" if none)."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


def run_client(peer, cases, out):
    """One client process serves every case, one connection each, in order."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(15)
    url = "ws://127.0.0.1:%d/case" % listener.getsockname()[1]
    proc = subprocess.Popen([peer, "--client", url, "--count", str(len(cases))], stdout=subprocess.PIPE, text=True)
    try:
        for case in cases:
            if proc.poll() is not None:
                out(case, "FAILED", "the client process has exited (status %s)" % proc.returncode)
                continue
            try:
                sock, _ = listener.accept()
                c = server_handshake(sock)
                behavior, why = play(case, c)
                c.sock.close()
            except (OSError, ConnectionError) as e:
                behavior, why = "FAILED", "connection: %s" % e
            tail = read_line(proc, 15)
            if not tail.startswith("end ") and behavior != "FAILED":
                behavior, why = "FAILED", "the client did not end the case (%r)" % tail
            out(case, behavior, why + "; client: " + tail)
    finally:
        listener.close()
        try:
            status = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            status = "hung"
    return status == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    side = ap.add_mutually_exclusive_group(required=True)
    side.add_argument("--server", metavar="PEER")
    side.add_argument("--client", metavar="PEER")
    ap.add_argument("--cases", default="")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    prefixes = [p for p in args.cases.split(",") if p]
    cases = [c for c in CASES if not prefixes or any(c.id == p or c.id.startswith(p + ".") for p in prefixes)]
    table = collections.OrderedDict()
    started = time.monotonic()

    def out(case, behavior, why):
        row = table.setdefault(case.section, collections.Counter())
        row["run"] += 1
        row[behavior] += 1
        if args.v or behavior in ("FAILED", "NON-STRICT"):
            print("%-8s %-13s %s" % (case.id, behavior, why), flush=True)

    peer_ok = run_server(args.server, cases, out) if args.server else run_client(args.client, cases, out)
    side_name = "server" if args.server else "client"
    print("\ngrove WebSocket %s, Autobahn|Testsuite cases (%.1f s):" % (side_name, time.monotonic() - started))
    print("| Section | Run | OK | Non-strict | Informational | Failed |")
    print("|---------|-----|----|------------|---------------|--------|")
    total = collections.Counter()
    for section, row in table.items():
        total.update(row)
        print("| %d | %d | %d | %d | %d | %d |" % (section, row["run"], row["OK"], row["NON-STRICT"],
                                                 row["INFORMATIONAL"], row["FAILED"]))
    print("| all | %d | %d | %d | %d | %d |" % (total["run"], total["OK"], total["NON-STRICT"],
                                               total["INFORMATIONAL"], total["FAILED"]))
    if not peer_ok:
        print("ws_conformance: the %s process did not stop cleanly" % side_name)
    return 0 if total["FAILED"] == 0 and peer_ok and total["run"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
