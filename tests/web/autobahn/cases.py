"""cases.py -- the cases of Autobahn|Testsuite sections 1-7, 9 and 10,
written from its published case descriptions (what is sent, what is
expected), for the driver ws_conformance.py. Each Case has:
  send(c)   what the driver sends on the Conn (wsproto.py); it may wait and
            return "NON-STRICT" or "FAILED: ..." to grade a timed case;
  ok        the data events (messages and pongs) expected back, in order;
  lax       the events accepted as NON-STRICT (None: none);
  close     (by_me, codes, clean): who sends the first close frame, the
            close codes accepted in the peer's close frame (None: a close
            frame without a code) and whether a TCP drop without a close
            frame fails the case (clean=True) or is accepted;
  kill      how long the driver waits for the expected end;
  info      an INFORMATIONAL case (the RFC leaves the behaviour open).
Payload patterns (b"*", b"\\xfe") are the driver's own.
"""

from wsproto import BINARY, CLOSE, CONT, PING, PONG, TEXT, close_payload

NORMAL, PROTOCOL, INVALID_DATA = 1000, 1002, 1007
ECHO_CLOSE = (True, [NORMAL], True)
FAIL = (False, [PROTOCOL], False)
FAIL_UTF8 = (False, [INVALID_DATA], False)
KAPPA = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"  # "kosme" in Greek, 11 octets


class Case:
    def __init__(self, cid, send, ok=(), lax=None, close=ECHO_CLOSE, kill=2.0, info=False):
        self.id, self.send, self.ok, self.lax = cid, send, list(ok), lax
        self.close, self.kill, self.info = close, kill, info

    @property
    def section(self):
        return int(self.id.split(".")[0])


def msg(payload, binary=False):
    return ("message", BINARY if binary else TEXT, payload)


def pong(payload):
    return ("pong", payload)


CASES = []


def add(cid, send, **kw):
    CASES.append(Case(cid, send, **kw))


# ---- 1 Framing: text (1.1) and binary (1.2) messages of edge lengths
for sub, binary in ((1, False), (2, True)):
    unit = b"\xfe" if binary else b"*"
    op = BINARY if binary else TEXT
    for i, n in enumerate((0, 125, 126, 127, 128, 65535, 65536), 1):
        add("1.%d.%d" % (sub, i), lambda c, p=unit * n, op=op: c.message(op, p), ok=[msg(unit * n, binary)])
    add("1.%d.8" % sub, lambda c, p=unit * 65536, op=op: c.message(op, p, chop=997), ok=[msg(unit * 65536, binary)])

# ---- 2 Pings/Pongs
P3 = b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff"
add("2.1", lambda c: c.frame(PING), ok=[pong(b"")])
add("2.2", lambda c: c.frame(PING, b"Hello, world!"), ok=[pong(b"Hello, world!")])
add("2.3", lambda c: c.frame(PING, P3), ok=[pong(P3)])
add("2.4", lambda c: c.frame(PING, b"\xfe" * 125), ok=[pong(b"\xfe" * 125)])
add("2.5", lambda c: c.frame(PING, b"\xfe" * 126), close=FAIL)  # a control frame's payload is <= 125
add("2.6", lambda c: c.frame(PING, b"\xfe" * 125, chop=1, delay=0.001), ok=[pong(b"\xfe" * 125)], kill=4.0)
add("2.7", lambda c: c.frame(PONG))  # unsolicited pongs are ignored
add("2.8", lambda c: c.frame(PONG, b"unsolicited pong payload"))
add("2.9", lambda c: c.frames([(PONG, b"unsolicited pong payload", True), (PING, b"ping payload", True)]),
    ok=[pong(b"ping payload")])
TEN = [b"payload-%d" % i for i in range(10)]
add("2.10", lambda c: c.frames([(PING, p, True) for p in TEN]), ok=[pong(p) for p in TEN])
add("2.11", lambda c: c.frames([(PING, p, True) for p in TEN], mode="octets"), ok=[pong(p) for p in TEN], kill=4.0)

