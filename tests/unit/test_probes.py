from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devenv.errors import ServiceNotReady
from devenv.ports import next_free
from devenv.probes import AllOf, HttpProbe, TcpProbe, wait_until_ready
from devenv.procs import tail_file


def test_tcp_probe_succeeds_on_a_listening_socket() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        took = wait_until_ready(
            TcpProbe("127.0.0.1", server.getsockname()[1]), service="x", timeout=2
        )
    assert took < 2


def test_deadline_error_has_last_error_log_tail_and_hint(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("line one\nFATAL: something broke\n")
    port = next_free(41000)
    started = time.monotonic()
    with pytest.raises(ServiceNotReady) as info:
        wait_until_ready(
            TcpProbe("127.0.0.1", port),
            service="postgres",
            timeout=0.5,
            log_tail=lambda: tail_file(log),
        )
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert f"postgres did not accept TCP connections on 127.0.0.1:{port} within 0.5 s" in message
    assert "Last error: ConnectionRefusedError" in message
    assert "FATAL: something broke" in message
    assert info.value.hint == "Run `devenv logs postgres` for the whole log."


def test_dead_process_fails_fast() -> None:
    port = next_free(41100)
    started = time.monotonic()
    with pytest.raises(ServiceNotReady, match="s3 exited before it was ready"):
        wait_until_ready(TcpProbe("127.0.0.1", port), service="s3", timeout=30, alive=lambda: False)
    assert time.monotonic() - started < 1


class _Handler(BaseHTTPRequestHandler):
    status = 503

    def do_GET(self) -> None:
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("status", "ready"), [(200, True), (403, True), (503, False)])
def test_http_probe_threshold(status: int, ready: bool) -> None:
    handler = type("H", (_Handler,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        probe = HttpProbe(f"http://127.0.0.1:{server.server_port}/")
        if ready:
            probe.check()
        else:
            with pytest.raises(ConnectionError, match="HTTP 503"):
                probe.check()
    finally:
        server.shutdown()
        server.server_close()


class _Body(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: object) -> None:
        pass


def test_http_probe_can_require_content_and_all_of_needs_every_probe() -> None:
    handler = type("B", (_Body,), {"body": b'{"DataNodes":[]}'})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/dir/status"
        joined = HttpProbe(url, contains='"DataNodes":[{')
        with pytest.raises(ConnectionError, match="does not show"):
            joined.check()
        plain = HttpProbe(url)
        plain.check()
        with pytest.raises(ConnectionError):
            AllOf((plain, joined)).check()
        assert "and" in AllOf((plain, joined)).describe()
        handler.body = b'{"DataNodes":[{"Url":"x"}]}'
        AllOf((plain, joined)).check()
    finally:
        server.shutdown()
        server.server_close()
