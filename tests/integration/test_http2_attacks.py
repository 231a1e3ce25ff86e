"""Known HTTP/2 attacks against the real binary over h2c (a subset also over TLS with ALPN h2,
the Tls* classes at the end). Each attack must be cut off (GOAWAY
ENHANCE_YOUR_CALM, or the offending stream reset) after a bounded number of frames, the server's
memory (peak RSS during the attack) must stay bounded, and a connection opened before the attack
must still be served after it (one worker: the attack shares its event loop).

The limits are the module's defaults (src/modules/http2/http2_config.hpp): 200 client resets in a
burst then 33/s, 100 provoked resets / empty frames per 10 s, 1000 PRIORITY per 10 s, 500
SETTINGS+PING per 10 s, 8 CONTINUATION frames per header block, 100 queued ACKs. The bounds
asserted here are several times those, so they hold on a slow machine, and far below what an
unprotected server would take."""

import struct
import unittest

import h2_frames as h2f
from ferry_harness import peak_rss_kib, reset_peak_rss, rss_kib, sanitized_binary
from h2_frames import FrameConnection, H2Client, hpack_literal, raw_frame, request_headers, static_get
from ferry_harness import FerryTestCase, has_module

LARGE = bytes(range(256)) * (4 * 16 * 1024)  # 16 MiB
FILES = {
    "index.html": "<!doctype html><title>h2</title>hello\n",
    "a.txt": "alpha\n",
    "large.bin": LARGE,
}
A_TXT = b"alpha\n"
MEMORY_BOUND_KIB = 24 * 1024  # growth of the peak RSS allowed during one attack


MEASURE_MEMORY = not sanitized_binary()
GOAWAY_FLOOD = (h2f.ENHANCE_YOUR_CALM,)


def tcp_buffer_max():
    """The most a connection's socket buffers can hold: the receive buffer's maximum (the
    server's side) plus the send buffer's (ours)."""
    total = 0
    for name in ("tcp_rmem", "tcp_wmem"):
        with open("/proc/sys/net/ipv4/" + name) as f:
            total += int(f.read().split()[2])
    return total


def flood_total(chunk, at_least):
    """How many chunks like `chunk` a flood whose cut-off is judged by `sent < total` sends: more
    than the socket buffers and what the server reads after its GOAWAY can take (see
    assert_stopped_reading). A smaller flood can go entirely into the buffers while a loaded
    machine keeps the server from reading, however early the server cuts it off."""
    return max(at_least, (tcp_buffer_max() + (8 << 20)) // len(chunk) + 1)


def repeat(chunk, count):
    for _ in range(count):
        yield chunk


@unittest.skipUnless(has_module("http2"), "needs the http2 module")
class AttackTestCase(FerryTestCase):
    files = FILES

    def setUp(self):
        # The bystander: connected and served before the attack, served again after it.
        self.keeper = H2Client(self.server)
        self.addCleanup(self.keeper.close)
        self.assertEqual(self.keeper.request("/a.txt")[0], 200)
        self.pid = self.server.proc.pid
        self.rss_before = rss_kib(self.pid)
        self.peak_resettable = reset_peak_rss(self.pid)

    def connect(self, settings=None, **kw):
        c = FrameConnection(self.server, settings=settings, **kw)
        self.addCleanup(c.close)
        return c

    def assert_survived(self, c=None):
        """The bystander is served, and the peak RSS during the attack stayed bounded."""
        status, _, body = self.keeper.request("/a.txt")
        self.assertEqual((status, body), (200, A_TXT), c.dump() if c else "")
        status, _, body = h2f.request(self.server, "/a.txt")
        self.assertEqual((status, body), (200, A_TXT))
        if not MEASURE_MEMORY:
            return
        peak = peak_rss_kib(self.pid) if self.peak_resettable else rss_kib(self.pid)
        self.assertLess(peak - self.rss_before, MEMORY_BOUND_KIB,
                        "RSS grew from %d KiB to a peak of %d KiB\n%s" % (self.rss_before, peak,
                                                                         c.dump() if c else ""))

    def assert_cut_off(self, c, sent, total, codes=GOAWAY_FLOOD, max_last_stream=None):
        """The flood ended in GOAWAY with one of `codes` and a close, before all of it was sent."""
        goaway = c.expect_goaway(codes, timeout=10)
        c.expect_closed(timeout=10)
        if max_last_stream is not None:
            # What the server processed is the bound; how much the client managed to push into
            # the socket buffers before the GOAWAY arrived depends on speed, not on the server.
            self.assertLessEqual(goaway.last_stream_id, max_last_stream, c.dump())
        else:
            # Sound only for a flood larger than the buffers can take unread (flood_total).
            self.assertLess(sent, total, "the whole flood was accepted\n" + c.dump())
        return goaway


def stream_chunks(total, per_chunk, block, then=None, first_id=1):
    """`total` chunks of `per_chunk` requests (HEADERS with `block`, END_STREAM) on fresh streams,
    each followed by `then(stream_id)` when given."""
    stream_id = first_id
    for _ in range(total):
        out = []
        for _ in range(per_chunk):
            out.append(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS, stream_id, block))
            if then is not None:
                out.append(then(stream_id))
            stream_id += 2
        yield b"".join(out)


