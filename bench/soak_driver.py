#!/usr/bin/env python3
"""soak_driver.py — the load and the checks of bench/soak.sh (issue 17, §3).

Drives a running grove-chat with a steady mixed load for DURATION seconds:
TCP line, WebSocket and long-poll clients join rooms, chat and leave; some
never read, some reset their connection. Every second it samples the
server's RSS and open descriptors (/proc/PID) and its fibers, timers, rooms
and connections (/stats), into a CSV. It fails (exit 1) when

  * a message is lost or reordered: every reading member checks that what
    it received of a room is one gap-free run of the room's sequence
    numbers (a WebSocket observer in each lasting room maps the TCP lines,
    which carry no number, to theirs), that each sender's messages come in
    the order they were said, and that a member receives its own messages;
  * a sampled figure grows without bound: the least-squares slope over the
    second half of the run is above the limit stated in SLOPE_LIMITS.

Standard library only (asyncio, a minimal RFC 6455 client for the server's
frames). Usage: soak_driver.py --pid PID --tcp-port P --http-port Q
--duration S --csv FILE
"""

import argparse
import asyncio
import base64
import json
import os
import random
import socket
import struct
import sys
import time
import urllib.parse

# Growth allowed per second over the second half of the run (least squares).
# The load opens about 10 sessions a second (about 70 messages): a leak of
# one fiber, descriptor, timer, room or nick per session grows ~10/s, one of
# 1 KiB per message ~70 KiB/s, far above these. The steady state's slow
# waves (long-poll members live 60 s) give slopes of about ±0.2/s for the
# counts and 1.4 KiB/s for RSS over a 90 s half (docs/benchmarks.md, "Soak").
SLOPE_LIMITS = {
    "rss_kib": 8.0,  # KiB/s: 28 MiB an hour
    "fds": 0.25,
    "fibers": 0.25,
    "timers": 0.25,
    "rooms": 0.25,
    "nicks": 0.5,
}

LASTING_ROOMS = [f"room{i}" for i in range(6)]
POPULATION = 24  # sessions at once
WAIT = 10.0  # every wait for the server is bounded


class Failures:
    def __init__(self):
        self.items = []

    def add(self, text):
        if len(self.items) < 50:
            print(f"soak: FAIL {text}", flush=True)
        self.items.append(text)


FAIL = Failures()
STATS = {"sessions": 0, "said": 0, "received": 0, "checked_members": 0}
CANON = {room: {} for room in LASTING_ROOMS}  # room -> {(from, text): seq}, from the observers
MEMBERS = []  # checked at the end, once the observers have seen everything


# ---------------------------------------------------------------- clients


class LineClient:
    """The TCP line protocol."""

    def __init__(self, reader, writer):
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, port):
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT)
        c = cls(r, w)
        welcome = await c.line()
        if not welcome.startswith("* welcome"):
            raise RuntimeError(f"tcp: expected the welcome, got {welcome!r}")
        return c

    async def line(self):
        raw = await asyncio.wait_for(self.r.readline(), WAIT)
        if not raw:
            raise ConnectionError("tcp: closed")
        return raw.decode("utf-8").rstrip("\r\n")

    def send(self, text):
        self.w.write((text + "\n").encode())

    def reset(self):
        sock = self.w.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.w.transport.abort()

    def close(self):
        self.w.close()


class WsClient:
    """Just enough of RFC 6455 for grove-chat: masked text frames out, the
    server's unmasked frames in, pings answered."""

    def __init__(self, reader, writer):
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, port):
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT)
        key = base64.b64encode(os.urandom(16)).decode()
        w.write(
            (
                "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), WAIT)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"ws: upgrade refused: {head[:60]!r}")
        return cls(r, w)

    def frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.w.write(head + mask + body)

    def send(self, obj):
        self.frame(0x1, json.dumps(obj).encode())

    async def recv(self, timeout=WAIT):
        """The next text message as JSON (pings answered on the way)."""
        while True:
            b0, b1 = await asyncio.wait_for(self.r.readexactly(2), timeout)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await asyncio.wait_for(self.r.readexactly(2), WAIT))
            elif n == 127:
                (n,) = struct.unpack("!Q", await asyncio.wait_for(self.r.readexactly(8), WAIT))
            payload = await asyncio.wait_for(self.r.readexactly(n), WAIT) if n else b""
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self.frame(0xA, payload)
            elif opcode == 0x8:
                raise ConnectionError("ws: closed by the server")
            elif opcode == 0x1:
                return json.loads(payload)

    def close(self):
        self.w.close()


async def http_post(port, target, body=""):
    """One POST on a fresh connection: (status, body)."""
    r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT)
    try:
        data = body.encode()
        w.write(
            (
                f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
        )
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), WAIT + 15)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        payload = await asyncio.wait_for(r.readexactly(length), WAIT)
        return status, payload.decode()
    finally:
        w.close()