# ---- 3 Reserved bits: the connection fails at the frame with RSV != 0
HW = b"Hello, world!"
add("3.1", lambda c: c.frame(TEXT, HW, rsv=1), close=FAIL)
for cid, rsv, mode in (("3.2", 2, "once"), ("3.3", 3, "frames"), ("3.4", 4, "octets")):
    add(cid, lambda c, rsv=rsv, mode=mode: c.frames([(TEXT, HW, True), (TEXT, HW, True, rsv), (PING, b"", True)], mode),
        ok=[msg(HW)], lax=[], close=FAIL)
add("3.5", lambda c: c.frame(BINARY, bytes(range(256)) * 4, rsv=5), close=FAIL)
add("3.6", lambda c: c.frame(PING, HW, rsv=6), close=FAIL)
add("3.7", lambda c: c.frame(CLOSE, close_payload(NORMAL), rsv=7), close=FAIL)

# ---- 4 Opcodes: reserved non-control (3-7, 4.1) and control (11-15, 4.2) opcodes
for sub, ops in ((1, (3, 4, 5, 6, 7)), (2, (11, 12, 13, 14, 15))):
    add("4.%d.1" % sub, lambda c, op=ops[0]: c.frame(op), close=FAIL)
    add("4.%d.2" % sub, lambda c, op=ops[1]: c.frame(op, b"reserved opcode payload"), close=FAIL)
    for i, op in enumerate(ops[2:], 3):
        body = b"" if i == 3 else b"reserved opcode payload"
        add("4.%d.%d" % (sub, i), lambda c, op=op, body=body: c.frames([(TEXT, HW, True), (op, body, True),
                                                                        (PING, b"", True)]),
            ok=[msg(HW)], lax=[], close=FAIL)

# ---- 5 Fragmentation
F1, F2 = b"fragment1", b"fragment2"
add("5.1", lambda c: c.frames([(PING, F1, False), (CONT, F2, True)]), close=FAIL)  # control frames are never fragmented
add("5.2", lambda c: c.frames([(PONG, F1, False), (CONT, F2, True)]), close=FAIL)
for i, mode in enumerate(("once", "frames", "octets")):
    add("5.%d" % (3 + i), lambda c, mode=mode: c.frames([(TEXT, F1, False), (CONT, F2, True)], mode),
        ok=[msg(F1 + F2)], kill=4.0)
for i, mode in enumerate(("once", "frames", "octets")):
    add("5.%d" % (6 + i), lambda c, mode=mode: c.frames([(TEXT, F1, False), (PING, b"ping payload", True),
                                                         (CONT, F2, True)], mode),
        ok=[pong(b"ping payload"), msg(F1 + F2)], kill=4.0)
for base, fin in ((9, True), (12, False)):  # a continuation frame with nothing to continue
    for i, mode in enumerate(("once", "frames", "octets")):
        add("5.%d" % (base + i), lambda c, mode=mode, fin=fin: c.frames(
            [(CONT, b"non-continuation payload", fin), (TEXT, HW, True)], mode), close=FAIL, kill=4.0)
add("5.15", lambda c: c.frames([(TEXT, F1, False), (CONT, F2, True), (CONT, b"fragment3", False),
                                (TEXT, b"fragment4", True)]), ok=[msg(F1 + F2)], lax=[], close=FAIL)
for cid, first_fin in (("5.16", False), ("5.17", True)):
    add(cid, lambda c, ff=first_fin: c.frames([(CONT, F1, ff), (TEXT, F2, False), (CONT, b"fragment3", True)] * 2),
        close=FAIL)
add("5.18", lambda c: c.frames([(TEXT, F1, False), (TEXT, F2, True)]), close=FAIL)  # a new message inside one


