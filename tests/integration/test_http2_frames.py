"""HTTP/2 frame-level conformance of the real binary over h2c (prior knowledge; a subset also
over TLS with ALPN h2, the Tls* classes at the end), by h2spec category: each case sends frames byte by byte and checks the answer RFC 9113 (and RFC 7541 for
HPACK) requires: connection errors are GOAWAY with the code and then a closed connection, stream
errors are RST_STREAM with the code on that stream and the connection goes on serving. Where the
RFC lets the endpoint choose (any stream error may be escalated, section 5.4.1), either answer
with the right code is accepted."""

import struct
import unittest

import h2_frames as h2f
from h2_frames import STATIC_GET_ROOT, FrameConnection, raw_frame, request_headers
from ferry_harness import FerryTestCase, has_module

BIG = bytes(range(256)) * 1024  # 256 KiB
FILES = {
    "index.html": "<!doctype html><title>h2</title>hello\n",
    "a.txt": "alpha\n",
    "big.bin": BIG,
}
A_TXT = b"alpha\n"


@unittest.skipUnless(has_module("http2"), "needs the http2 module")
class FramesTestCase(FerryTestCase):
    files = FILES

    def connect(self, settings=None, **kw):
        c = FrameConnection(self.server, settings=settings, **kw)
        self.addCleanup(c.close)
        c.small_window = dict(settings or {}).get(h2f.SETTINGS_INITIAL_WINDOW_SIZE, 65535) < 100
        return c

    def assert_alive(self, c, stream_id):
        """After a stream error the connection still serves: a new request on `stream_id` works."""
        if getattr(c, "small_window", False):
            c.settings({h2f.SETTINGS_INITIAL_WINDOW_SIZE: 65535})  # let the new response flow
            c.small_window = False
        if c.data_bytes:
            c.window_update(0, 1 << 20)  # DATA read before (of reset streams) used the connection window
        status, _, body = c.request(stream_id, "/a.txt")
        self.assertEqual((status, body), (200, A_TXT), c.dump())

    def stream_error(self, c, stream_id, code, next_stream_id):
        """RST_STREAM (or, as RFC 9113 5.4.1 allows, GOAWAY) with `code`; after a RST_STREAM the
        connection must go on serving."""
        frame = c.expect_stream_error(stream_id, code)
        if frame.type == h2f.RST_STREAM:
            self.assert_alive(c, next_stream_id)
        else:
            c.expect_closed()
        return frame

    def open_stream(self, c, stream_id, extra=()):
        """HEADERS without END_STREAM: the stream is open (a GET with a body to come)."""
        self.assertTrue(c.headers(stream_id, request_headers("/a.txt", extra=extra), end_stream=False))

    def window(self, c):
        return c.server_settings.get(h2f.SETTINGS_INITIAL_WINDOW_SIZE, 65535)

    def max_frame(self, c):
        return c.server_settings.get(h2f.SETTINGS_MAX_FRAME_SIZE, 16384)


class ConnectionPrefaceTest(FramesTestCase):
    """RFC 9113 3.4 (h2spec 3.5)."""

    def test_preface_is_answered_with_settings(self):
        c = self.connect()  # the handshake checks the server's first frame is SETTINGS
        self.assert_alive(c, 1)

    def test_preface_split_into_single_bytes(self):
        c = self.connect(preface=False, handshake=False)
        for b in h2f.PREFACE:
            self.assertTrue(c.send(bytes([b]), trace="preface byte"))
        c.settings({})
        c.handshake()
        self.assert_alive(c, 1)

    def test_preface_without_settings_is_protocol_error(self):
        c = self.connect(preface=False, handshake=False)
        c.send(h2f.PREFACE + raw_frame(h2f.PING, 0, 0, b"12345678"), trace="PREFACE + PING (no SETTINGS)")
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_invalid_preface_is_not_http2(self):
        c = self.connect(preface=False, handshake=False)
        c.send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + raw_frame(h2f.SETTINGS, 0, 0), trace="corrupted preface")
        data = b""
        c.sock.settimeout(5)
        for _ in range(100):
            try:
                chunk = c.sock.recv(4096)
            except (ConnectionResetError, OSError):
                break
            if not chunk:
                break
            data += chunk
        # Never an HTTP/2 SETTINGS frame: an HTTP/1.1 error response, or a plain close.
        self.assertTrue(data == b"" or data.startswith(b"HTTP/1.1 4") or data.startswith(b"HTTP/1.1 5"), data[:200])


class FrameFormatTest(FramesTestCase):
    """RFC 9113 4.1 and 5.5 (h2spec 4.1, 5.5)."""

    def test_unknown_frame_type_is_ignored(self):
        c = self.connect()
        c.send(raw_frame(0x16, 0, 0, b"unknown extension"))
        c.send(raw_frame(0xFF, 0xFF, 1, b"x" * 100))
        c.expect_ping_ack()
        self.assert_alive(c, 1)

    def test_undefined_flags_are_ignored(self):
        c = self.connect()
        c.send(raw_frame(h2f.PING, 0x16 | 0x80 | 0x40, 0, b"flagged!"))
        frame = c.read_until(lambda f: f.type in (h2f.PING, h2f.GOAWAY))
        self.assertIsNotNone(frame, c.dump())
        self.assertEqual(frame.type, h2f.PING, c.dump())
        self.assertIn("ACK", frame.flags)
        self.assertEqual(frame.opaque_data, b"flagged!")
        # HEADERS with undefined flags (0x2, 0x10, 0x40) set as well.
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS | 0x02 | 0x10 | 0x40, 1,
                         c.encode(request_headers("/a.txt"))))
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_reserved_bit_in_stream_identifier_is_ignored(self):
        c = self.connect()
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS, 0x80000001,
                         c.encode(request_headers("/a.txt"))))
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_unknown_frame_inside_a_header_block_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_stream=True, end_headers=False, block=block[:3])
        c.send(raw_frame(0x16, 0, 0, b"extension"))
        c.continuation(1, block[3:])
        c.expect_connection_error(h2f.PROTOCOL_ERROR)