def rapid_reset_chunks(path, total):
    """`total` chunks of 25 HEADERS + RST_STREAM(CANCEL) pairs on fresh streams."""
    return stream_chunks(total, 25, static_get(path),
                         lambda sid: raw_frame(h2f.RST_STREAM, 0, sid, struct.pack(">L", h2f.CANCEL)))


class RapidResetTest(AttackTestCase):
    """CVE-2023-44487: HEADERS + RST_STREAM pairs, thousands of them."""

    def test_rapid_reset(self):
        c = self.connect()
        total = 400  # chunks of 25 pairs: 10000 streams
        sent = c.pump(rapid_reset_chunks("/a.txt", total))
        # 200 in a burst, then 33/s: far fewer than 2000 streams can be processed.
        self.assert_cut_off(c, sent, total, max_last_stream=2 * 2000)
        self.assert_survived(c)

    def test_rapid_reset_of_large_responses(self):
        # The resets race responses already being produced (large file, window open).
        c = self.connect()
        total = 200
        sent = c.pump(rapid_reset_chunks("/large.bin", total))
        self.assert_cut_off(c, sent, total, max_last_stream=2 * 2000)
        self.assert_survived(c)

    def test_resets_at_a_modest_rate_are_not_a_flood(self):
        # A client cancelling some of its requests is normal: 50 request+cancel pairs, each
        # followed by a served request, are all fine.
        c = self.connect()
        for i in range(50):
            sid = 1 + 4 * i
            c.get(sid, "/large.bin")
            c.rst(sid, h2f.CANCEL)
            status, _, body = c.request(sid + 2, "/a.txt")
            self.assertEqual((status, body), (200, A_TXT))
        self.assertIsNone(c.goaway, c.dump())


class ProvokedResetTest(AttackTestCase):
    """CVE-2025-8671 "MadeYouReset": frames that make the server reset the stream itself."""

    def test_window_update_of_zero_on_open_streams(self):
        # The client's windows are 0: every response stays open until the WINDOW_UPDATE of 0
        # makes the server reset it (stream error PROTOCOL_ERROR).
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        total = 400

        sent = c.pump(stream_chunks(total, 10, static_get("/large.bin"),
                                    lambda sid: raw_frame(h2f.WINDOW_UPDATE, 0, sid, struct.pack(">L", 0))))
        # A flood of stream resets, or the first one escalated to a connection error (RFC 9113
        # 5.4.1 allows it; then the very first frame ends the connection).
        goaway = self.assert_cut_off(c, sent, total, codes=(h2f.ENHANCE_YOUR_CALM, h2f.PROTOCOL_ERROR),
                                     max_last_stream=2 * 1000)
        if goaway.error_code == h2f.PROTOCOL_ERROR:
            self.assertEqual(goaway.last_stream_id, 1, c.dump())
        self.assert_survived(c)

    def test_data_on_half_closed_streams(self):
        # DATA after END_STREAM: STREAM_CLOSED, as a stream error (then repeated, a flood) or at
        # once as a connection error.
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        total = 400

        sent = c.pump(stream_chunks(total, 10, static_get("/large.bin"),
                                    lambda sid: raw_frame(h2f.DATA, h2f.FLAG_END_STREAM, sid, b"x")))
        goaway = self.assert_cut_off(c, sent, total, codes=(h2f.ENHANCE_YOUR_CALM, h2f.STREAM_CLOSED),
                                     max_last_stream=2 * 1000)
        if goaway.error_code == h2f.STREAM_CLOSED:
            self.assertEqual(goaway.last_stream_id, 1, c.dump())
        self.assert_survived(c)

    def test_malformed_requests(self):
        # Each request is malformed (uppercase field name): a stream reset the client provoked.
        c = self.connect()
        block = static_get("/a.txt") + hpack_literal("X-Upper", "1")
        total = 400

        sent = c.pump(stream_chunks(total, 10, block))
        self.assert_cut_off(c, sent, total, max_last_stream=2 * 1000)
        self.assert_survived(c)