def pings_between_fragments(c, mode):
    """5.19/5.20: five fragments with pings between, over two seconds."""
    c.frames([(TEXT, b"fragment1", False), (CONT, b"fragment2", False), (PING, b"pongme 1!", True)], mode)
    c.pump(1.0)
    c.frames([(CONT, b"fragment3", False), (CONT, b"fragment4", False), (PING, b"pongme 2!", True),
              (CONT, b"fragment5", True)], mode)
    c.pump(1.0)


for cid, mode in (("5.19", "once"), ("5.20", "frames")):
    add(cid, lambda c, mode=mode: pings_between_fragments(c, mode),
        ok=[pong(b"pongme 1!"), pong(b"pongme 2!"), msg(b"fragment1fragment2fragment3fragment4fragment5")])

# ---- 6 UTF-8 handling
add("6.1.1", lambda c: c.message(TEXT, b""), ok=[msg(b"")])
add("6.1.2", lambda c: c.frames([(TEXT, b"", False), (CONT, b"", False), (CONT, b"", True)]), ok=[msg(b"")])
MID = b"middle frame payload"
add("6.1.3", lambda c: c.frames([(TEXT, b"", False), (CONT, MID, False), (CONT, b"", True)]), ok=[msg(MID)])
U1, U2 = "Hello-\u00b5@\u00df\u00f6\u00e4".encode(), "\u00fc\u00e0\u00e1-UTF-8!!".encode()


def octet_frames(p):
    return [(TEXT if i == 0 else CONT, p[i:i + 1], i == len(p) - 1) for i in range(len(p))]


add("6.2.1", lambda c: c.message(TEXT, U1 + U2), ok=[msg(U1 + U2)])
add("6.2.2", lambda c: c.frames([(TEXT, U1, False), (CONT, U2, True)]), ok=[msg(U1 + U2)])
add("6.2.3", lambda c: c.frames(octet_frames(U1 + U2)), ok=[msg(U1 + U2)])  # frames end inside code points
add("6.2.4", lambda c: c.frames(octet_frames(KAPPA)), ok=[msg(KAPPA)])
BAD = KAPPA + b"\xed\xa0\x80" + b"edited"  # a UTF-16 surrogate inside
add("6.3.1", lambda c: c.message(TEXT, BAD), close=FAIL_UTF8)
add("6.3.2", lambda c: c.frames(octet_frames(BAD)), close=FAIL_UTF8)


def fail_fast(c, parts, frames):
    """6.4.x: a text message whose second part makes it invalid UTF-8, sent
    as three frames (frames=True) or three chops of one frame, a second
    apart. OK: the peer fails the connection within a second of part 2;
    NON-STRICT: only after part 3 (the whole message)."""
    ended = lambda c: c.peer_close or c.eof
    if frames:
        pieces = [c.encode(TEXT, parts[0], False), c.encode(CONT, parts[1], False), c.encode(CONT, parts[2], True)]
    else:
        whole = b"".join(parts)
        blob = c.encode(TEXT, whole)
        head = len(blob) - len(whole)
        cut1, cut2 = head + len(parts[0]), head + len(parts[0]) + len(parts[1])
        pieces = [blob[:cut1], blob[cut1:cut2], blob[cut2:]]
    c.write(pieces[0])
    if c.pump(1.0, until=ended):
        return "FAILED: the connection ended after the valid first part"
    c.write(pieces[1])
    if c.pump(1.0, until=ended):
        return None
    c.write(pieces[2])
    return "NON-STRICT"


INVALID_CP = b"\xf4\x90\x80\x80"  # 0x110000, past the last code point; invalid at \x90
P641 = (KAPPA, INVALID_CP, b"edited")
P642 = (KAPPA + INVALID_CP[:1], INVALID_CP[1:2], INVALID_CP[2:] + b"edited")
for cid, parts, frames in (("6.4.1", P641, True), ("6.4.2", P642, True), ("6.4.3", P641, False),
                           ("6.4.4", P642, False)):
    add(cid, lambda c, p=parts, f=frames: fail_fast(c, p, f), close=FAIL_UTF8, kill=3.0)


def h(*hexes):
    return [bytes.fromhex(x) for x in hexes]


