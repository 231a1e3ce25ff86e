"""Raw HTTP/2 frames against a running ferry, for the frame-level conformance and attack tests.

FrameConnection opens an h2c connection with prior knowledge (raw socket, client preface, SETTINGS),
sends frames built with hyperframe (or byte by byte with raw_frame() when a test needs a frame
hyperframe refuses to build), encodes header blocks with its own hpack.Encoder, and parses what
the server sends with hyperframe, decoding the server's header blocks with an hpack.Decoder that
follows the whole connection. Every read has a deadline and every loop a count. Each connection
keeps a trace of the frames that went both ways; the expect_* helpers raise AssertionError with
that trace, so a failing test shows what the server actually did.

H2Client is the well-behaved counterpart (h2.connection.H2Connection) for the cases that only need
a correct request: `request(path, extra_headers)` -> (status, headers, body)."""

import collections
import select
import socket
import ssl
import struct
import time

import h2.config
import h2.connection
import h2.events
import hpack
import hyperframe.frame as hf

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# Error codes (RFC 9113 section 7).
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
INTERNAL_ERROR = 0x2
FLOW_CONTROL_ERROR = 0x3
SETTINGS_TIMEOUT = 0x4
STREAM_CLOSED = 0x5
FRAME_SIZE_ERROR = 0x6
REFUSED_STREAM = 0x7
CANCEL = 0x8
COMPRESSION_ERROR = 0x9
CONNECT_ERROR = 0xA
ENHANCE_YOUR_CALM = 0xB
INADEQUATE_SECURITY = 0xC
HTTP_1_1_REQUIRED = 0xD
ERROR_NAMES = {
    0x0: "NO_ERROR", 0x1: "PROTOCOL_ERROR", 0x2: "INTERNAL_ERROR", 0x3: "FLOW_CONTROL_ERROR",
    0x4: "SETTINGS_TIMEOUT", 0x5: "STREAM_CLOSED", 0x6: "FRAME_SIZE_ERROR", 0x7: "REFUSED_STREAM",
    0x8: "CANCEL", 0x9: "COMPRESSION_ERROR", 0xA: "CONNECT_ERROR", 0xB: "ENHANCE_YOUR_CALM",
    0xC: "INADEQUATE_SECURITY", 0xD: "HTTP_1_1_REQUIRED",
}

# Frame types (section 6).
DATA = 0x0
HEADERS = 0x1
PRIORITY = 0x2
RST_STREAM = 0x3
SETTINGS = 0x4
PUSH_PROMISE = 0x5
PING = 0x6
GOAWAY = 0x7
WINDOW_UPDATE = 0x8
CONTINUATION = 0x9
TYPE_NAMES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE",
              6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}

# Flags.
FLAG_END_STREAM = 0x1
FLAG_ACK = 0x1
FLAG_END_HEADERS = 0x4
FLAG_PADDED = 0x8
FLAG_PRIORITY = 0x20

# SETTINGS identifiers (section 6.5.2).
SETTINGS_HEADER_TABLE_SIZE = 0x1
SETTINGS_ENABLE_PUSH = 0x2
SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_FRAME_SIZE = 0x5
SETTINGS_MAX_HEADER_LIST_SIZE = 0x6

DEFAULT_TIMEOUT = 5.0
TRACE_LENGTH = 60


def error_name(code):
    return ERROR_NAMES.get(code, "0x%x" % code)


def raw_frame(frame_type, flags, stream_id, payload=b"", length=None):
    """A frame byte by byte: any type, flags, stream id (the reserved bit included) and a length
    field that may lie about the payload."""
    n = len(payload) if length is None else length
    return struct.pack(">BHBBL", (n >> 16) & 0xFF, n & 0xFFFF, frame_type, flags, stream_id & 0xFFFFFFFF) + payload


def settings_payload(settings):
    """SETTINGS payload from {identifier: value} or [(identifier, value)] (repeats allowed)."""
    items = settings.items() if isinstance(settings, dict) else settings
    return b"".join(struct.pack(">HL", k, v & 0xFFFFFFFF) for k, v in items)