class ContinuationFloodTest(AttackTestCase):
    """CVE-2024-27316: HEADERS without END_HEADERS, then CONTINUATION frames without end."""

    def flood(self, payload):
        c = self.connect()
        total = flood_total(raw_frame(h2f.CONTINUATION, 0, 1, payload) * 4, 20000)
        first = raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM, 1, static_get("/a.txt"))

        def chunks():
            yield first
            for _ in range(total - 1):
                yield b"".join(raw_frame(h2f.CONTINUATION, 0, 1, payload) for _ in range(4))

        sent = c.pump(chunks())
        self.assert_cut_off(c, sent, total, codes=(h2f.ENHANCE_YOUR_CALM, h2f.PROTOCOL_ERROR,
                                                   h2f.COMPRESSION_ERROR))
        self.assertEqual(c.received_counts[h2f.HEADERS], 0, c.dump())
        self.assert_survived(c)

    def test_continuation_flood_of_fields(self):
        # Each frame holds complete fields (a decoder could emit them as they come).
        self.flood(b"".join(hpack_literal("x-flood-%d" % i, "v" * 200) for i in range(16)))

    def test_continuation_flood_of_one_endless_field(self):
        # One field whose value never ends: it cannot be decoded until the block ends.
        c = self.connect()
        total = 20000
        head = static_get("/a.txt") + b"\x00\x07x-flood" + h2f.hpack_int(2 << 20, 7)  # a 2 MiB value

        def chunks():
            yield raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM, 1, head)
            for _ in range(total - 1):
                yield b"".join(raw_frame(h2f.CONTINUATION, 0, 1, b"v" * 4096) for _ in range(4))

        sent = c.pump(chunks())
        self.assert_cut_off(c, sent, total, codes=(h2f.ENHANCE_YOUR_CALM, h2f.PROTOCOL_ERROR,
                                                   h2f.COMPRESSION_ERROR))
        self.assert_survived(c)

    def test_continuation_flood_of_empty_frames(self):
        self.flood(b"")


