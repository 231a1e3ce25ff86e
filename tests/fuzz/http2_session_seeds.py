#!/usr/bin/env python3
# Writes the seed corpus of http2_session_fuzz (tests/fuzz/corpus/http2_session/) in the input
# layout its header comment gives: 6 choice bytes, 16 schedule bytes, then the client's frames.
# Run again when that layout changes; the fuzzer finds the rest from these. Files named
# regression_* are inputs the fuzzer found, kept as they are (not written here).
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "http2_session"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 2, 3, 4, 6, 7, 8, 9
END_STREAM, ACK, END_HEADERS, PADDED, PRIO = 0x1, 0x1, 0x4, 0x8, 0x20


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):  # HPACK literal without indexing, new name (RFC 7541 §6.2.2)
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def request(method=b"GET", path=b"/index.html", extra=()):
    fields = [(b":method", method), (b":scheme", b"http"), (b":path", path), (b":authority", b"example.com")]
    return b"".join(literal(n, v) for n, v in list(fields) + list(extra))


def settings(*entries):
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in entries))


def window_update(stream, increment):
    return frame(WINDOW_UPDATE, 0, stream, struct.pack(">I", increment))


def seed(name, frames, config=0, limits=0, handler=0x0C, head=0x40, flags=0, drain=0, schedule=None):
    # Default: 100 streams, default windows, answered at once with 3000 bytes and an exact
    # content-length, read in pieces of up to 256 bytes with a full produce() after each.
    schedule = schedule or [(255, 3)] * 8
    data = bytes([config, limits, handler, head, flags, drain])
    data += b"".join(bytes(pair) for pair in schedule)
    (OUT / name).write_bytes(data + frames)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    get = frame(HEADERS, END_STREAM | END_HEADERS, 1, request())
    seed("get", settings() + get + frame(SETTINGS, ACK, 0))

    block = request(extra=[(b"user-agent", b"seed"), (b"accept", b"*/*")])
    seed("continuation", settings() + frame(HEADERS, END_STREAM, 1, block[:20]) +
         frame(CONTINUATION, 0, 1, block[20:40]) + frame(CONTINUATION, END_HEADERS, 1, block[40:]))

    post = request(b"POST", b"/upload", [(b"content-length", b"10")])
    padded = bytes([3]) + b"world" + b"\0" * 3
    seed("post_data", settings() + frame(HEADERS, END_HEADERS, 3, post) + frame(DATA, 0, 3, b"hello") +
         frame(DATA, END_STREAM | PADDED, 3, padded) + window_update(0, 100000) + window_update(3, 100000))

    # "One at a time" answers: the HEAD's head (larger than a frame) ends its stream as it is
    # produced, and the handler answers stream 3 from that close; its HEADERS must precede its DATA.
    seed("answer_on_close", settings() + frame(HEADERS, END_STREAM | END_HEADERS, 1, request(b"HEAD")) +
         frame(HEADERS, END_STREAM | END_HEADERS, 3, request()), handler=0x3A, head=0x6D, flags=0x18,
         schedule=[(0x3C, 0x03), (0x7E, 0x30), (0xCB, 0xFC), (0xC3, 0x7C), (0x3C, 0x03), (0x3C, 0x83),
                   (0x3C, 0x03), (0x3C, 0x83)])

    seed("control", settings((1, 100), (4, 1), (5, 20000), (3, 10)) +
         frame(PING, 0, 0, b"12345678") + frame(PRIORITY, 0, 1, struct.pack(">IB", 0, 15)) +
         frame(HEADERS, END_STREAM | END_HEADERS | PRIO, 1, struct.pack(">IB", 0, 15) + request()) +
         window_update(0, 1 << 20) + window_update(1, 1 << 16) + frame(RST, 0, 1, struct.pack(">I", 8)) +
         frame(SETTINGS, ACK, 0) + frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0)))

    # Several streams answered later, one at a time, with large deferred bodies and trailers.
    streams = b"".join(frame(HEADERS, END_STREAM | END_HEADERS, i, request(path=b"/f%d" % i)) for i in (1, 3, 5))
    trailers = frame(HEADERS, END_HEADERS, 7, request(b"PUT", b"/t")) + frame(DATA, 0, 7, b"abc") + \
        frame(HEADERS, END_STREAM | END_HEADERS, 7, literal(b"x-checksum", b"1"))
    seed("later_deferred", settings((4, 1 << 20)) + streams + trailers + window_update(0, 1 << 24) +
         frame(SETTINGS, ACK, 0), handler=0x01 | (4 << 2) | (3 << 5), head=0x40 | 0x08,
         schedule=[(40, 3), (40, 0x0F), (40, 0x1F), (40, 0x0D)] * 2)
    seed("one_at_a_time", settings() + streams, handler=0x02 | (3 << 2), head=0x40 | 0x20)

    # The input brings its own preface (flag bit 0), read a byte at a time, with deadlines: the
    # header block stalls (GOAWAY), or the head arrives and the body does not (408).
    slow_post = PREFACE + settings() + frame(HEADERS, END_HEADERS, 1, request(b"POST", b"/slow"))
    seed("slow_head", slow_post, limits=0x04, flags=0x01, schedule=[(0, 0x60), (0, 0x71)] * 4)
    seed("slow_body", slow_post, limits=0x04, flags=0x01, schedule=[(0, 0x01)] * 7 + [(255, 0x61)])

    head = frame(HEADERS, END_STREAM | END_HEADERS, 1, request(b"HEAD"))
    seed("head_shutdown", settings() + head + get.replace(b"\x00\x00\x00\x01", b"\x00\x00\x00\x03", 1) +
         frame(HEADERS, END_STREAM | END_HEADERS, 5, request()),
         head=0x10 | 0x40, flags=0x08 | 0x10, schedule=[(60, 0x03), (60, 0x83)] * 4)

    # Small limits and flood limits: a head over the limits and a burst of resets and pings.
    big = request(extra=[(b"x-long", b"v" * 100)] * 4)
    seed("limits_flood", settings() + frame(HEADERS, END_STREAM | END_HEADERS, 1, big) +
         b"".join(frame(PING, 0, 0, b"%08d" % i) for i in range(6)) +
         b"".join(frame(HEADERS, END_HEADERS, i, request()) + frame(RST, 0, i, struct.pack(">I", 8))
                  for i in (3, 5, 7, 9)), limits=0x03)

    # The session's own answers under small limits: 414, a Host that differs from :authority,
    # 413 for a declared length, and a head far over the limits.
    long_path = frame(HEADERS, END_STREAM | END_HEADERS, 1, request(path=b"/" + b"p" * 60))
    other_host = frame(HEADERS, END_STREAM | END_HEADERS, 3, request(extra=[(b"host", b"other.example")]))
    declared = frame(HEADERS, END_HEADERS, 5, request(b"POST", b"/u", [(b"content-length", b"1000")]))
    bomb = frame(HEADERS, END_STREAM | END_HEADERS, 7, request(extra=[(b"x-f%02d" % i, b"v" * 60) for i in range(20)]))
    seed("own_answers", settings() + long_path + other_host + declared + bomb, limits=0x01)

    # Flow control with a 1024-byte window: a WINDOW_UPDATE for half of it, then DATA over it;
    # a stream window pushed past 2^31-1; a stream depending on itself.
    post1 = frame(HEADERS, END_HEADERS, 1, request(b"POST", b"/u"))
    seed("flow_errors", settings() + frame(SETTINGS, ACK, 0) + post1 + frame(DATA, 0, 1, b"d" * 600) +
         frame(DATA, 0, 1, b"e" * 1100) + frame(HEADERS, END_HEADERS, 3, request(b"POST", b"/v")) +
         window_update(3, 0x7fffffff) + frame(HEADERS, END_HEADERS, 5, request(b"POST", b"/w")) +
         frame(PRIORITY, 0, 5, struct.pack(">IB", 5, 15)), config=0x08, handler=0x03)

    # Small flood limits: more PRIORITY frames than allowed.
    seed("flood_priority", settings() + b"".join(frame(PRIORITY, 0, i, struct.pack(">IB", 0, 15)) for i in range(1, 16, 2)),
         limits=0x02)

    # Debian's python3-hpack (with /usr/bin/python3): Huffman strings, the dynamic table, cookie
    # crumbs, and the size update due once the client acknowledged a 100-byte table.
    try:
        import hpack
    except ImportError:
        print("no hpack module: seed hpack_dynamic skipped")
        return
    encoder = hpack.Encoder()
    fields = [(":method", "GET"), (":scheme", "https"), (":path", "/a?x=1"), (":authority", "example.com"),
              ("user-agent", "seed/1.0"), ("cookie", "a=1"), ("cookie", "b=2"), ("accept-encoding", "gzip, br")]
    blocks = [encoder.encode(fields, huffman=True), encoder.encode(fields[:2] + [(":path", "/b")] + fields[3:])]
    encoder.header_table_size = 100
    blocks.append(encoder.encode(fields, huffman=False))
    seed("hpack_dynamic", settings() + frame(HEADERS, END_STREAM | END_HEADERS, 1, blocks[0]) +
         frame(HEADERS, END_STREAM | END_HEADERS, 3, blocks[1]) + frame(SETTINGS, ACK, 0) +
         frame(HEADERS, END_STREAM | END_HEADERS, 5, blocks[2]), config=0x80, head=0x40 | 0x20)


if __name__ == "__main__":
    main()