class FrameSizeTest(FramesTestCase):
    """RFC 9113 4.2 (h2spec 4.2)."""

    def test_data_frame_of_max_frame_size_is_accepted(self):
        c = self.connect()
        size = 16384
        if self.window(c) < size:
            self.skipTest("server's initial window is below 16384")
        self.open_stream(c, 1)
        c.data(1, b"x" * size, end_stream=True)
        status, _, _ = c.expect_response(1)
        self.assertLess(status, 500, c.dump())

    def test_data_frame_over_max_frame_size_is_frame_size_error(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.data(1, b"x" * (self.max_frame(c) + 1), end_stream=True)
        # A DATA frame does not alter the connection's state: stream or connection error.
        frame = c.expect_stream_error(1, h2f.FRAME_SIZE_ERROR)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_headers_frame_over_max_frame_size_is_connection_error(self):
        c = self.connect()
        extra = [("x-pad-%d" % i, "v" * 1000) for i in range(20)]
        block = c.encoder.encode(request_headers("/a.txt", extra=extra), huffman=False)
        self.assertGreater(len(block), self.max_frame(c))
        c.headers(1, None, block=block)
        c.expect_connection_error(h2f.FRAME_SIZE_ERROR)


class HeaderBlockTest(FramesTestCase):
    """RFC 9113 4.3 and 6.10 (h2spec 4.3, 6.10)."""

    def test_invalid_header_block_is_compression_error(self):
        c = self.connect()
        c.headers(1, None, block=b"\xff\xff\xff\xff\xff\xff\xff\xff")
        c.expect_connection_error(h2f.COMPRESSION_ERROR)

    def test_priority_inside_header_block_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_headers=False, block=block[:3])
        c.priority(1, 0, 16)
        c.continuation(1, block[3:])
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_headers_for_another_stream_inside_header_block_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_headers=False, block=block[:3])
        c.headers(3, None, block=block)
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_multiple_continuation_frames(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt", extra=[("x-long", "y" * 300)]))
        c.headers(1, None, end_headers=False, block=block[:5])
        # Five CONTINUATION frames: within the module's max_continuations (8 per block).
        step = (len(block) - 5) // 5 + 1
        pieces = [block[i:i + step] for i in range(5, len(block), step)]
        for i, piece in enumerate(pieces):
            c.continuation(1, piece, end_headers=i == len(pieces) - 1)
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_empty_continuation_frames(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_headers=False, block=block)
        c.continuation(1, b"", end_headers=False)
        c.continuation(1, b"", end_headers=True)
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_continuation_followed_by_other_frame_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_headers=False, block=block[:3])
        c.continuation(1, block[3:5], end_headers=False)
        c.data(1, b"x", end_stream=True)
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_continuation_on_stream_zero_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_headers=False, block=block[:3])
        c.send(raw_frame(h2f.CONTINUATION, h2f.FLAG_END_HEADERS, 0, block[3:]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_continuation_after_end_headers_is_protocol_error(self):
        c = self.connect()
        c.headers(1, request_headers("/a.txt"), end_stream=False)
        c.continuation(1, c.encode([("x-more", "1")]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_continuation_after_ended_continuation_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_stream=False, end_headers=False, block=block[:3])
        c.continuation(1, block[3:], end_headers=True)
        c.continuation(1, c.encode([("x-more", "1")]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_continuation_after_data_is_protocol_error(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.data(1, b"x")
        c.continuation(1, c.encode([("x-more", "1")]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_continuation_for_other_stream_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.headers(1, None, end_headers=False, block=block[:3])
        c.continuation(3, block[3:])
        c.expect_connection_error(h2f.PROTOCOL_ERROR)


class StreamStatesTest(FramesTestCase):
    """RFC 9113 5.1 (h2spec 5.1)."""

    def half_closed_remote(self):
        """A connection whose stream 1 is half-closed (remote): the request ended, and the
        response cannot end because the client's stream windows are 0."""
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        c.get(1, "/big.bin")
        head = c.read_until(lambda f: f.type == h2f.HEADERS and f.stream_id == 1 or f.type == h2f.GOAWAY)
        self.assertIsNotNone(head, c.dump())
        self.assertEqual(head.type, h2f.HEADERS, c.dump())
        self.assertNotIn("END_STREAM", head.flags)
        return c

    def closed_by_end_stream(self):
        c = self.connect()
        status, _, _ = c.request(1, "/a.txt")
        self.assertEqual(status, 200)
        return c

    def closed_by_rst_stream(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.rst(1, h2f.CANCEL)
        c.expect_ping_ack()
        return c

    def test_idle_data_is_protocol_error(self):
        c = self.connect()
        c.data(1, b"x", end_stream=True)
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_idle_rst_stream_is_protocol_error(self):
        c = self.connect()
        c.rst(1, h2f.CANCEL)
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_idle_window_update_is_protocol_error(self):
        c = self.connect()
        c.window_update(1, 100)
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_idle_continuation_is_protocol_error(self):
        c = self.connect()
        c.continuation(1, c.encode(request_headers("/a.txt")))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_idle_priority_is_allowed(self):
        c = self.connect()
        c.priority(5, 0, 16)
        c.expect_ping_ack()
        self.assert_alive(c, 1)

    def test_half_closed_remote_data_is_stream_closed(self):
        c = self.half_closed_remote()
        c.data(1, b"x", end_stream=True)
        frame = c.expect_stream_error(1, h2f.STREAM_CLOSED)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_half_closed_remote_headers_is_stream_closed(self):
        c = self.half_closed_remote()
        c.headers(1, [("x-trailer", "1")], end_stream=True)
        frame = c.expect_stream_error(1, h2f.STREAM_CLOSED)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_half_closed_remote_continuation_is_protocol_error(self):
        c = self.half_closed_remote()
        c.continuation(1, c.encode([("x-trailer", "1")]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_half_closed_remote_window_update_priority_rst_are_allowed(self):
        c = self.half_closed_remote()
        c.priority(1, 0, 32)
        c.window_update(1, 10)
        data = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM))
        self.assertIsNotNone(data, c.dump())
        self.assertEqual((data.type, len(data.data)), (h2f.DATA, 10), c.dump())
        c.rst(1, h2f.CANCEL)
        c.expect_ping_ack()
        self.assert_alive(c, 3)

    def test_closed_after_rst_stream_data_is_stream_closed(self):
        c = self.closed_by_rst_stream()
        c.data(1, b"x", end_stream=True)
        frame = c.expect_stream_error(1, h2f.STREAM_CLOSED)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_closed_after_rst_stream_headers_is_stream_closed(self):
        c = self.closed_by_rst_stream()
        c.headers(1, [("x-trailer", "1")], end_stream=True)
        frame = c.expect_stream_error(1, h2f.STREAM_CLOSED)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_closed_after_rst_stream_continuation_is_protocol_error(self):
        c = self.closed_by_rst_stream()
        c.continuation(1, c.encode([("x-trailer", "1")]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_closed_after_end_stream_data_is_stream_closed(self):
        c = self.closed_by_end_stream()
        c.data(1, b"x", end_stream=True)
        frame = c.expect_stream_error(1, h2f.STREAM_CLOSED)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_closed_after_end_stream_headers_is_stream_closed(self):
        c = self.closed_by_end_stream()
        c.headers(1, request_headers("/a.txt"), end_stream=True)
        frame = c.expect_stream_error(1, h2f.STREAM_CLOSED)
        if frame.type == h2f.GOAWAY:
            c.expect_closed()

    def test_closed_after_end_stream_continuation_is_protocol_error(self):
        c = self.closed_by_end_stream()
        c.continuation(1, c.encode([("x-trailer", "1")]))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_closed_stream_priority_is_allowed(self):
        c = self.closed_by_end_stream()
        c.priority(1, 0, 16)
        c.expect_ping_ack()
        self.assert_alive(c, 3)


class StreamIdentifiersTest(FramesTestCase):
    """RFC 9113 5.1.1 and 5.1.2 (h2spec 5.1.1, 5.1.2)."""

    def test_even_stream_identifier_is_protocol_error(self):
        c = self.connect()
        c.get(2, "/a.txt")
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_smaller_stream_identifier_is_protocol_error(self):
        c = self.connect()
        status, _, _ = c.request(5, "/a.txt")
        self.assertEqual(status, 200)
        c.get(3, "/a.txt")
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_stream_identifier_reuse_is_protocol_error(self):
        c = self.connect()
        status, _, _ = c.request(1, "/a.txt")
        self.assertEqual(status, 200)
        c.get(1, "/a.txt")
        # The stream is closed: STREAM_CLOSED (RFC 9113 5.1) or PROTOCOL_ERROR (5.1.1) as a
        # connection error.
        frame = c.expect_stream_error(1, (h2f.STREAM_CLOSED, h2f.PROTOCOL_ERROR))
        self.assertEqual(frame.type, h2f.GOAWAY, c.dump())

    def test_skipped_stream_identifiers_are_fine(self):
        c = self.connect()
        status, _, _ = c.request(101, "/a.txt")
        self.assertEqual(status, 200)
        self.assertEqual(c.request(1001, "/a.txt")[0], 200)

    def test_exceeding_max_concurrent_streams_is_refused(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        limit = c.server_settings.get(h2f.SETTINGS_MAX_CONCURRENT_STREAMS)
        if limit is None or limit > 1000:
            self.skipTest("no practical SETTINGS_MAX_CONCURRENT_STREAMS advertised")
        # With windows of 0 no response can end: every stream stays open.
        c.send(b"".join(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS, 1 + 2 * i,
                                  c.encode(request_headers("/a.txt"))) for i in range(limit + 1)))
        extra = 1 + 2 * limit
        # RST_STREAM PROTOCOL_ERROR or REFUSED_STREAM, or escalated to GOAWAY (5.4.1).
        frame = c.expect_stream_error(extra, (h2f.REFUSED_STREAM, h2f.PROTOCOL_ERROR))
        if frame.type == h2f.GOAWAY:
            self.assertEqual(frame.last_stream_id, extra - 2, c.dump())
            c.expect_closed()
        else:
            c.expect_ping_ack()


class PriorityTest(FramesTestCase):
    """RFC 9113 5.3.1 and 6.3 (h2spec 5.3.1, 6.3)."""

    def test_headers_depending_on_itself_is_protocol_error(self):
        c = self.connect()
        c.headers(1, request_headers("/a.txt"), priority=(1, 16, False))
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_priority_depending_on_itself_is_protocol_error(self):
        c = self.connect()
        c.priority(1, 1, 16)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_headers_with_priority_is_served(self):
        c = self.connect()
        c.headers(1, request_headers("/a.txt"), priority=(0, 200, True))
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_priority_on_stream_zero_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.PRIORITY, 0, 0, struct.pack(">LB", 1, 15)))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_priority_with_wrong_length_is_frame_size_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.PRIORITY, 0, 1, struct.pack(">L", 3)))
        self.stream_error(c, 1, h2f.FRAME_SIZE_ERROR, 3)


class ErrorHandlingTest(FramesTestCase):
    """RFC 9113 5.4.1 (h2spec 5.4.1): GOAWAY names the last stream processed, then the close."""

    def test_connection_error_goaway_then_close(self):
        c = self.connect()
        self.assertEqual(c.request(1, "/a.txt")[0], 200)
        self.assertEqual(c.request(3, "/a.txt")[0], 200)
        c.send(raw_frame(h2f.PING, 0, 0, b"1234567"))
        goaway = c.expect_connection_error(h2f.FRAME_SIZE_ERROR)
        self.assertEqual(goaway.last_stream_id, 3, c.dump())


class DataFrameTest(FramesTestCase):
    """RFC 9113 6.1 (h2spec 6.1)."""

    def test_data_on_stream_zero_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.DATA, 0, 0, b"x"))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_data_with_invalid_pad_length_is_protocol_error(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.send(raw_frame(h2f.DATA, h2f.FLAG_PADDED | h2f.FLAG_END_STREAM, 1, bytes([6]) + b"abcde"))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_padded_data_is_accepted(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.send(raw_frame(h2f.DATA, h2f.FLAG_PADDED | h2f.FLAG_END_STREAM, 1, bytes([4]) + b"ab" + b"\0" * 4))
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))


class HeadersFrameTest(FramesTestCase):
    """RFC 9113 6.2 (h2spec 6.2)."""

    def test_headers_on_stream_zero_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS, 0,
                         c.encode(request_headers("/a.txt"))))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_headers_with_invalid_pad_length_is_protocol_error(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        c.send(raw_frame(h2f.HEADERS, h2f.FLAG_END_STREAM | h2f.FLAG_END_HEADERS | h2f.FLAG_PADDED, 1,
                         bytes([len(block) + 1]) + block))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_padded_headers_are_accepted(self):
        c = self.connect()
        c.headers(1, request_headers("/a.txt"), padding=10)
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))


class RstStreamFrameTest(FramesTestCase):
    """RFC 9113 6.4 (h2spec 6.4)."""

    def test_rst_stream_on_stream_zero_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.RST_STREAM, 0, 0, struct.pack(">L", h2f.CANCEL)))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_rst_stream_with_wrong_length_is_frame_size_error(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.send(raw_frame(h2f.RST_STREAM, 0, 1, b"\0\0\x08"))
        c.expect_connection_error(h2f.FRAME_SIZE_ERROR)

    def test_rst_stream_ends_the_response(self):
        c = self.connect()
        c.get(1, "/big.bin")
        c.rst(1, h2f.CANCEL)
        c.window_update(0, 1 << 20)  # only the stream's own window (64 KiB) could still hold DATA
        c.expect_ping_ack()
        self.assertLessEqual(c.data_bytes[1], 65535, c.dump())
        self.assert_alive(c, 3)


class SettingsFrameTest(FramesTestCase):
    """RFC 9113 6.5 (h2spec 6.5, 6.5.2, 6.5.3)."""

    def test_settings_is_acknowledged(self):
        c = self.connect()
        c.settings({h2f.SETTINGS_MAX_CONCURRENT_STREAMS: 50})
        ack = c.read_until(lambda f: f.type in (h2f.SETTINGS, h2f.GOAWAY))
        self.assertIsNotNone(ack, c.dump())
        self.assertEqual(ack.type, h2f.SETTINGS)
        self.assertIn("ACK", ack.flags)
        self.assertEqual(ack.body_len, 0)

    def test_settings_ack_with_payload_is_frame_size_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.SETTINGS, h2f.FLAG_ACK, 0, h2f.settings_payload({h2f.SETTINGS_ENABLE_PUSH: 0})))
        c.expect_connection_error(h2f.FRAME_SIZE_ERROR)

    def test_settings_on_a_stream_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.SETTINGS, 0, 1, h2f.settings_payload({h2f.SETTINGS_ENABLE_PUSH: 0})))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_settings_with_bad_length_is_frame_size_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.SETTINGS, 0, 0, b"\0\x02\0"))
        c.expect_connection_error(h2f.FRAME_SIZE_ERROR)

    def test_enable_push_other_than_0_or_1_is_protocol_error(self):
        c = self.connect()
        c.settings({h2f.SETTINGS_ENABLE_PUSH: 2})
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_initial_window_size_over_maximum_is_flow_control_error(self):
        c = self.connect()
        c.settings({h2f.SETTINGS_INITIAL_WINDOW_SIZE: 2 ** 31})
        c.expect_connection_error(h2f.FLOW_CONTROL_ERROR)

    def test_max_frame_size_below_initial_is_protocol_error(self):
        c = self.connect()
        c.settings({h2f.SETTINGS_MAX_FRAME_SIZE: 16383})
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_max_frame_size_over_maximum_is_protocol_error(self):
        c = self.connect()
        c.settings({h2f.SETTINGS_MAX_FRAME_SIZE: 2 ** 24})
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_unknown_setting_is_ignored(self):
        c = self.connect()
        c.settings({0xFF: 1, 0x4242: 0xFFFFFFFF})
        ack = c.read_until(lambda f: f.type in (h2f.SETTINGS, h2f.GOAWAY))
        self.assertIsNotNone(ack, c.dump())
        self.assertEqual(ack.type, h2f.SETTINGS)
        self.assertIn("ACK", ack.flags)
        self.assert_alive(c, 1)

    def test_last_value_of_a_repeated_setting_wins(self):
        c = self.connect(settings=[(h2f.SETTINGS_INITIAL_WINDOW_SIZE, 100), (h2f.SETTINGS_INITIAL_WINDOW_SIZE, 1)])
        c.get(1, "/a.txt")
        data = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM) and f.stream_id in (0, 1))
        self.assertIsNotNone(data, c.dump())
        self.assertEqual((data.type, len(data.data)), (h2f.DATA, 1), c.dump())

    def test_frames_never_exceed_the_client_max_frame_size(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 1 << 20})
        c.window_update(0, (1 << 20) - 65535)
        c.get(1, "/big.bin")
        status, _, body = c.expect_response(1, timeout=10)
        self.assertEqual((status, body), (200, BIG))
        self.assertLessEqual(c.max_received_length, 16384, c.dump())