class HpackBombTest(AttackTestCase):
    """A large field indexed once, then referenced by one-byte indexes many times: the decoded
    list is huge. Each such request ends in 431 or a reset, never in memory growth."""

    def test_hpack_bomb(self):
        c = self.connect()
        # Stream 1 puts a 4000-byte field into the dynamic table (index 62) and is served.
        c.headers(1, None, block=static_get("/a.txt") + hpack_literal("x-bomb", "A" * 4000, indexing=True))
        status, _, _ = c.expect_response(1)
        self.assertEqual(status, 200, c.dump())
        # Each bomb: ~16000 references, 64 MB decoded from 16 KB sent.
        bomb = static_get("/a.txt") + b"\xbe" * 16000
        answered = {}
        stream_id = 3
        for _ in range(30):
            if not c.headers(stream_id, None, block=bomb):
                break
            frame = c.read_until(lambda f: f.type == h2f.GOAWAY or (
                f.stream_id == stream_id and (f.type == h2f.RST_STREAM or f.decoded is not None)), timeout=10)
            if frame is None or frame.type == h2f.GOAWAY:
                break
            if frame.type == h2f.HEADERS:
                self.assertEqual(dict(frame.decoded).get(":status"), "431", c.dump())
            answered[stream_id] = frame.type
            stream_id += 2
        if c.goaway is not None:
            # Cut off: a flood of provoked resets, or the table entry abused (a COMPRESSION_ERROR
            # is not right here: the block is valid HPACK).
            self.assertEqual(c.goaway.error_code, h2f.ENHANCE_YOUR_CALM, c.dump())
        else:
            self.assertEqual(len(answered), 30, c.dump())
        self.assert_survived(c)

    def test_hpack_bomb_spread_over_continuations(self):
        c = self.connect()
        c.headers(1, None, block=static_get("/a.txt") + hpack_literal("x-bomb", "B" * 4000, indexing=True))
        self.assertEqual(c.expect_response(1)[0], 200, c.dump())
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM, 3, static_get("/a.txt") + b"\xbe" * 16000)
               + b"".join(raw_frame(h2f.CONTINUATION, 0, 3, b"\xbe" * 16000) for _ in range(6))
               + raw_frame(h2f.CONTINUATION, h2f.FLAG_END_HEADERS, 3, b"\xbe" * 16000))
        frame = c.read_until(lambda f: f.type == h2f.GOAWAY or (
            f.stream_id == 3 and (f.type == h2f.RST_STREAM or f.decoded is not None)), timeout=10)
        self.assertIsNotNone(frame, c.dump())
        if frame.type == h2f.HEADERS:
            self.assertEqual(dict(frame.decoded).get(":status"), "431", c.dump())
        elif frame.type == h2f.GOAWAY:
            self.assertEqual(frame.error_code, h2f.ENHANCE_YOUR_CALM, c.dump())
        self.assert_survived(c)


class ControlFrameFloodTest(AttackTestCase):
    """CVE-2019-9512 (PING) and CVE-2019-9515 (SETTINGS): with and without reading the ACKs."""

    def ping_chunks(self, total):
        chunk = b"".join(raw_frame(h2f.PING, 0, 0, struct.pack(">Q", j)) for j in range(100))
        return repeat(chunk, total)

    def settings_chunks(self, total):
        frame = raw_frame(h2f.SETTINGS, 0, 0, h2f.settings_payload({h2f.SETTINGS_ENABLE_PUSH: 0}))
        for _ in range(total):
            yield frame * 100

    def test_ping_flood_reading_acks(self):
        c = self.connect()
        total = flood_total(next(self.ping_chunks(1)), 500)
        sent = c.pump(self.ping_chunks(total))
        self.assert_cut_off(c, sent, total)
        self.assertLess(c.received_counts[h2f.PING], 5000, c.dump())
        self.assert_survived(c)

    def assert_stopped_reading(self, sent, chunk_size):
        # After its GOAWAY the server reads (and discards) only a little more before it closes:
        # what the connection took is bounded by the socket buffers plus a few MiB.
        taken = sent * chunk_size
        bound = tcp_buffer_max() + (8 << 20)
        self.assertLess(taken, bound, "%.1f MB of the flood were taken (bound %.1f MB): the server "
                        "went on reading after its GOAWAY" % (taken / 1e6, bound / 1e6))

    def test_ping_flood_without_reading_acks(self):
        c = self.connect()
        total = 100000  # 10 million PINGs, 170 MB
        sent = c.pump(self.ping_chunks(total), read=False)
        self.assertLess(sent, total, "the whole flood was accepted")
        self.assert_stopped_reading(sent, 1700)
        # Whatever the server still sends ends with GOAWAY ENHANCE_YOUR_CALM or just a close.
        c.expect_closed(timeout=10)
        if c.goaway is not None:
            self.assertIn(c.goaway.error_code, GOAWAY_FLOOD, c.dump())
        self.assert_survived(c)

    def test_settings_flood_reading_acks(self):
        c = self.connect()
        total = flood_total(next(self.settings_chunks(1)), 500)
        sent = c.pump(self.settings_chunks(total))
        self.assert_cut_off(c, sent, total)
        self.assertLess(c.received_counts[h2f.SETTINGS], 5000, c.dump())
        self.assert_survived(c)

    def test_settings_flood_without_reading_acks(self):
        c = self.connect()
        total = 100000  # 10 million SETTINGS, 150 MB
        sent = c.pump(self.settings_chunks(total), read=False)
        self.assertLess(sent, total, "the whole flood was accepted")
        self.assert_stopped_reading(sent, 1500)
        c.expect_closed(timeout=10)
        if c.goaway is not None:
            self.assertIn(c.goaway.error_code, GOAWAY_FLOOD, c.dump())
        self.assert_survived(c)

    def test_settings_with_many_entries(self):
        c = self.connect()
        c.send(raw_frame(h2f.SETTINGS, 0, 0, h2f.settings_payload([(h2f.SETTINGS_ENABLE_PUSH, 0)] * 1000)))
        c.expect_goaway(GOAWAY_FLOOD)
        c.expect_closed()
        self.assert_survived(c)

    def test_window_update_flood(self):
        c = self.connect()
        total = flood_total(raw_frame(h2f.WINDOW_UPDATE, 0, 0, struct.pack(">L", 1)) * 100, 500)

        def chunks():
            for _ in range(total):
                yield raw_frame(h2f.WINDOW_UPDATE, 0, 0, struct.pack(">L", 1)) * 100

        sent = c.pump(chunks())
        self.assert_cut_off(c, sent, total)
        self.assert_survived(c)


