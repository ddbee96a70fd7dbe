"""wsproto.py -- RFC 6455 by hand over a raw socket, for the conformance
driver (ws_conformance.py): frames are built byte by byte, so a case can send
what a WebSocket library refuses to (reserved bits, reserved opcodes,
fragmented or oversized control frames, invalid UTF-8, bad close codes), cut
into chops on the wire with delays.

Conn is one connection, either role: as a client (`client_handshake`) it
masks what it sends; as a server (`server_handshake`) it does not, and it
unmasks what it reads. Conn.pump() reads the peer's frames into `events`:
  ("message", opcode, payload)   a whole text (1) or binary (2) message
  ("pong", payload), ("ping", payload)
  ("close", code or None, reason)  the peer's close frame
  ("eof",)                       the peer closed the TCP connection
A ping from the peer is answered with a pong (as Autobahn does); a close
frame from the peer that comes first is answered with a close frame carrying
the same code (the closing handshake of RFC 6455 5.5.1).
"""

import base64
import hashlib
import os
import select
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10


def mask(data, key):
    """XOR data with the 4-byte key (RFC 6455 5.3), in one big-integer XOR."""
    n = len(data)
    if n == 0:
        return data
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def frame_bytes(opcode, payload=b"", fin=True, rsv=0, key=None):
    """One frame's bytes; key (4 bytes) masks it, None sends it unmasked."""
    first = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    n = len(payload)
    bit = 0x80 if key is not None else 0
    if n < 126:
        head = bytes([first, bit | n])
    elif n < 65536:
        head = bytes([first, bit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([first, bit | 127]) + struct.pack("!Q", n)
    if key is None:
        return head + payload
    return head + key + mask(payload, key)


def close_payload(code=None, reason=b""):
    return b"" if code is None else struct.pack("!H", code) + reason


class Conn:
    def __init__(self, sock, client):
        self.sock = sock
        self.client = client  # True: we mask our frames
        self.buf = bytearray()
        self.events = []
        self.first_close = None  # "me" or "peer": who sent the first close frame
        self.peer_close = False  # the peer sent a close frame
        self.eof = False
        self.sent_close = False
        self._frag_op = None
        self._frag = []
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ---- sending
    def encode(self, opcode, payload=b"", fin=True, rsv=0):
        return frame_bytes(opcode, payload, fin, rsv, os.urandom(4) if self.client else None)

    def write(self, data, chop=None, delay=0.0):
        """Send bytes, in pieces of `chop` bytes `delay` seconds apart."""
        try:
            if not chop:
                self.sock.sendall(data)
                return
            for at in range(0, len(data), chop):
                self.sock.sendall(data[at:at + chop])
                if delay:
                    time.sleep(delay)
        except OSError:
            self.eof = True  # the peer has gone; what it sent is still read by pump()

    def frame(self, opcode, payload=b"", fin=True, rsv=0, chop=None, delay=0.0):
        if opcode == CLOSE and rsv == 0 and not self.sent_close:  # with RSV bits it is no close frame
            self.sent_close = True
            if self.first_close is None:
                self.first_close = "me"
        self.write(self.encode(opcode, payload, fin, rsv), chop, delay)

    def frames(self, specs, mode="once"):
        """Send several frames (opcode, payload, fin[, rsv]): mode "once" is
        one write, "frames" one write each, "octets" one byte per write."""
        blobs = []
        for s in specs:
            op, payload, fin = s[0], s[1], s[2]
            rsv = s[3] if len(s) > 3 else 0
            if op == CLOSE and rsv == 0 and not self.sent_close:
                self.sent_close = True
                if self.first_close is None:
                    self.first_close = "me"
            blobs.append(self.encode(op, payload, fin, rsv))
        if mode == "once":
            self.write(b"".join(blobs))
        elif mode == "frames":
            for b in blobs:
                self.write(b)
                time.sleep(0.001)
        else:
            for b in blobs:
                self.write(b, chop=1, delay=0.0005)

    def message(self, opcode, payload, frag=None, chop=None):
        """A whole message, in frames of `frag` bytes (None: one frame)."""
        if not frag or len(payload) <= frag:
            self.frame(opcode, payload, chop=chop)
            return
        parts = [payload[i:i + frag] for i in range(0, len(payload), frag)]
        data = b"".join(self.encode(opcode if i == 0 else CONT, p, i == len(parts) - 1)
                        for i, p in enumerate(parts))
        self.write(data, chop)

    def close(self, code=1000, reason=b""):
        self.frame(CLOSE, close_payload(code, reason))

    # ---- reading
    def pump(self, timeout, until=None):
        """Read frames for at most `timeout` seconds, or until eof, or until
        until(self) holds. Returns True when it stopped early."""
        deadline = time.monotonic() + timeout
        while True:
            if until is not None and until(self):
                return True
            if self.eof:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                data = self.sock.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                self.eof = True
                self.events.append(("eof",))
                continue
            self.buf += data
            self._parse()

    def _parse(self):
        while True:
            b = self.buf
            if len(b) < 2:
                return
            fin, opcode, masked, n = b[0] & 0x80, b[0] & 0x0F, b[1] & 0x80, b[1] & 0x7F
            at = 2
            if n == 126:
                if len(b) < 4:
                    return
                n, at = struct.unpack("!H", bytes(b[2:4]))[0], 4
            elif n == 127:
                if len(b) < 10:
                    return
                n, at = struct.unpack("!Q", bytes(b[2:10]))[0], 10
            key = None
            if masked:
                if len(b) < at + 4:
                    return
                key, at = bytes(b[at:at + 4]), at + 4
            if len(b) < at + n:
                return
            payload = bytes(b[at:at + n])
            del self.buf[:at + n]
            if key is not None:
                payload = mask(payload, key)
            self._frame(bool(fin), opcode, payload)

    def _frame(self, fin, opcode, payload):
        if opcode == PING:
            self.events.append(("ping", payload))
            if not self.sent_close:
                self.write(self.encode(PONG, payload))
        elif opcode == PONG:
            self.events.append(("pong", payload))
        elif opcode == CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            self.events.append(("close", code, payload[2:]))
            self.peer_close = True
            if self.first_close is None:
                self.first_close = "peer"
            if not self.sent_close:
                self.sent_close = True
                self.write(self.encode(CLOSE, close_payload(code)))
            if not self.client:
                self.shutdown()  # RFC 6455 7.1.1: the server closes TCP first
        elif opcode in (TEXT, BINARY):
            if fin:
                self.events.append(("message", opcode, payload))
            else:
                self._frag_op, self._frag = opcode, [payload]
        elif opcode == CONT and self._frag_op is not None:
            self._frag.append(payload)
            if fin:
                self.events.append(("message", self._frag_op, b"".join(self._frag)))
                self._frag_op, self._frag = None, []

    def data_events(self):
        return [e for e in self.events if e[0] in ("message", "pong")]

    def shutdown(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def finish(self, timeout=2.0):
        """Wait (bounded) for the peer's end of the TCP connection, then close."""
        self.pump(timeout)
        self.sock.close()


def client_handshake(port, path="/", timeout=5.0):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode() +
                 b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                 b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        piece = sock.recv(4096)
        if not piece:
            raise ConnectionError("the server closed during the opening handshake: %r" % head)
        head += piece
    head, rest = head.split(b"\r\n\r\n", 1)
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    lines = head.split(b"\r\n")
    if b" 101 " not in lines[0] + b" ":
        raise ConnectionError("no 101 answer: %r" % lines[0])
    fields = {ln.split(b":", 1)[0].strip().lower(): ln.split(b":", 1)[1].strip() for ln in lines[1:] if b":" in ln}
    if fields.get(b"sec-websocket-accept") != accept:
        raise ConnectionError("wrong Sec-WebSocket-Accept: %r" % fields.get(b"sec-websocket-accept"))
    sock.settimeout(None)
    c = Conn(sock, client=True)
    c.buf += rest
    c._parse()
    return c


def server_handshake(sock, timeout=5.0):
    sock.settimeout(timeout)
    head = b""
    while b"\r\n\r\n" not in head:
        piece = sock.recv(4096)
        if not piece:
            raise ConnectionError("the client closed during the opening handshake")
        head += piece
    head, rest = head.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    fields = {ln.split(b":", 1)[0].strip().lower(): ln.split(b":", 1)[1].strip() for ln in lines[1:] if b":" in ln}
    key = fields.get(b"sec-websocket-key", b"")
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    sock.settimeout(None)
    c = Conn(sock, client=False)
    c.buf += rest
    c._parse()
    return c