class PingFrameTest(FramesTestCase):
    """RFC 9113 6.7 (h2spec 6.7)."""

    def test_ping_is_acknowledged_with_same_payload(self):
        c = self.connect()
        c.expect_ping_ack(b"\x00\x01\x02\x03\xfc\xfd\xfe\xff")

    def test_ping_ack_is_not_answered(self):
        c = self.connect()
        c.ping(b"unsolict", ack=True)
        c.ping(b"solicitd")
        frame = c.read_until(lambda f: f.type in (h2f.PING, h2f.GOAWAY))
        self.assertIsNotNone(frame, c.dump())
        self.assertEqual((frame.type, frame.opaque_data), (h2f.PING, b"solicitd"), c.dump())

    def test_ping_on_a_stream_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.PING, 0, 1, b"12345678"))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_ping_with_wrong_length_is_frame_size_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.PING, 0, 0, b"123456"))
        c.expect_connection_error(h2f.FRAME_SIZE_ERROR)


class GoawayFrameTest(FramesTestCase):
    """RFC 9113 6.8 (h2spec 6.8)."""

    def test_goaway_on_a_stream_is_protocol_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.GOAWAY, 0, 1, struct.pack(">LL", 0, h2f.NO_ERROR)))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_streams_in_flight_finish_after_client_goaway(self):
        c = self.connect()
        c.get(1, "/big.bin")
        c.goaway_frame(0, h2f.NO_ERROR)
        status, _, body = c.expect_response(1, timeout=10)
        self.assertEqual((status, body), (200, BIG))