class EmptyFrameFloodTest(AttackTestCase):
    """CVE-2019-9518: empty DATA frames (and empty header frames) cost the server work each."""

    def test_empty_data_frames(self):
        c = self.connect()
        c.headers(1, request_headers("/a.txt"), end_stream=False)
        total = flood_total(raw_frame(h2f.DATA, 0, 1, b"") * 100, 1000)
        sent = c.pump(repeat(raw_frame(h2f.DATA, 0, 1, b"") * 100, total))
        self.assert_cut_off(c, sent, total)
        self.assert_survived(c)

    def test_empty_data_frames_on_many_streams(self):
        c = self.connect()
        total = flood_total(raw_frame(h2f.DATA, 0, 1, b"") * 100, 1000)

        def chunks():
            for i in range(total):
                sid = 1 + 2 * (i % 50)
                if i < 50:
                    yield raw_frame(h2f.HEADERS, h2f.FLAG_END_HEADERS, sid, static_get("/a.txt"))
                yield raw_frame(h2f.DATA, 0, sid, b"") * 100

        sent = c.pump(chunks())
        self.assert_cut_off(c, sent, total + 50)
        self.assert_survived(c)


class HeaderFieldFloodTest(AttackTestCase):
    """CVE-2019-9516 and kin: header blocks full of zero-length names or values."""

    def test_zero_length_names(self):
        c = self.connect()
        # An empty name is invalid: every stream is reset, and repeated, the flood is cut off.
        block = static_get("/a.txt") + hpack_literal("", "") * 500
        total = 400
        sent = c.pump((b"".join(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS, 1 + 2 * (10 * i + j),
                                          block) for j in range(10)) for i in range(total)))
        self.assert_cut_off(c, sent, total, max_last_stream=2 * 1000)
        self.assert_survived(c)

    def test_zero_length_values(self):
        c = self.connect()
        # "x-e: " indexed once, then referenced 4000 times per request: over the field count
        # limit (431) and far over it (reset). Repeated, the resets are a flood.
        c.headers(1, None, block=static_get("/a.txt") + hpack_literal("x-e", "", indexing=True))
        self.assertEqual(c.expect_response(1)[0], 200, c.dump())
        block = static_get("/a.txt") + b"\xbe" * 4000
        total = 400

        sent = c.pump(stream_chunks(total, 10, block, first_id=3))
        self.assert_cut_off(c, sent, total, max_last_stream=2 * 1000)
        self.assert_survived(c)

    def test_many_small_requests_over_header_count_get_431(self):
        c = self.connect()
        extra = [("x-h%d" % i, "") for i in range(100)]  # over max_header_count (64), under 4x
        for i in range(5):
            status, _, _ = c.request(1 + 2 * i, "/a.txt", extra=extra)
            self.assertEqual(status, 431, c.dump())
        self.assert_survived(c)