async def http_get_json(port, target):
    r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT)
    try:
        w.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), WAIT)
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return json.loads(await asyncio.wait_for(r.readexactly(length), WAIT))
    finally:
        w.close()


# ---------------------------------------------------------------- checks


class Member:
    """What one member received of one room, checked when it leaves."""

    def __init__(self, nick, room, kind):
        self.nick, self.room, self.kind = nick, room, kind
        self.got = []  # (seq or None, from, text)
        self.said = []

    def receive(self, seq, sender, text):
        self.got.append((seq, sender, text))
        STATS["received"] += 1

    def check(self, own_expected=True):
        STATS["checked_members"] += 1
        who = f"{self.kind} {self.nick} in {self.room}"
        seqs = [s for s, _, _ in self.got]
        if self.kind == "tcp":
            canon = CANON.get(self.room)
            if canon is None:
                seqs = None  # a passing room has no observer: per-sender order only
            else:
                seqs = []
                for _, sender, text in self.got:
                    seq = canon.get((sender, text))
                    if seq is None:
                        FAIL.add(f"{who}: got {sender}: {text!r}, which the room's observer never saw")
                        return
                    seqs.append(seq)
        if seqs:
            for a, b in zip(seqs, seqs[1:]):
                if b != a + 1:
                    FAIL.add(f"{who}: sequence {a} then {b} ({'reordered' if b <= a else 'lost'})")
                    break
        last = {}
        for _, sender, text in self.got:
            k = int(text.rsplit("-", 1)[1])
            if k <= last.get(sender, -1):
                FAIL.add(f"{who}: {sender}'s message {k} after {last[sender]}")
                break
            last[sender] = k
        if own_expected:
            mine = [text for _, sender, text in self.got if sender == self.nick]
            if mine != self.said:
                FAIL.add(f"{who}: said {len(self.said)}, got back {len(mine)} of them" + (", in another order" if sorted(mine) == sorted(self.said) else ""))


def text_of(nick, k):
    return f"{nick}-{k}"


# ---------------------------------------------------------------- sessions


async def observer(args, room, stop):
    """A WebSocket member for the whole run: the room's canonical order."""
    ws = await WsClient.connect(args.http_port)
    nick = f"obs{room[4:]}"
    ws.send({"type": "nick", "nick": nick})
    await ws.recv()
    ws.send({"type": "join", "room": room})
    joined = await ws.recv()
    canon = CANON[room]
    last = None
    for m in joined.get("backlog", []):
        canon[(m["from"], m["text"])] = m["seq"]
        last = m["seq"]
    while not stop.is_set():
        try:
            m = await ws.recv(timeout=1.0)
        except asyncio.TimeoutError:
            continue
        if m.get("type") != "message":
            continue
        if last is not None and m["seq"] != last + 1:
            FAIL.add(f"observer of {room}: sequence {last} then {m['seq']}")
        last = m["seq"]
        canon[(m["from"], m["text"])] = m["seq"]
    ws.close()