class WindowUpdateFrameTest(FramesTestCase):
    """RFC 9113 6.9 (h2spec 6.9, 6.9.1, 6.9.2)."""

    def test_connection_window_update_of_zero_is_protocol_error(self):
        c = self.connect()
        c.window_update(0, 0)
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_stream_window_update_of_zero_is_protocol_error(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        c.get(1, "/big.bin")
        c.window_update(1, 0)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_window_update_with_wrong_length_is_frame_size_error(self):
        c = self.connect()
        c.send(raw_frame(h2f.WINDOW_UPDATE, 0, 0, b"\0\0\x01"))
        c.expect_connection_error(h2f.FRAME_SIZE_ERROR)

    def test_initial_window_of_one_gives_one_byte_frames(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 1})
        c.get(1, "/a.txt")
        data = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM))
        self.assertIsNotNone(data, c.dump())
        self.assertEqual((data.type, data.data), (h2f.DATA, b"a"), c.dump())
        self.assertIsNone(c.read_until(lambda f: f.type == h2f.DATA, timeout=0.3), c.dump())
        c.window_update(1, 5)
        rest = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM))
        self.assertIsNotNone(rest, c.dump())
        self.assertEqual((rest.type, rest.data), (h2f.DATA, b"lpha\n"), c.dump())

    def test_connection_window_overflow_is_flow_control_error(self):
        c = self.connect()
        c.window_update(0, 2 ** 31 - 1)
        c.window_update(0, 2 ** 31 - 1)
        c.expect_connection_error(h2f.FLOW_CONTROL_ERROR)

    def test_stream_window_overflow_is_flow_control_error(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        c.get(1, "/big.bin")
        c.window_update(1, 2 ** 31 - 1)
        c.window_update(1, 2 ** 31 - 1)
        frame = c.expect_stream_error(1, h2f.FLOW_CONTROL_ERROR)
        if frame.type == h2f.RST_STREAM:
            self.assert_alive(c, 3)

    def test_window_opened_by_settings_after_request(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        c.get(1, "/a.txt")
        head = c.read_until(lambda f: f.type in (h2f.HEADERS, h2f.GOAWAY))
        self.assertEqual(head.type, h2f.HEADERS, c.dump())
        c.settings({h2f.SETTINGS_INITIAL_WINDOW_SIZE: 100})
        body = bytearray()
        for _ in range(10):
            f = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM))
            self.assertIsNotNone(f, c.dump())
            self.assertEqual(f.type, h2f.DATA, c.dump())
            body += f.data
            if "END_STREAM" in f.flags:
                break
        self.assertEqual(bytes(body), A_TXT)

    def test_window_made_negative_by_settings(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 3})
        c.get(1, "/a.txt")
        first = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM))
        self.assertEqual((first.type, first.data), (h2f.DATA, b"alp"), c.dump())
        c.settings({h2f.SETTINGS_INITIAL_WINDOW_SIZE: 2})  # stream window now -1
        ack = c.read_until(lambda f: f.type == h2f.SETTINGS and "ACK" in f.flags)
        self.assertIsNotNone(ack, c.dump())
        c.window_update(1, 2)  # +2: the window is 1
        nxt = c.read_until(lambda f: f.type in (h2f.DATA, h2f.GOAWAY, h2f.RST_STREAM))
        self.assertEqual((nxt.type, nxt.data), (h2f.DATA, b"h"), c.dump())

    def test_initial_window_size_overflowing_an_open_stream_is_flow_control_error(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 0})
        c.get(1, "/big.bin")
        c.window_update(1, 2 ** 31 - 1)
        # The server may already have sent up to the connection window (65535 bytes) on the
        # stream; a delta above that makes the stream window pass 2^31-1 whatever it sent.
        c.settings({h2f.SETTINGS_INITIAL_WINDOW_SIZE: 100000})
        c.expect_connection_error(h2f.FLOW_CONTROL_ERROR)

    def test_stream_window_is_never_exceeded(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 1000})
        c.get(1, "/big.bin")
        c.get(3, "/big.bin")
        for _ in range(1000):
            if c.data_bytes[1] >= 1000 and c.data_bytes[3] >= 1000:
                break
            self.assertIsNotNone(c.read_frame(), c.dump())
        c.expect_ping_ack()
        self.assertEqual((c.data_bytes[1], c.data_bytes[3]), (1000, 1000), c.dump())

    def test_connection_window_is_never_exceeded(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 1 << 20})
        for i in range(3):
            c.get(1 + 2 * i, "/big.bin")
        for _ in range(1000):
            if sum(c.data_bytes.values()) >= 65535:
                break
            self.assertIsNotNone(c.read_frame(), c.dump())
        c.expect_ping_ack()
        self.assertEqual(sum(c.data_bytes.values()), 65535, c.dump())
        c.window_update(0, 10)
        # (A PING ACK may overtake DATA: wait for the 10 bytes first, then check for more.)
        c.read_until(lambda f: sum(c.data_bytes.values()) >= 65545)
        c.expect_ping_ack()
        self.assertEqual(sum(c.data_bytes.values()), 65545, c.dump())

    def test_large_file_with_window_updates(self):
        c = self.connect()
        status, _, body = c.request(1, "/big.bin", timeout=10)
        self.assertEqual((status, body), (200, BIG))