class PriorityFloodTest(AttackTestCase):
    """CVE-2019-9513: PRIORITY frames reshuffling the dependency tree without end."""

    def test_priority_flood(self):
        c = self.connect()
        total = flood_total(raw_frame(h2f.PRIORITY, 0, 1, struct.pack(">LB", 3 | 0x80000000, 0)) * 100, 500)

        def chunks():
            n = 0
            for _ in range(total):
                out = []
                for _ in range(100):
                    sid = 1 + 2 * (n % 1000)
                    dep = 1 + 2 * ((n * 7 + 3) % 1000)
                    out.append(raw_frame(h2f.PRIORITY, 0, sid, struct.pack(">LB", dep | 0x80000000, n % 256)))
                    n += 1
                yield b"".join(out)

        sent = c.pump(chunks())
        self.assert_cut_off(c, sent, total)
        self.assert_survived(c)


class StalledReaderTest(AttackTestCase):
    """A client that asks for large files and never lets them flow must not make the server
    buffer them."""

    def test_zero_window(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        limit = min(c.server_settings.get(h2f.SETTINGS_MAX_CONCURRENT_STREAMS, 100), 100)
        for i in range(limit):
            c.get(1 + 2 * i, "/large.bin")
        c.expect_ping_ack()  # every request has been read
        self.assertEqual(sum(c.data_bytes.values()), 0, c.dump())
        self.assert_survived(c)
        self.assertIsNone(c.goaway, c.dump())

    def test_open_window_but_never_reading(self):
        # Windows wide open, the socket never read: the server stops at what the socket takes.
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 2 ** 31 - 1})
        c.window_update(0, 2 ** 31 - 1 - 65535)
        for i in range(50):
            c.get(1 + 2 * i, "/large.bin")
        # Read until every stream has started (the server took all requests), then stop reading:
        # 50 x 16 MiB requested, and the server is left with full socket buffers.
        started = c.read_until(lambda f: len([s for s in c.data_bytes if s]) == 50, timeout=20)
        self.assertIsNotNone(started, c.dump())
        for _ in range(3):
            status, _, body = self.keeper.request("/a.txt")
            self.assertEqual((status, body), (200, A_TXT))
        self.assert_survived()


