"""Slower checks of tf3ro.grammar: LanguageTool stand-in servers that time out or keep failing, and a batch of real fables."""
import http.server, itertools, json, random, threading, time

import pytest

from tf3ro.core import Tf3roError, resolve_path
from tf3ro.grammar import LanguageToolChecker, OfflineChecker
from tf3ro.text import clean_text


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address): pass      # a client that timed out closed its socket: expected


def serve(handler):
    "Start `handler` on 127.0.0.1 in a thread; return the server and its url."
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


class Handler(http.server.BaseHTTPRequestHandler):
    "Answers LanguageTool-style; subclasses decide how it misbehaves first."
    requests = 0
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests += 1
        status, delay = self.behaviour(type(self).requests)
        time.sleep(delay)
        body = json.dumps({"matches": []}).encode() if status == 200 else b"Error: busy"
        self.send_response(status); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass


@pytest.fixture
def server_for():
    servers = []
    def start(behaviour):
        handler = type("H", (Handler,), {"behaviour": staticmethod(behaviour), "requests": 0})
        server, url = serve(handler)
        servers.append(server)
        return handler, url
    yield start
    for server in servers: server.shutdown(); server.server_close()


def test_timeout_is_retried(server_for):
    handler, url = server_for(lambda n: (200, 1.5 if n == 1 else 0))          # the first answer comes too late
    assert LanguageToolChecker(url, timeout=0.5, retries=2, backoff=0).check("Vulpea doarme.") == []
    assert handler.requests == 2


def test_timeouts_give_up(server_for):
    handler, url = server_for(lambda n: (200, 1.5))
    started = time.monotonic()
    with pytest.raises(Tf3roError, match=r"did not answer within 0.3 s \(after 2 attempts\)"):
        LanguageToolChecker(url, timeout=0.3, retries=1, backoff=0).check("Vulpea doarme.")
    assert time.monotonic() - started < 5


def test_server_errors_give_up(server_for):
    handler, url = server_for(lambda n: (503, 0))
    with pytest.raises(Tf3roError, match=r"HTTP 503: Error: busy \(after 3 attempts\)"):
        LanguageToolChecker(url, retries=2, backoff=0.01).check("Vulpea doarme.")
    assert handler.requests == 3


def test_client_errors_are_not_retried(server_for):
    handler, url = server_for(lambda n: (413, 0))
    with pytest.raises(Tf3roError, match="HTTP 413"):
        LanguageToolChecker(url, retries=3, backoff=0).check("Vulpea doarme.")
    assert handler.requests == 1


def test_batches_of_real_fables():
    "Batched lookups change nothing: 200 TF2 fables checked together, in small batches, and one by one agree."
    with open(resolve_path("${TF3RO_DATA}/tf2-ro/tf2-ro-fables.jsonl"), encoding="utf-8") as f:
        records = [json.loads(line)["translated_fable"] for line in f]
    random.Random(1).shuffle(records)
    fables = list(itertools.islice(filter(None, (clean_text(r)[0] for r in records)), 200))
    together = OfflineChecker().check_many(fables)
    assert OfflineChecker(batch_size=7).check_many(fables) == together
    single = OfflineChecker()
    assert [single.check(t) for t in fables[:40]] == together[:40]
    summary = OfflineChecker().summarize(fables)
    assert summary["words"] > 30_000 and 0.9 < summary["score"] <= 1.0
    assert summary["matches"] == sum(map(len, together))