def hpack_int(value, prefix_bits, flags=0):
    """An HPACK integer (RFC 7541 5.1) with `flags` in the bits above the prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([flags | value])
    out = bytearray([flags | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_literal(name, value, indexing=False):
    """A literal field with a literal name, no Huffman: with incremental indexing (the entry goes
    into the dynamic table) or without indexing. Built by hand, so an hpack.Encoder on the same
    connection would lose track of the table: use either one or the other per connection."""
    name = name.encode("latin-1") if isinstance(name, str) else name
    value = value.encode("latin-1") if isinstance(value, str) else value
    return (b"\x40" if indexing else b"\x00") + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value


# The request pseudo-header fields from the static table only (GET, http, "/"), plus :authority
# as a literal without indexing: a block prefix that leaves the dynamic table alone.
STATIC_GET_ROOT = b"\x82\x86\x84" + b"\x01" + hpack_int(9, 7) + b"localhost"


def static_get(path):
    """GET `path` for localhost, leaving the dynamic table alone."""
    p = path.encode("latin-1")
    return b"\x82\x86" + b"\x04" + hpack_int(len(p), 7) + p + b"\x01" + hpack_int(9, 7) + b"localhost"


def request_headers(path="/", method="GET", authority="localhost", scheme="http", extra=()):
    return [(":method", method), (":scheme", scheme), (":path", path), (":authority", authority)] + list(extra)


def describe(frame_type, flags, stream_id, length, payload=b""):
    """One trace line for a frame."""
    name = TYPE_NAMES.get(frame_type, "TYPE_0x%x" % frame_type)
    parts = ["%s s=%d len=%d" % (name, stream_id, length)]
    f = []
    if frame_type in (DATA, HEADERS) and flags & FLAG_END_STREAM:
        f.append("END_STREAM")
    if frame_type in (SETTINGS, PING) and flags & FLAG_ACK:
        f.append("ACK")
    if frame_type in (HEADERS, CONTINUATION, PUSH_PROMISE) and flags & FLAG_END_HEADERS:
        f.append("END_HEADERS")
    if frame_type in (DATA, HEADERS, PUSH_PROMISE) and flags & FLAG_PADDED:
        f.append("PADDED")
    if frame_type == HEADERS and flags & FLAG_PRIORITY:
        f.append("PRIORITY")
    if f:
        parts.append("[%s]" % ",".join(f))
    elif flags:
        parts.append("flags=0x%x" % flags)
    if frame_type in (RST_STREAM,) and len(payload) >= 4:
        parts.append(error_name(struct.unpack(">L", payload[:4])[0]))
    elif frame_type == GOAWAY and len(payload) >= 8:
        last, code = struct.unpack(">LL", payload[:8])
        parts.append("last=%d %s" % (last & 0x7FFFFFFF, error_name(code)))
        if len(payload) > 8:
            parts.append("debug=%r" % bytes(payload[8:72]))
    elif frame_type == WINDOW_UPDATE and len(payload) >= 4:
        parts.append("+%d" % (struct.unpack(">L", payload[:4])[0] & 0x7FFFFFFF))
    elif frame_type == SETTINGS and payload and len(payload) % 6 == 0:
        parts.append(str([struct.unpack(">HL", payload[i:i + 6]) for i in range(0, len(payload), 6)][:8]))
    return " ".join(parts)


class Closed(Exception):
    """The server closed the connection (EOF or reset)."""


# Reads and writes that would block on a non-blocking socket, in the clear or through TLS.
_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


def tls_connect(server, ca_file, timeout=DEFAULT_TIMEOUT, alpn=("h2",)):
    """A TLS connection to the server's TLS listener with ALPN `alpn`, checked to have chosen h2."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.set_alpn_protocols(list(alpn))
    raw = socket.create_connection((server.host, server.tls_port), timeout=timeout)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock = ctx.wrap_socket(raw, server_hostname="localhost")
    if sock.selected_alpn_protocol() != "h2":
        sock.close()
        raise AssertionError("ALPN chose %r, not h2" % sock.selected_alpn_protocol())
    return sock