class SlowClientTest(AttackTestCase):
    """Slowloris over HTTP/2: a header block or a request body trickled a byte at a time. Each
    byte is new input, so only the whole-head and whole-body deadlines (as for HTTP/1.1) can
    end it. The client paces itself with bounded waits for the server's answer; the outcome
    asserted is that the server ended the request while the client was still trickling."""

    config = '[timeouts]\nrequest_head = "1s"\nbody = "1s"\nidle = "3s"\n'
    TRICKLE = 50  # bytes, one per 100 ms: 5 s, far past the 1 s deadlines

    def trickle(self, c, data, stream_id):
        """Sends `data` a byte at a time; returns how many bytes went before the server ended
        the stream (RST_STREAM) or the connection (GOAWAY or close)."""
        c.trace.append("> (trickling %d bytes, one per 100 ms)" % len(data))
        for i in range(len(data)):
            ok = c.send(data[i:i + 1], trace="")
            c.trace.pop()  # one line for the whole trickle, not one per byte
            if not ok:
                return i
            frame = c.read_until(lambda f: f.type == h2f.GOAWAY or (f.type == h2f.RST_STREAM and f.stream_id == stream_id)
                                 or (f.stream_id == stream_id and f.decoded is not None), timeout=0.1)
            if frame is not None or c.eof:
                c.trace.append("> (%d bytes trickled)" % (i + 1))
                return i + 1
        c.trace.append("> (all %d bytes trickled)" % len(data))
        return len(data)

    def test_slow_header_block(self):
        c = self.connect()
        block = static_get("/a.txt") + hpack_literal("x-slow", "s" * self.TRICKLE)
        split = len(block) - self.TRICKLE
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS, 1, block[:split], length=len(block)))
        sent = self.trickle(c, block[split:], 1)
        self.assertLess(sent, self.TRICKLE, "a header block trickled for 5 s was never cut off\n" + c.dump())
        self.assert_survived(c)

    def test_slow_header_block_in_continuation(self):
        c = self.connect()
        block = static_get("/a.txt") + hpack_literal("x-slow", "s" * self.TRICKLE)
        split = len(block) - self.TRICKLE
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM, 1, block[:split])
               + raw_frame(h2f.CONTINUATION, h2f.FLAG_END_HEADERS, 1, b"", length=self.TRICKLE))
        sent = self.trickle(c, block[split:], 1)
        self.assertLess(sent, self.TRICKLE, "a header block trickled for 5 s was never cut off\n" + c.dump())
        self.assert_survived(c)

    def test_slow_body(self):
        c = self.connect()
        c.headers(1, request_headers("/a.txt", extra=[("content-length", str(self.TRICKLE))]), end_stream=False)
        c.send(raw_frame(h2f.DATA, h2f.FLAG_END_STREAM, 1, b"", length=self.TRICKLE))
        sent = self.trickle(c, b"b" * self.TRICKLE, 1)
        self.assertLess(sent, self.TRICKLE, "a body trickled for 5 s was never cut off\n" + c.dump())
        self.assert_survived(c)


