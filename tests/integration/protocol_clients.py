"""One request over any of ferry's protocols, for tests that run the same cases over each:
"h1" (plaintext HTTP/1.1), "h1-tls" (HTTPS, ALPN http/1.1), "h2-tls" (ALPN h2) and "h2c"
(HTTP/2 in the clear with prior knowledge). Results are ferry_harness.Response objects, with
header names lower-cased, so the cases compare them directly."""

import socket
import ssl

import h2.config
import h2.connection
import h2.events

from ferry_harness import Reader, Response, build_request

TRANSPORTS = ("h1", "h1-tls", "h2-tls", "h2c")


def tls_connect(server, ca_file, alpn, server_name="localhost", client_cert=None):
    """A TLS socket to the server's TLS port, with `alpn` offered and its first one agreed."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.set_alpn_protocols(alpn)
    if client_cert is not None:
        ctx.load_cert_chain(*client_cert)
    raw = socket.create_connection((server.host, server.tls_port), timeout=10)
    sock = ctx.wrap_socket(raw, server_hostname=server_name)
    assert sock.selected_alpn_protocol() == alpn[0], sock.selected_alpn_protocol()
    return sock


def open_h2(server, transport, ca_file=None, settings=None, client_cert=None, server_name="localhost"):
    """A connected socket and an h2 client connection with the preface sent."""
    if transport == "h2-tls":
        sock = tls_connect(server, ca_file, ["h2"], server_name=server_name, client_cert=client_cert)
    else:
        sock = socket.create_connection((server.host, server.port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    if settings:
        conn.update_settings(settings)
    sock.sendall(conn.data_to_send())
    return sock, conn


def h2_exchange(sock, conn, requests, timeout=10, authority="localhost"):
    """Sends [(method, target, headers)] as concurrent streams; returns the responses in order."""
    ids = []
    for method, target, headers in requests:
        stream_id = conn.get_next_available_stream_id()
        ids.append(stream_id)
        conn.send_headers(stream_id, [(":method", method), (":path", target), (":scheme", "https"),
                                      (":authority", authority)] + list(headers), end_stream=True)
    sock.sendall(conn.data_to_send())
    results = {i: {"headers": None, "body": bytearray(), "done": False, "reset": None} for i in ids}
    sock.settimeout(timeout)
    while not all(r["done"] for r in results.values()):
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed before every response arrived")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ConnectionTerminated):
                raise ConnectionError("GOAWAY %s" % event.error_code)
            r = results.get(getattr(event, "stream_id", None))
            if r is None:
                continue  # another stream (or the connection): not ours to handle
            if isinstance(event, h2.events.ResponseReceived):
                r["headers"] = event.headers
            elif isinstance(event, h2.events.DataReceived):
                r["body"] += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                r["done"] = True
            elif isinstance(event, h2.events.StreamReset):
                r["done"] = True
                r["reset"] = event.error_code
        pending = conn.data_to_send()
        if pending:
            sock.sendall(pending)
    out = []
    for i in ids:
        r = results[i]
        if r["reset"] is not None:
            raise ConnectionError("stream %d reset: %s" % (i, r["reset"]))
        headers = [(k.lower(), v) for k, v in r["headers"]]
        status = int(dict(headers)[":status"])
        out.append(Response(status, "", "HTTP/2", [(k, v) for k, v in headers if not k.startswith(":")],
                            bytes(r["body"])))
    return out


def fetch(server, transport, method="GET", target="/", headers=(), ca_file=None, client_cert=None,
          authority="localhost", server_name="localhost"):
    """One request on a fresh connection over `transport`; `client_cert` is (cert, key) paths
    presented over TLS; `authority` goes in Host (or :authority), `server_name` in SNI."""
    if transport in ("h2-tls", "h2c"):
        sock, conn = open_h2(server, transport, ca_file, client_cert=client_cert, server_name=server_name)
        with sock:
            return h2_exchange(sock, conn, [(method, target, [(k.lower(), v) for k, v in headers])],
                               authority=authority)[0]
    if transport == "h1-tls":
        sock = tls_connect(server, ca_file, ["http/1.1"], server_name=server_name, client_cert=client_cert)
    else:
        sock = socket.create_connection((server.host, server.port), timeout=10)
    with sock:
        sock.sendall(build_request(method, target, headers=[("Host", authority), ("Connection", "close"),
                                                            *headers]))
        return Reader(sock).read_response(head_request=method == "HEAD")