class FrameConnection:
    """An HTTP/2 connection driven frame by frame: h2c with prior knowledge, or h2 over TLS (ALPN)
    when `tls_ca` names the CA file to trust. With `handshake`, the constructor sends the preface
    and SETTINGS, answers the server's SETTINGS with an ACK and waits for the ACK of its own."""

    def __init__(self, server, settings=None, handshake=True, preface=True, timeout=DEFAULT_TIMEOUT, tls_ca=None):
        self.server = server
        self.sock = tls_connect(server, tls_ca, timeout) if tls_ca else server.connect(timeout)
        self.timeout = timeout
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.server_settings = {}
        self.trace = collections.deque(maxlen=TRACE_LENGTH)
        self.sent_frames = 0
        self.received_frames = 0
        self.received_counts = collections.Counter()
        self.data_bytes = collections.Counter()  # DATA payload received, by stream
        self.max_received_length = 0
        self.eof = False
        self.send_failed = False
        self.goaway = None  # the first GOAWAY frame received
        self._buf = bytearray()
        self._block = None  # (stream_id, bytearray): a server header block awaiting CONTINUATION
        if preface:
            self.send(PREFACE + raw_frame(SETTINGS, 0, 0, settings_payload(settings or {})), trace="PREFACE + SETTINGS %r" % (settings or {}))
        if handshake:
            self.handshake()

    # ---- sending ----

    def send(self, data, trace=None):
        """Sends bytes (frames already serialised); False when the server has closed."""
        if isinstance(data, (list, tuple)):
            data = b"".join(data)
        if trace is not None:
            self.trace.append("> " + trace)
        else:
            self._trace_sent(data)
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.send_failed = True
            return False

    def _trace_sent(self, data):
        pos = 0
        count = 0
        while pos + 9 <= len(data):
            length = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]
            ftype, flags = data[pos + 3], data[pos + 4]
            sid = struct.unpack(">L", data[pos + 5:pos + 9])[0]
            if count < 8:
                self.trace.append("> " + describe(ftype, flags, sid & 0x7FFFFFFF, length, data[pos + 9:pos + 9 + min(length, 80)]))
            count += 1
            pos += 9 + length
        if count > 8:
            self.trace.append("> ... %d more frames" % (count - 8))
        self.sent_frames += count

    def send_frame(self, *frames):
        return self.send(b"".join(f.serialize() for f in frames))

    def encode(self, headers):
        return self.encoder.encode(headers)

    def headers(self, stream_id, headers, end_stream=True, end_headers=True, block=None, priority=None,
                padding=None):
        """HEADERS with `headers` encoded (or a prepared `block`); priority=(depends_on, weight, exclusive)."""
        f = hf.HeadersFrame(stream_id)
        f.data = self.encode(headers) if block is None else block
        if end_stream:
            f.flags.add("END_STREAM")
        if end_headers:
            f.flags.add("END_HEADERS")
        if priority is not None:
            f.flags.add("PRIORITY")
            f.depends_on, f.stream_weight, f.exclusive = priority[0], priority[1], priority[2]
        if padding is not None:
            f.flags.add("PADDED")
            f.pad_length = padding
        return self.send_frame(f)

    def get(self, stream_id, path="/", extra=(), method="GET", end_stream=True):
        return self.headers(stream_id, request_headers(path, method, extra=extra), end_stream=end_stream)

    def continuation(self, stream_id, block, end_headers=True):
        f = hf.ContinuationFrame(stream_id)
        f.data = block
        if end_headers:
            f.flags.add("END_HEADERS")
        return self.send_frame(f)

    def data(self, stream_id, payload, end_stream=False):
        f = hf.DataFrame(stream_id)
        f.data = payload
        if end_stream:
            f.flags.add("END_STREAM")
        return self.send_frame(f)

    def rst(self, stream_id, code=CANCEL):
        return self.send_frame(hf.RstStreamFrame(stream_id, error_code=code))

    def ping(self, payload=b"ferry-h2", ack=False):
        return self.send(raw_frame(PING, FLAG_ACK if ack else 0, 0, payload))

    def settings(self, settings=None, ack=False):
        return self.send(raw_frame(SETTINGS, FLAG_ACK if ack else 0, 0, b"" if ack else settings_payload(settings or {})))

    def window_update(self, stream_id, increment):
        return self.send(raw_frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">L", increment & 0xFFFFFFFF)))

    def priority(self, stream_id, depends_on=0, weight=16, exclusive=False):
        return self.send(raw_frame(PRIORITY, 0, stream_id,
                                   struct.pack(">LB", depends_on | (0x80000000 if exclusive else 0), weight - 1)))

    def goaway_frame(self, last_stream_id=0, code=NO_ERROR, debug=b""):
        return self.send(raw_frame(GOAWAY, 0, 0, struct.pack(">LL", last_stream_id, code) + debug))

    # ---- receiving ----

    def _fill(self, deadline):
        """Reads more bytes; False on timeout. Raises Closed on EOF or reset."""
        if self.eof:
            raise Closed()
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(262144)
        except socket.timeout:
            return False
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, ssl.SSLError):
            chunk = b""
        if not chunk:
            self.eof = True
            self.trace.append("< EOF")
            raise Closed()
        self._buf += chunk
        return True

    def read_frame(self, timeout=None):
        """The next frame from the server, or None if none arrived in time. Raises Closed on EOF.
        HEADERS (and the CONTINUATION that completes a block) carry .decoded: [(name, value)]."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self._buf) < 9:
            if not self._fill(deadline):
                return None
        length = (self._buf[0] << 16) | (self._buf[1] << 8) | self._buf[2]
        while len(self._buf) < 9 + length:
            if not self._fill(deadline):
                return None
        header = bytes(self._buf[:9])
        body = bytes(self._buf[9:9 + length])
        del self._buf[:9 + length]
        self.received_frames += 1
        ftype, flags = header[3], header[4]
        sid = struct.unpack(">L", header[5:9])[0] & 0x7FFFFFFF
        self.received_counts[ftype] += 1
        self.max_received_length = max(self.max_received_length, length)
        self.trace.append("< " + describe(ftype, flags, sid, length, body[:80]))
        try:
            frame, _ = hf.Frame.parse_frame_header(memoryview(header))
            frame.parse_body(memoryview(body))
        except Exception as e:  # a frame the server must never send
            raise AssertionError("server sent a malformed frame (%s):\n%s" % (e, self.dump()))
        frame.decoded = None
        if ftype == DATA:
            self.data_bytes[sid] += len(frame.data)
        if ftype == HEADERS or ftype == PUSH_PROMISE:
            self._block = (sid, bytearray(frame.data))
        elif ftype == CONTINUATION:
            if self._block is None or self._block[0] != sid:
                raise AssertionError("server sent a stray CONTINUATION:\n" + self.dump())
            self._block[1].extend(frame.data)
        if ftype in (HEADERS, PUSH_PROMISE, CONTINUATION) and "END_HEADERS" in frame.flags:
            try:
                decoded = self.decoder.decode(bytes(self._block[1]), raw=True)
            except Exception as e:
                raise AssertionError("server sent an undecodable header block (%s):\n%s" % (e, self.dump()))
            frame.decoded = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in decoded]
            frame.block_stream_id = self._block[0]
            self._block = None
        if ftype == SETTINGS and "ACK" not in frame.flags:
            self.server_settings.update(frame.settings)
        if ftype == GOAWAY and self.goaway is None:
            self.goaway = frame
        return frame

    def read_until(self, predicate, timeout=None, max_frames=100000):
        """Reads frames until predicate(frame) is true; returns that frame, or None on timeout, EOF
        or after max_frames frames."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        for _ in range(max_frames):
            try:
                frame = self.read_frame(max(0.0, deadline - time.monotonic()))
            except Closed:
                return None
            if frame is None:
                return None
            if predicate(frame):
                return frame
        return None

    def drain(self, timeout=0.0, max_frames=100000):
        """Reads whatever frames are already there (or arrive within `timeout`); returns them."""
        out = []
        deadline = time.monotonic() + timeout
        for _ in range(max_frames):
            try:
                frame = self.read_frame(max(0.0, deadline - time.monotonic()))
            except Closed:
                break
            if frame is None:
                break
            out.append(frame)
        return out

    def dump(self):
        return "frame trace (last %d):\n  %s" % (len(self.trace), "\n  ".join(self.trace))

    def fail(self, what):
        raise AssertionError("%s\n%s" % (what, self.dump()))

    def handshake(self, timeout=None):
        """Waits for the server's SETTINGS (ACKs it) and for the ACK of ours."""
        got_settings = got_ack = False
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        for _ in range(100):
            try:
                frame = self.read_frame(max(0.0, deadline - time.monotonic()))
            except Closed:
                self.fail("connection closed during the handshake")
            if frame is None:
                self.fail("handshake timed out (settings=%s ack=%s)" % (got_settings, got_ack))
            if frame.type == SETTINGS:
                if "ACK" in frame.flags:
                    got_ack = True
                else:
                    if got_settings:
                        self.fail("server sent a second SETTINGS before the handshake ended")
                    got_settings = True
                    self.settings(ack=True)
            elif not got_settings:
                self.fail("the server's first frame is not SETTINGS")
            elif frame.type == GOAWAY:
                self.fail("GOAWAY during the handshake")
            if got_settings and got_ack:
                return
        self.fail("handshake did not finish")

    # ---- expectations ----

    def expect_goaway(self, error_code, timeout=None, max_frames=100000):
        """The server sends GOAWAY with `error_code` (a code or a collection of acceptable codes);
        frames before it are ignored. Returns the GOAWAY frame."""
        codes = error_code if isinstance(error_code, (set, frozenset, list, tuple)) else (error_code,)
        if self.goaway is None:
            self.read_until(lambda f: f.type == GOAWAY, timeout, max_frames)
        if self.goaway is None:
            self.fail("expected GOAWAY %s, got none (%s)" % (
                "/".join(error_name(c) for c in codes), "connection closed" if self.eof else "timeout"))
        if self.goaway.error_code not in codes:
            self.fail("expected GOAWAY %s, got GOAWAY %s" % (
                "/".join(error_name(c) for c in codes), error_name(self.goaway.error_code)))
        return self.goaway

    def expect_closed(self, timeout=None, max_frames=100000):
        """The server closes the TCP connection (after whatever frames it still sends)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        for _ in range(max_frames):
            try:
                if self.read_frame(max(0.0, deadline - time.monotonic())) is None:
                    self.fail("the server did not close the connection")
            except Closed:
                return
        self.fail("the server did not close the connection")

    def expect_connection_error(self, error_code, timeout=None):
        """A connection error: GOAWAY with the code, then the connection is closed."""
        frame = self.expect_goaway(error_code, timeout)
        self.expect_closed(timeout)
        return frame

    def expect_rst(self, stream_id, error_code, timeout=None):
        """RST_STREAM on `stream_id` with `error_code` (or one of several); GOAWAY or EOF first fails."""
        codes = error_code if isinstance(error_code, (set, frozenset, list, tuple)) else (error_code,)
        frame = self.read_until(lambda f: f.type == GOAWAY or (f.type == RST_STREAM and f.stream_id == stream_id),
                                timeout)
        if frame is None or frame.type == GOAWAY:
            self.fail("expected RST_STREAM %s on stream %d, got %s" % (
                "/".join(error_name(c) for c in codes), stream_id,
                "GOAWAY" if frame is not None else ("EOF" if self.eof else "timeout")))
        if frame.error_code not in codes:
            self.fail("expected RST_STREAM %s on stream %d, got %s" % (
                "/".join(error_name(c) for c in codes), stream_id, error_name(frame.error_code)))
        return frame

    def expect_stream_error(self, stream_id, error_code, timeout=None):
        """Where RFC 9113 lets the endpoint choose: RST_STREAM on the stream or GOAWAY, with the code.
        Returns the frame."""
        codes = error_code if isinstance(error_code, (set, frozenset, list, tuple)) else (error_code,)
        frame = self.read_until(lambda f: f.type == GOAWAY or (f.type == RST_STREAM and f.stream_id == stream_id),
                                timeout)
        if frame is None:
            self.fail("expected RST_STREAM or GOAWAY %s for stream %d, got %s" % (
                "/".join(error_name(c) for c in codes), stream_id, "EOF" if self.eof else "timeout"))
        if frame.error_code not in codes:
            self.fail("expected %s for stream %d, got %s %s" % (
                "/".join(error_name(c) for c in codes), stream_id,
                TYPE_NAMES[frame.type], error_name(frame.error_code)))
        return frame

    def expect_ping_ack(self, payload=b"alive!!!", timeout=None):
        """Sends PING and waits for its ACK: the connection is alive and has processed everything
        sent before. GOAWAY or EOF first fails. Returns the frames received before the ACK."""
        if not self.send(raw_frame(PING, 0, 0, payload)):
            self.fail("could not send PING: connection closed")
        seen = []

        def match(f):
            seen.append(f)
            return f.type == GOAWAY or (f.type == PING and "ACK" in f.flags and f.opaque_data == payload)

        frame = self.read_until(match, timeout)
        if frame is None:
            self.fail("no PING ACK (%s)" % ("EOF" if self.eof else "timeout"))
        if frame.type == GOAWAY:
            self.fail("GOAWAY %s instead of the PING ACK" % error_name(frame.error_code))
        return seen[:-1]

    def expect_response(self, stream_id, timeout=None, window_updates=True, max_frames=100000):
        """Reads the response on `stream_id` to its end: (status, headers, body). Refills the flow
        control windows as DATA arrives. RST_STREAM on the stream, GOAWAY or EOF fails."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        status, fields, body = None, [], bytearray()
        for _ in range(max_frames):
            try:
                frame = self.read_frame(max(0.0, deadline - time.monotonic()))
            except Closed:
                frame = None
            if frame is None:
                self.fail("response on stream %d incomplete (%s)" % (stream_id, "EOF" if self.eof else "timeout"))
            if frame.type == GOAWAY:
                self.fail("GOAWAY %s before the response on stream %d ended" % (error_name(frame.error_code), stream_id))
            if frame.type == DATA and window_updates and frame.flow_controlled_length:
                # Every DATA frame (of any stream) used the connection window: give it back.
                self.window_update(0, frame.flow_controlled_length)
            if frame.stream_id != stream_id:
                continue
            if frame.type == RST_STREAM:
                self.fail("stream %d reset (%s) before its response ended" % (stream_id, error_name(frame.error_code)))
            if frame.decoded is not None:
                if status is None:
                    for k, v in frame.decoded:
                        if k == ":status":
                            status = int(v)
                    if status is not None and 100 <= status < 200:
                        status = None  # an interim response
                        continue
                    fields = [(k, v) for k, v in frame.decoded if not k.startswith(":")]
            if frame.type == DATA:
                body += frame.data
                if window_updates and frame.flow_controlled_length and "END_STREAM" not in frame.flags:
                    self.window_update(stream_id, frame.flow_controlled_length)
            if frame.type in (DATA, HEADERS) and "END_STREAM" in frame.flags:
                if status is None:
                    self.fail("stream %d ended without a response head" % stream_id)
                return status, fields, bytes(body)
        self.fail("response on stream %d too long" % stream_id)

    def request(self, stream_id, path="/", extra=(), method="GET", timeout=None):
        """GET (or `method`) on `stream_id`; returns (status, headers, body)."""
        if not self.get(stream_id, path, extra, method):
            self.fail("could not send the request: connection closed")
        return self.expect_response(stream_id, timeout)

    # ---- floods ----

    def pump(self, chunks, read=True, stall=3.0, stop_on_goaway=True, max_frames_read=1000000):
        """Sends `chunks` (an iterable of bytes) as fast as the server takes them. With `read`, what
        the server sends is read (and traced) meanwhile, so neither side blocks on the other.
        Stops when every chunk is sent, the server closes, a GOAWAY arrives (stop_on_goaway), or a
        send makes no progress for `stall` seconds. Returns the number of chunks fully sent."""
        sent = 0
        self.sock.setblocking(False)
        try:
            for chunk in chunks:
                view = memoryview(chunk)
                self._trace_sent(chunk)
                last_progress = time.monotonic()
                while view:
                    rl = [self.sock] if read and not self.eof else []
                    r, w, _ = select.select(rl, [self.sock], [], 0.2)
                    if r:
                        self._read_available(max_frames_read)
                        if self.eof or (stop_on_goaway and self.goaway is not None):
                            return sent
                    if w:
                        try:
                            n = self.sock.send(view)
                        except _WOULD_BLOCK:
                            n = 0
                        except (BrokenPipeError, ConnectionResetError, OSError):
                            self.send_failed = True
                            return sent
                        if n:
                            view = view[n:]
                            last_progress = time.monotonic()
                    if time.monotonic() - last_progress > stall:
                        self.trace.append("> (send stalled for %.0fs)" % stall)
                        return sent
                sent += 1
            return sent
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(self.timeout)

    def _read_available(self, max_frames):
        """Reads bytes that are ready (non-blocking) and parses every complete frame."""
        for _ in range(64):
            try:
                chunk = self.sock.recv(262144)
            except _WOULD_BLOCK:
                break
            except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, ssl.SSLError):
                chunk = b""
            if not chunk:
                self.eof = True
                self.trace.append("< EOF")
                return
            self._buf += chunk
            # TLS may hold decrypted bytes that select() does not see.
            if not (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()):
                break
        for _ in range(max_frames):
            if len(self._buf) < 9:
                return
            length = (self._buf[0] << 16) | (self._buf[1] << 8) | self._buf[2]
            if len(self._buf) < 9 + length:
                return
            self.read_frame(0)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class H2Client:
    """A well-behaved client (h2.connection.H2Connection) on h2c with prior knowledge."""

    def __init__(self, server, timeout=DEFAULT_TIMEOUT, settings=None):
        self.sock = server.connect(timeout)
        self.timeout = timeout
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.sock.sendall(self.conn.data_to_send())

    def request(self, path="/", extra_headers=(), method="GET"):
        """One request on a new stream; returns (status, headers, body) with headers a list of
        (name, value) without pseudo-headers. A reset stream or GOAWAY raises AssertionError."""
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, request_headers(path, method, extra=extra_headers), end_stream=True)
        self.sock.sendall(self.conn.data_to_send())
        status, fields, body = None, [], bytearray()
        deadline = time.monotonic() + self.timeout
        for _ in range(100000):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("h2 request %s timed out" % path)
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise AssertionError("h2 request %s timed out" % path)
            if not data:
                raise AssertionError("connection closed during h2 request %s" % path)
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream_id:
                    hdrs = [(k, v) for k, v in event.headers]
                    status = int(dict(hdrs)[":status"])
                    fields = [(k, v) for k, v in hdrs if not k.startswith(":")]
                elif isinstance(event, h2.events.DataReceived):
                    if event.stream_id == stream_id:
                        body += event.data
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream_id:
                    raise AssertionError("h2 request %s reset: %s" % (path, event.error_code))
                elif isinstance(event, h2.events.ConnectionTerminated):
                    raise AssertionError("GOAWAY %s during h2 request %s" % (event.error_code, path))
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream_id:
                    pending = self.conn.data_to_send()
                    if pending:
                        self.sock.sendall(pending)
                    return status, fields, bytes(body)
            pending = self.conn.data_to_send()
            if pending:
                self.sock.sendall(pending)
        raise AssertionError("h2 request %s: too many reads" % path)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def request(server, path="/", extra_headers=(), method="GET"):
    """One request on a fresh well-behaved h2c connection: (status, headers, body)."""
    with H2Client(server) as c:
        return c.request(path, extra_headers, method)


class OverTls:
    """Mixin for a FerryTestCase whose tests open FrameConnections with self.connect(): the same
    tests run over h2 on a TLS listener (ALPN "h2") instead of h2c. Put it first in the bases."""

    @classmethod
    def setUpClass(cls):
        import shutil
        from ferry_harness import toml_string
        from tls_certs import CertificateAuthority
        cls.ca = CertificateAuthority()
        cert, key = cls.ca.issue("h2", ["localhost"])
        cls.config = '[tls]\nlisten = ["127.0.0.1:0"]\ncertificates = [{ cert = %s, key = %s }]\n%s' % (
            toml_string(cert), toml_string(key), cls.config or "")
        try:
            super().setUpClass()
        except BaseException:
            shutil.rmtree(cls.ca.dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        import shutil
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.ca.dir, ignore_errors=True)

    def connect(self, settings=None, **kw):
        kw.setdefault("tls_ca", self.ca.cert)
        return super().connect(settings, **kw)