class StreamIdentifierAbuseTest(AttackTestCase):
    """Stream identifiers reused or going backwards: connection errors (RFC 9113 5.1.1)."""

    def test_stream_id_regression(self):
        c = self.connect()
        self.assertEqual(c.request(7, "/a.txt")[0], 200)
        c.get(5, "/a.txt")
        c.expect_connection_error(h2f.PROTOCOL_ERROR)
        self.assert_survived(c)

    def test_stream_id_reuse_after_response(self):
        c = self.connect()
        self.assertEqual(c.request(1, "/a.txt")[0], 200)
        c.get(1, "/a.txt")
        c.expect_connection_error((h2f.PROTOCOL_ERROR, h2f.STREAM_CLOSED))
        self.assert_survived(c)

    def test_stream_id_reuse_after_reset(self):
        c = self.connect()
        c.get(1, "/large.bin")
        c.rst(1)
        c.get(1, "/a.txt")
        c.expect_connection_error((h2f.PROTOCOL_ERROR, h2f.STREAM_CLOSED))
        self.assert_survived(c)

    def test_stream_id_reuse_while_open(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        c.get(1, "/large.bin")
        c.get(1, "/a.txt")
        # The stream is half-closed (remote): HEADERS on it is STREAM_CLOSED (RFC 9113 5.1),
        # as a stream or connection error.
        frame = c.expect_stream_error(1, (h2f.STREAM_CLOSED, h2f.PROTOCOL_ERROR))
        if frame.type == h2f.GOAWAY:
            c.expect_closed()
        self.assert_survived(c)

    def test_highest_stream_identifier(self):
        c = self.connect()
        self.assertEqual(c.request(2 ** 31 - 1, "/a.txt")[0], 200)
        c.get(1, "/a.txt")
        c.expect_connection_error(h2f.PROTOCOL_ERROR)
        self.assert_survived(c)


class MalformedRequestsTest(AttackTestCase):
    """Malformed requests are stream errors of type PROTOCOL_ERROR (RFC 9113 8.1.1); one
    connection takes them all and goes on serving."""

    CASES = [
        ("missing :path", [(":method", "GET"), (":scheme", "http"), (":authority", "localhost")]),
        ("missing :method", [(":scheme", "http"), (":path", "/a.txt"), (":authority", "localhost")]),
        ("missing :scheme", [(":method", "GET"), (":path", "/a.txt"), (":authority", "localhost")]),
        (":path without /", [(":method", "GET"), (":scheme", "http"), (":path", "a.txt"), (":authority", "localhost")]),
        ("empty :path", [(":method", "GET"), (":scheme", "http"), (":path", ""), (":authority", "localhost")]),
        ("duplicate :method", [(":method", "GET"), (":method", "GET")] + request_headers("/a.txt")[1:]),
        ("duplicate :path", request_headers("/a.txt") + [(":path", "/a.txt")]),
        ("pseudo after regular", [(":method", "GET"), ("x-a", "1"), (":scheme", "http"), (":path", "/a.txt"),
                                  (":authority", "localhost")]),
        ("unknown pseudo", request_headers("/a.txt") + [(":foo", "bar")]),
        (":status in request", request_headers("/a.txt") + [(":status", "200")]),
        ("connection", request_headers("/a.txt", extra=[("connection", "close")])),
        ("keep-alive", request_headers("/a.txt", extra=[("keep-alive", "5")])),
        ("transfer-encoding", request_headers("/a.txt", extra=[("transfer-encoding", "chunked")])),
        ("upgrade", request_headers("/a.txt", extra=[("upgrade", "websocket")])),
        ("proxy-connection", request_headers("/a.txt", extra=[("proxy-connection", "keep-alive")])),
        ("te gzip", request_headers("/a.txt", extra=[("te", "gzip")])),
        ("uppercase name", request_headers("/a.txt", extra=[("Accept", "*/*")])),
    ]

    def test_malformed_head(self):
        c = self.connect()
        sid = 1
        for name, headers in self.CASES:
            with self.subTest(case=name):
                c.headers(sid, headers)
                c.expect_rst(sid, h2f.PROTOCOL_ERROR)
                sid += 2
        status, _, body = c.request(sid, "/a.txt")
        self.assertEqual((status, body), (200, A_TXT))
        self.assert_survived(c)

    def test_content_length_mismatch(self):
        c = self.connect()
        cases = [("longer data", "2", [b"12345"]), ("shorter data", "10", [b"12345"]),
                 ("longer over frames", "4", [b"12", b"345"]), ("no data", "3", [])]
        sid = 1
        for name, length, frames in cases:
            with self.subTest(case=name):
                c.headers(sid, request_headers("/a.txt", extra=[("content-length", length)]),
                          end_stream=not frames)
                for i, payload in enumerate(frames):
                    c.data(sid, payload, end_stream=i == len(frames) - 1)
                c.expect_rst(sid, h2f.PROTOCOL_ERROR)
                sid += 2
        status, _, body = c.request(sid, "/a.txt")
        self.assertEqual((status, body), (200, A_TXT))
        self.assert_survived(c)

    def test_body_over_max_body_size(self):
        # 1 MiB limit: the session answers 413 (and resets) rather than reading on.
        c = self.connect()
        c.headers(1, request_headers("/a.txt", extra=[("content-length", str(8 << 20))]), end_stream=False)
        frame = c.read_until(lambda f: f.type == h2f.GOAWAY or (
            f.stream_id == 1 and (f.type == h2f.RST_STREAM or f.decoded is not None)))
        self.assertIsNotNone(frame, c.dump())
        if frame.type == h2f.HEADERS:
            self.assertEqual(dict(frame.decoded).get(":status"), "413", c.dump())
        else:
            self.assertEqual(frame.type, h2f.RST_STREAM, c.dump())
        self.assert_survived(c)


# The same attacks through TLS (ALPN h2): reads go through the TLS session's buffers.
def over_tls(cls):
    tls = type("Tls" + cls.__name__, (h2f.OverTls, cls), {"__doc__": (cls.__doc__ or "") + " Over TLS."})
    return unittest.skipUnless(has_module("http2") and has_module("tls"), "needs the http2 and tls modules")(tls)


TlsRapidResetTest = over_tls(RapidResetTest)
TlsContinuationFloodTest = over_tls(ContinuationFloodTest)
TlsControlFrameFloodTest = over_tls(ControlFrameFloodTest)
TlsStalledReaderTest = over_tls(StalledReaderTest)
TlsHpackBombTest = over_tls(HpackBombTest)


if __name__ == "__main__":
    unittest.main()