async def tcp_session(args, nick, room, rng, mode):
    c = await LineClient.connect(args.tcp_port)
    c.send(f"/nick {nick}")
    c.send(f"/join {room}")
    member = Member(nick, room, "tcp")
    if mode == "never_reads":  # joins, says a little, never reads, leaves
        for k in range(rng.randint(1, 5)):
            c.send(text_of(nick, k))
            STATS["said"] += 1
            await asyncio.sleep(rng.uniform(0.1, 0.4))
        await asyncio.sleep(rng.uniform(1, 4))
        c.close()
        return
    if await c.line() != f"* you are {nick}" or await c.line() != f"* joined {room}":
        raise RuntimeError(f"tcp {nick}: join failed")
    prefix = f"[{room}] "

    async def reader():
        while True:
            try:
                line = await c.line()
            except ConnectionError:
                if mode == "reset":
                    return  # its own reset
                raise
            if line.startswith(prefix):
                sender, text = line[len(prefix) :].split(": ", 1)
                member.receive(None, sender, text)
            elif line == "* bye":
                return

    task = asyncio.ensure_future(reader())
    for k in range(rng.randint(3, 15)):
        if mode == "reset" and k == 2:
            c.reset()
            task.cancel()
            return
        c.send(text_of(nick, k))
        member.said.append(text_of(nick, k))
        STATS["said"] += 1
        await asyncio.sleep(rng.uniform(0.1, 0.5))
    c.send("/quit")
    try:
        await asyncio.wait_for(task, WAIT)
    except (asyncio.TimeoutError, ConnectionError) as e:
        FAIL.add(f"tcp {nick}: no '* bye' ({e!r})")
    c.close()
    MEMBERS.append(member)


async def ws_session(args, nick, room, rng, mode):
    ws = await WsClient.connect(args.http_port)
    ws.send({"type": "nick", "nick": nick})
    ws.send({"type": "join", "room": room})
    member = Member(nick, room, "websocket")
    if mode == "never_reads":
        for k in range(rng.randint(1, 5)):
            ws.send({"type": "say", "text": text_of(nick, k)})
            STATS["said"] += 1
            await asyncio.sleep(rng.uniform(0.1, 0.4))
        await asyncio.sleep(rng.uniform(1, 4))
        ws.close()
        return
    if (await ws.recv()).get("type") != "nick":
        raise RuntimeError(f"ws {nick}: nick failed")
    joined = await ws.recv()
    if joined.get("type") != "joined":
        raise RuntimeError(f"ws {nick}: join failed: {joined}")
    for m in joined.get("backlog", []):
        member.receive(m["seq"], m["from"], m["text"])
    n = rng.randint(3, 15)

    async def reader():
        while True:
            m = await ws.recv()
            if m.get("type") == "message" and m["room"] == room:
                member.receive(m["seq"], m["from"], m["text"])
                if m["from"] == nick and m["text"] == text_of(nick, n - 1):
                    return

    task = asyncio.ensure_future(reader())
    for k in range(n):
        ws.send({"type": "say", "text": text_of(nick, k)})
        member.said.append(text_of(nick, k))
        STATS["said"] += 1
        await asyncio.sleep(rng.uniform(0.1, 0.5))
    try:
        await asyncio.wait_for(task, WAIT)
    except (asyncio.TimeoutError, ConnectionError) as e:
        FAIL.add(f"ws {nick}: its last message never came back ({e!r})")
    ws.close()
    MEMBERS.append(member)


async def poll_session(args, nick, room, rng):
    member = Member(nick, room, "long_poll")
    n = rng.randint(2, 8)
    for k in range(n):
        body = "message=" + urllib.parse.quote_plus(text_of(nick, k))
        status, _ = await http_post(args.http_port, f"/put/{room}/{nick}", body)
        if status != 200:
            raise RuntimeError(f"poll {nick}: put answered {status}")
        member.said.append(text_of(nick, k))
        STATS["said"] += 1
        status, payload = await http_post(args.http_port, f"/poll/{nick}")
        if status != 200:
            raise RuntimeError(f"poll {nick}: poll answered {status}")
        for m in json.loads(payload):
            member.receive(m["seq"], m["from"], m["text"])
    # Poll until our last message is back (a long-poll member joins on its
    # first put, so it sees the room from there on), then stop polling: the
    # server retires it after poll_expiry.
    deadline = time.monotonic() + WAIT
    while text_of(nick, n - 1) not in [t for _, s, t in member.got if s == nick] and time.monotonic() < deadline:
        status, payload = await http_post(args.http_port, f"/poll/{nick}")
        for m in json.loads(payload):
            member.receive(m["seq"], m["from"], m["text"])
    MEMBERS.append(member)