class LargeResponsesTest(FramesTestCase):
    """Many large responses at once, the client reading slower than the server writes: every
    body arrives intact (the frame layer survives partial writes and back-pressure)."""

    def test_many_large_responses_arrive_intact(self):
        c = self.connect(settings={h2f.SETTINGS_INITIAL_WINDOW_SIZE: 2 ** 31 - 1})
        c.window_update(0, 2 ** 31 - 1 - 65535)
        ids = [1 + 2 * i for i in range(90)]
        for sid in ids:
            c.get(sid, "/big.bin")
        bodies = {sid: bytearray() for sid in ids}
        ended = set()
        for _ in range(100000):
            f = c.read_frame(5)
            self.assertIsNotNone(f, "stalled with %d of %d responses complete\n%s" % (len(ended), len(ids), c.dump()))
            self.assertNotIn(f.type, (h2f.GOAWAY, h2f.RST_STREAM), c.dump())
            if f.type == h2f.DATA:
                bodies[f.stream_id] += f.data
            if f.type in (h2f.DATA, h2f.HEADERS) and "END_STREAM" in f.flags:
                ended.add(f.stream_id)
                if len(ended) == len(ids):
                    break
        for sid in ids:
            self.assertEqual(len(bodies[sid]), len(BIG), "stream %d" % sid)
            self.assertTrue(bodies[sid] == BIG, "stream %d: body corrupted" % sid)