# 6.5-6.23: one text frame each, from Markus Kuhn's UTF-8 decoder stress test
# as Autobahn groups it; `valid` is what the group must be (None: mixed, then
# Python's strict decoder, an independent check, decides).
NONCHARS = h("efbfbe", "efbfbf") + [
    bytes([a, b, 0xBF, c]) for a in (0xF0, 0xF1, 0xF2, 0xF3, 0xF4) for b in (0x8F, 0x9F, 0xAF, 0xBF)
    for c in (0xBE, 0xBF) if not (a == 0xF4 and b != 0x8F) and not (a == 0xF0 and b == 0x8F)]
MISSING_LAST = h("c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf")
UTF8_GROUPS = [
    (True, [b"hello$world", b"hello\xc2\xa2world", b"hello\xe2\x82\xacworld", b"hello\xf0\xa4\xad\xa2world", KAPPA]),
    (None, [KAPPA[:i] for i in range(1, len(KAPPA) + 1)]),  # every prefix
    (True, h("00", "c280", "e0a080", "f0908080")),
    (False, h("f888808080", "fc8480808080")),
    (True, h("7f", "dfbf", "efbfbf", "f48fbfbf")),
    (False, h("f7bfbfbf", "fbbfbfbfbf", "fdbfbfbfbfbf")),
    (None, h("ed9fbf", "ee8080", "efbfbd", "f48fbfbf", "f4908080")),
    (False, h("80", "bf", "80bf", "80bf80", "80bf80bf", "80bf80bf80", "80bf80bf80bf") + [bytes(range(0x80, 0xBF))]),
    (False, [b"".join(bytes([x, 0x20]) for x in range(lo, hi))
             for lo, hi in ((0xC0, 0xDF), (0xE0, 0xEF), (0xF0, 0xF7), (0xF8, 0xFB), (0xFC, 0xFD))]),
    (False, MISSING_LAST),
    (False, [b"".join(MISSING_LAST)]),
    (False, h("fe", "ff", "fefeffff")),
    (False, h("c0af", "e080af", "f08080af", "f8808080af", "fc80808080af")),
    (False, h("c1bf", "e09fbf", "f08fbfbf", "f887bfbfbf", "fc83bfbfbfbf")),
    (False, h("c080", "e08080", "f0808080", "f880808080", "fc8080808080")),
    (False, h("eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf")),
    (False, h("eda080edb080", "eda080edbfbf", "edadbfedb080", "edadbfedbfbf",
              "edae80edb080", "edae80edbfbf", "edafbfedb080", "edafbfedbfbf")),
    (True, NONCHARS),
    (True, h("efbfb9", "efbfba", "efbfbb", "efbfbc", "efbfbd", "efbfbe", "efbfbf")),
]


def utf8_valid(p):
    try:
        p.decode("utf-8", "strict")
        return True
    except UnicodeDecodeError:
        return False


for g, (valid, payloads) in enumerate(UTF8_GROUPS, 5):
    for i, p in enumerate(payloads, 1):
        ok = utf8_valid(p)
        assert valid is None or ok == valid, "6.%d.%d: %s" % (g, i, p.hex())
        if ok:
            add("6.%d.%d" % (g, i), lambda c, p=p: c.message(TEXT, p), ok=[msg(p)])
        else:
            add("6.%d.%d" % (g, i), lambda c, p=p: c.message(TEXT, p), close=FAIL_UTF8)

# ---- 7 Close handling
CP = close_payload
HELLO = b"Hello World!"
add("7.1.1", lambda c: c.frames([(TEXT, HELLO, True), (CLOSE, CP(NORMAL), True)]), ok=[msg(HELLO)])
add("7.1.2", lambda c: c.frames([(CLOSE, CP(NORMAL), True), (CLOSE, CP(NORMAL), True)]))
add("7.1.3", lambda c: c.frames([(CLOSE, CP(NORMAL), True), (PING, b"ping payload", True)]))
add("7.1.4", lambda c: c.frames([(CLOSE, CP(NORMAL), True), (TEXT, HELLO, True)]))
add("7.1.5", lambda c: c.frames([(TEXT, F1, False), (CLOSE, CP(NORMAL), True), (CONT, F2, True)]))
add("7.1.6", lambda c: c.frames([(TEXT, b"*" * 262144, True), (CLOSE, CP(NORMAL), True), (PING, b"", True)]),
    info=True, kill=5.0)