async def session_loop(args, slot, stop, deadline):
    rng = random.Random(args.seed * 1000 + slot)
    n = 0
    while not stop.is_set() and time.monotonic() < deadline:
        n += 1
        nick = f"s{slot}x{n}"
        room = rng.choice(LASTING_ROOMS) if rng.random() < 0.85 else f"tmp{slot}x{n}"
        roll = rng.random()
        STATS["sessions"] += 1
        try:
            if roll < 0.35:
                await tcp_session(args, nick, room, rng, "reads")
            elif roll < 0.43:
                await tcp_session(args, nick, room, rng, "never_reads")
            elif roll < 0.51:
                await tcp_session(args, nick, room, rng, "reset")
            elif roll < 0.78:
                await ws_session(args, nick, room, rng, "reads")
            elif roll < 0.83:
                await ws_session(args, nick, room, rng, "never_reads")
            else:
                await poll_session(args, nick, room, rng)
        except (OSError, RuntimeError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
            FAIL.add(f"session {nick} ({room}): {e!r}")
        await asyncio.sleep(rng.uniform(0.0, 0.3))


# ---------------------------------------------------------------- samples


def proc_sample(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def sampler(args, stop, rows):
    start = time.monotonic()
    while not stop.is_set():
        try:
            rss, fds = proc_sample(args.pid)
            s = await http_get_json(args.http_port, "/stats")
        except (OSError, ValueError, asyncio.TimeoutError) as e:
            FAIL.add(f"sample: {e!r}")
            await asyncio.sleep(1)
            continue
        conns = s["connections"]
        rows.append(
            {
                "t": round(time.monotonic() - start, 2),
                "rss_kib": rss,
                "fds": fds,
                "fibers": s.get("fibers", 0),
                "timers": s.get("timers", 0),
                "rooms": s["rooms"],
                "nicks": s["nicks"],
                "connections": sum(conns.values()),
                "messages": s["messages"],
                "dead_letters": s["dead_letters"],
            }
        )
        await asyncio.sleep(max(0.0, len(rows) - (time.monotonic() - start)))


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--tcp-port", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    stop = asyncio.Event()
    rows = []
    deadline = time.monotonic() + args.duration
    observers = [asyncio.ensure_future(observer(args, room, stop)) for room in LASTING_ROOMS]
    await asyncio.sleep(0.5)
    sample_task = asyncio.ensure_future(sampler(args, stop, rows))
    sessions = [asyncio.ensure_future(session_loop(args, i, stop, deadline)) for i in range(POPULATION)]
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))
    # Sessions finish what they started (bounded), then the observers stop.
    done, pending = await asyncio.wait(sessions, timeout=3 * WAIT)
    for t in pending:
        t.cancel()
    if pending:
        FAIL.add(f"{len(pending)} sessions did not finish within {3 * WAIT:.0f} s")
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(sample_task, *observers, return_exceptions=True)
    for t in observers:
        if t.exception():
            FAIL.add(f"observer: {t.exception()!r}")

    for member in MEMBERS:
        member.check()

    with open(args.csv, "w") as f:
        keys = list(rows[0].keys()) if rows else []
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join(str(r[k]) for k in keys) + "\n")

    half = [r for r in rows if r["t"] >= args.duration / 2 and r["t"] <= args.duration]
    print(
        f"soak: {args.duration:.0f} s, {STATS['sessions']} sessions, {STATS['said']} messages said, "
        f"{STATS['received']} received and checked by {STATS['checked_members']} members, {len(rows)} samples"
    )
    if len(half) < 10:
        FAIL.add(f"only {len(half)} samples in the second half")
    else:
        xs = [r["t"] for r in half]
        for key, limit in SLOPE_LIMITS.items():
            ys = [r[key] for r in half]
            k = slope(xs, ys)
            verdict = "ok" if k <= limit else "GROWS"
            print(
                f"soak: {key:8s} first {rows[0][key]:>8} mid {half[0][key]:>8} last {half[-1][key]:>8} "
                f"max {max(r[key] for r in rows):>8}  slope {k:+.4f}/s (limit {limit}) {verdict}"
            )
            if k > limit:
                FAIL.add(f"{key} grows {k:+.4f}/s over the second half (limit {limit})")
    print(f"soak: {len(FAIL.items)} failures")
    return 1 if FAIL.items else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