class ErrorCodesTest(FramesTestCase):
    """RFC 9113 7 (h2spec 7): unknown error codes trigger nothing special."""

    def test_goaway_with_unknown_error_code(self):
        # Handled as any GOAWAY: the stream in flight is finished (an idle connection may
        # simply be closed after a client's GOAWAY, so one is kept busy here).
        c = self.connect()
        c.get(1, "/big.bin")
        c.send(raw_frame(h2f.GOAWAY, 0, 0, struct.pack(">LL", 0, 0xFF)) + raw_frame(h2f.PING, 0, 0, b"unknown!"))
        status, _, body = c.expect_response(1, timeout=10)
        self.assertEqual((status, body), (200, BIG))
        self.assertEqual(c.received_counts[h2f.PING], 1, c.dump())

    def test_rst_stream_with_unknown_error_code(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.rst(1, 0xFF)
        c.expect_ping_ack()
        self.assert_alive(c, 3)


class HttpMessagesTest(FramesTestCase):
    """RFC 9113 8.1-8.3 (h2spec 8.1, 8.1.2.x): malformed requests are stream errors of type
    PROTOCOL_ERROR; the connection goes on."""

    def malformed(self, headers, end_stream=True):
        c = self.connect()
        c.headers(1, headers, end_stream=end_stream)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_get_and_head(self):
        c = self.connect()
        status, fields, body = c.request(1, "/a.txt")
        self.assertEqual((status, body), (200, A_TXT))
        names = [k for k, _ in fields]
        self.assertIn("content-length", names)
        self.assertIn("date", names)
        for name in ("connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"):
            self.assertNotIn(name, names)
        self.assertTrue(all(k == k.lower() for k in names), names)
        c.headers(3, request_headers("/a.txt", method="HEAD"))
        head = c.read_until(lambda f: f.stream_id == 3 or f.type == h2f.GOAWAY)
        self.assertEqual(head.type, h2f.HEADERS, c.dump())
        self.assertIn("END_STREAM", head.flags, c.dump())
        self.assertEqual(dict(head.decoded).get("content-length"), "6")

    def test_missing_file_is_404(self):
        c = self.connect()
        self.assertEqual(c.request(1, "/missing")[0], 404)

    def test_uppercase_header_name(self):
        self.malformed(request_headers("/a.txt", extra=[("X-Upper", "1")]))

    def test_unknown_pseudo_header(self):
        self.malformed(request_headers("/a.txt", extra=[(":foo", "bar")]))

    def test_response_pseudo_header_in_request(self):
        self.malformed(request_headers("/a.txt", extra=[(":status", "200")]))

    def test_pseudo_header_after_regular_header(self):
        self.malformed([(":method", "GET"), (":scheme", "http"), ("x-a", "1"), (":path", "/a.txt"),
                        (":authority", "localhost")])

    def test_pseudo_header_in_trailers(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.data(1, b"x")
        c.headers(1, [(":method", "GET")], end_stream=True)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_trailers_without_end_stream(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.data(1, b"x")
        c.headers(1, [("x-trailer", "1")], end_stream=False)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_trailers_are_accepted(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.data(1, b"x")
        c.headers(1, [("x-trailer", "1")], end_stream=True)
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_connection_specific_headers(self):
        for name, value in (("connection", "keep-alive"), ("keep-alive", "timeout=5"), ("proxy-connection", "x"),
                            ("transfer-encoding", "chunked"), ("upgrade", "h2c")):
            with self.subTest(header=name):
                self.malformed(request_headers("/a.txt", extra=[(name, value)]))

    def test_te_other_than_trailers(self):
        self.malformed(request_headers("/a.txt", extra=[("te", "trailers, deflate")]))

    def test_te_trailers_is_accepted(self):
        c = self.connect()
        status, _, body = c.request(1, "/a.txt", extra=[("te", "trailers")])
        self.assertEqual((status, body), (200, A_TXT))

    def test_empty_path(self):
        self.malformed([(":method", "GET"), (":scheme", "http"), (":path", ""), (":authority", "localhost")])

    def test_path_not_starting_with_slash(self):
        self.malformed([(":method", "GET"), (":scheme", "http"), (":path", "a.txt"), (":authority", "localhost")])

    def test_missing_pseudo_headers(self):
        full = request_headers("/a.txt")
        for name in (":method", ":scheme", ":path"):
            with self.subTest(missing=name):
                self.malformed([(k, v) for k, v in full if k != name])

    def test_duplicated_pseudo_headers(self):
        full = request_headers("/a.txt")
        for name, value in ((":method", "GET"), (":scheme", "http"), (":path", "/a.txt"), (":authority", "x")):
            with self.subTest(duplicated=name):
                self.malformed(full + [(name, value)] if name == ":authority" else
                               [(k, v) for k, v in full if k == name] + full)

    def test_field_value_with_forbidden_characters(self):
        for value in (b"a\r\nb", b"a\0b", b"a\nb", b" lead", b"trail\t"):
            with self.subTest(value=value):
                c = self.connect()
                block = c.encoder.encode(request_headers("/a.txt"))
                block += b"\x00" + bytes([6]) + b"x-evil" + bytes([len(value)]) + value
                c.headers(1, None, block=block)
                self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_field_name_with_forbidden_characters(self):
        for name in (b"x evil", b"x:evil", b"", b"x\x7f"):
            with self.subTest(name=name):
                c = self.connect()
                block = c.encoder.encode(request_headers("/a.txt"))
                block += b"\x00" + bytes([len(name)]) + name + b"\x01v"
                c.headers(1, None, block=block)
                self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_host_differing_from_authority(self):
        self.malformed(request_headers("/a.txt", extra=[("host", "other.example")]))

    def test_host_equal_to_authority_is_served(self):
        c = self.connect()
        status, _, body = c.request(1, "/a.txt", extra=[("host", "localhost")])
        self.assertEqual((status, body), (200, A_TXT))

    def test_content_length_longer_than_data(self):
        c = self.connect()
        self.open_stream(c, 1, extra=[("content-length", "10")])
        c.data(1, b"12345", end_stream=True)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_content_length_shorter_than_data(self):
        c = self.connect()
        self.open_stream(c, 1, extra=[("content-length", "2")])
        c.data(1, b"12345", end_stream=True)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_content_length_over_several_data_frames(self):
        c = self.connect()
        self.open_stream(c, 1, extra=[("content-length", "4")])
        c.data(1, b"12")
        c.data(1, b"345", end_stream=True)
        self.stream_error(c, 1, h2f.PROTOCOL_ERROR, 3)

    def test_matching_content_length_is_served(self):
        c = self.connect()
        self.open_stream(c, 1, extra=[("content-length", "5")])
        c.data(1, b"12")
        c.data(1, b"345", end_stream=True)
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))

    def test_path_over_uri_limit_is_414(self):
        c = self.connect()
        status, _, _ = c.request(1, "/" + "a" * 5000)
        self.assertEqual(status, 414, c.dump())

    def test_header_list_over_limit_is_431_or_reset(self):
        c = self.connect()
        extra = [("x-big-%d" % i, "v" * 2000) for i in range(6)]
        c.headers(1, None, block=b"", end_headers=False)
        block = c.encode(request_headers("/a.txt", extra=extra))
        for i in range(0, len(block), 8000):
            c.continuation(1, block[i:i + 8000], end_headers=i + 8000 >= len(block))
        frame = c.read_until(lambda f: f.stream_id == 1 and (f.type == h2f.RST_STREAM or f.decoded is not None)
                             or f.type == h2f.GOAWAY)
        self.assertIsNotNone(frame, c.dump())
        if frame.type == h2f.HEADERS:
            self.assertEqual(dict(frame.decoded)[":status"], "431", c.dump())
        else:
            self.assertEqual(frame.type, h2f.RST_STREAM, c.dump())
        c.expect_ping_ack()


class ServerPushTest(FramesTestCase):
    """RFC 9113 8.4 (h2spec 8.2)."""

    def test_push_promise_from_client_is_protocol_error(self):
        c = self.connect()
        self.open_stream(c, 1)
        c.send(raw_frame(h2f.PUSH_PROMISE, h2f.FLAG_END_HEADERS, 1,
                         struct.pack(">L", 2) + c.encode(request_headers("/a.txt"))))
        c.expect_connection_error(h2f.PROTOCOL_ERROR)

    def test_server_never_pushes(self):
        c = self.connect(settings={h2f.SETTINGS_ENABLE_PUSH: 1})
        self.assertEqual(c.request(1, "/index.html")[0], 200)
        self.assertEqual(c.received_counts[h2f.PUSH_PROMISE], 0)


class HpackTest(FramesTestCase):
    """RFC 7541 (h2spec hpack): decoding errors are connection errors of type COMPRESSION_ERROR."""

    def bad_block(self, tail):
        # The prefix leaves the dynamic table empty, so index 62 is the first invalid one.
        c = self.connect()
        c.headers(1, None, block=STATIC_GET_ROOT + tail)
        c.expect_connection_error(h2f.COMPRESSION_ERROR)

    def test_index_zero(self):
        self.bad_block(b"\x80")

    def test_index_beyond_tables(self):
        self.bad_block(b"\xff\x80\x01")  # index 255

    def test_index_just_past_static_table(self):
        self.bad_block(b"\xbe")  # 62 with an empty dynamic table

    def test_table_size_update_over_settings(self):
        c = self.connect()
        c.headers(1, None, block=b"\x3f\xe2\x1f" + c.encode(request_headers("/a.txt")))  # size 4097
        c.expect_connection_error(h2f.COMPRESSION_ERROR)

    def test_table_size_update_after_a_field(self):
        self.bad_block(b"\x20")

    def test_huffman_string_with_eos(self):
        self.bad_block(b"\x00\x01x\x84\xff\xff\xff\xff")

    def test_huffman_padding_longer_than_7_bits(self):
        self.bad_block(b"\x00\x01x\x82\x1f\xff")  # "a" = 00011 then 11 bits of padding

    def test_huffman_padding_not_eos_prefix(self):
        self.bad_block(b"\x00\x01x\x81\x18")  # "a" = 00011 then padding 000

    def test_truncated_literal(self):
        self.bad_block(b"\x00\x05x")

    def test_integer_overflow(self):
        self.bad_block(b"\xff" + b"\xff" * 10 + b"\x01")

    def test_table_size_update_within_settings_and_dynamic_table(self):
        c = self.connect()
        # Size updates to 0 and then 100 (the encoder emits the second and keeps its table at 100),
        # then fields indexed into the dynamic table and referenced.
        c.encoder.header_table_size = 100
        c.headers(1, None, block=b"\x20" + c.encode(request_headers("/a.txt")))
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))
        self.assertEqual(c.request(3, "/a.txt", extra=[("x-dyn", "1")])[0], 200)
        self.assertEqual(c.request(5, "/a.txt", extra=[("x-dyn", "1")])[0], 200)

    def test_never_indexed_literals(self):
        c = self.connect()
        block = c.encode(request_headers("/a.txt"))
        block += b"\x10\x06x-safe\x05value"  # literal never indexed, new name
        c.headers(1, None, block=block)
        status, _, body = c.expect_response(1)
        self.assertEqual((status, body), (200, A_TXT))


# h2 over TLS (ALPN): the handshake, HTTP semantics and connection errors through TLS.
def over_tls(cls):
    tls = type("Tls" + cls.__name__, (h2f.OverTls, cls), {"__doc__": (cls.__doc__ or "") + " Over TLS."})
    return unittest.skipUnless(has_module("http2") and has_module("tls"), "needs the http2 and tls modules")(tls)


TlsHttpMessagesTest = over_tls(HttpMessagesTest)
TlsErrorHandlingTest = over_tls(ErrorHandlingTest)
TlsSettingsFrameTest = over_tls(SettingsFrameTest)
TlsLargeResponsesTest = over_tls(LargeResponsesTest)


if __name__ == "__main__":
    unittest.main()