add("7.3.1", lambda c: c.frame(CLOSE, b""), close=(True, [None, NORMAL], True))
add("7.3.2", lambda c: c.frame(CLOSE, b"a"), close=(True, [PROTOCOL], False))
add("7.3.3", lambda c: c.close(NORMAL))
add("7.3.4", lambda c: c.close(NORMAL, HELLO))
add("7.3.5", lambda c: c.close(NORMAL, b"*" * 123))
add("7.3.6", lambda c: c.close(NORMAL, b"*" * 124), close=(True, [PROTOCOL], False))  # payload 126 > 125
add("7.5.1", lambda c: c.close(NORMAL, BAD), close=(True, [PROTOCOL, INVALID_DATA], False))
for i, code in enumerate((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999), 1):
    add("7.7.%d" % i, lambda c, code=code: c.close(code), close=(True, [NORMAL, code], True))
for i, code in enumerate((0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999), 1):
    add("7.9.%d" % i, lambda c, code=code: c.close(code), close=(True, [PROTOCOL], False))
for i, code in enumerate((5000, 65535), 1):
    add("7.13.%d" % i, lambda c, code=code: c.close(code), info=True)

# ---- 9 Limits/performance (full sizes: the peer's limit is 16 MiB + 1 KiB)
K, M = 1024, 1024 * 1024


def payload(n, binary):
    return (b"\xfe" if binary else b"*") * n


def round_trips(c, op, p, count=1000):
    """9.7/9.8: `count` messages, each sent after the previous echo came."""
    for i in range(count):
        c.message(op, p)
        if not c.pump(10.0, until=lambda c, n=i + 1: len(c.data_events()) >= n):
            return "FAILED: no echo for message %d" % (i + 1)
    return None


for sub, binary in ((1, False), (2, True)):
    for i, n in enumerate((64 * K, 256 * K, M, 4 * M, 8 * M, 16 * M), 1):
        add("9.%d.%d" % (sub, i), lambda c, n=n, b=binary: c.message(BINARY if b else TEXT, payload(n, b)),
            ok=[msg(payload(n, binary), binary)], kill=20.0 + n / M * 4)
for sub, binary in ((3, False), (4, True)):
    for i, frag in enumerate((64, 256, K, 4 * K, 16 * K, 64 * K, 256 * K, M, 4 * M), 1):
        add("9.%d.%d" % (sub, i), lambda c, f=frag, b=binary: c.message(BINARY if b else TEXT, payload(4 * M, b), frag=f),
            ok=[msg(payload(4 * M, binary), binary)], kill=60.0)
for sub, binary in ((5, False), (6, True)):
    for i, chop in enumerate((64, 128, 256, 512, K, 2 * K), 1):
        add("9.%d.%d" % (sub, i), lambda c, ch=chop, b=binary: c.message(BINARY if b else TEXT, payload(M, b), chop=ch),
            ok=[msg(payload(M, binary), binary)], kill=60.0)
for sub, binary in ((7, False), (8, True)):
    for i, n in enumerate((0, 16, 64, 256, K, 4 * K), 1):
        op = BINARY if binary else TEXT
        add("9.%d.%d" % (sub, i), lambda c, op=op, p=payload(n, binary): round_trips(c, op, p),
            ok=[msg(payload(n, binary), binary)] * 1000, kill=60.0)

# ---- 10 Misc: a 64 KiB text message auto-fragmented into 1300-octet frames
add("10.1.1", lambda c: c.message(TEXT, payload(65536, False), frag=1300), ok=[msg(payload(65536, False))])
