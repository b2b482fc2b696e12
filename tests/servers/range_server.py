# A loopback HTTP/1.1 file server with byte ranges, for the remote-input tests (issue 24):
#   python3 range_server.py ROOT   -> prints "PORT" on its first line, serves ROOT on 127.0.0.1
# GET and HEAD, `Range: bytes=A-B | A- | -N` (one range: 206, or 416 past the end),
# Last-Modified from the file, keep-alive. Every request is logged to ROOT/../requests.log as
# "METHOD PATH RANGE BYTES_SENT" so tests count requests and bytes. Faults by path prefix:
#   /slow/...   each response waits 0.2 s;  /trunc/...  the file without its last 28 bytes
#   (a BGZF file without its end-of-file block); /flaky/...  the first 2 requests of each
#   path answer 503; /drop/...  every answer from byte 0 stops halfway (the connection closed
#   before its Content-Length), an answer from a later byte is whole; /dead/...  every answer with a body stops
#   halfway (a server gone mid-run); /old/... an index (.tbi/.csi/.fai/.gzi) says it was
#   last modified a day before its data; /norange/... ignores Range (200, the whole file, as
#   some servers do); /changing/... gives every answer another ETag (a file replaced while it
#   is read); /stall/... waits 5 s before answering (a server that hangs); /shifted/...
#   answers a range from the 512-byte boundary at or before its start (as some caches do);
#   /ahead/... answers a range from one byte after its start (a broken server);
#   /resized/... sends no ETag or date and says the file is a byte longer after its first
#   answer (a file replaced on a server without either); a missing file is 404. Answers
#   carry an ETag (size and mtime).
import email.utils
import http.server
import os
import sys
import threading
import time

ROOT = os.path.abspath(sys.argv[1])
LOG = os.path.join(os.path.dirname(ROOT), "requests.log")
lock = threading.Lock()
seen = {}  # path -> requests so far (for /flaky/)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, rng, sent):
        with lock, open(LOG, "a") as f:
            f.write(f"{self.command} {self.path} {rng or '-'} {sent}\n")

    def locate(self):
        path, slow, trunc = self.path.split("?", 1)[0], False, False
        self.fault = None
        for fault in ("flaky", "drop", "dead", "old", "norange", "changing", "stall", "shifted", "ahead", "resized"):
            if path.startswith(f"/{fault}/"):
                path, self.fault = path[len(fault) + 1:], fault
        if path.startswith("/slow/"):
            path, slow = path[5:], True
        if path.startswith("/trunc/"):
            path, trunc = path[6:], True
        with lock:
            self.nth = seen.get(self.path, 0)
            seen[self.path] = self.nth + 1
        full = os.path.normpath(os.path.join(ROOT, path.lstrip("/")))
        if not full.startswith(ROOT) or not os.path.isfile(full):
            return None, slow, 0
        size = os.path.getsize(full) - (28 if trunc else 0)
        return full, slow, max(size, 0)

    def do_HEAD(self):
        self.respond(body=False)

    def do_GET(self):
        self.respond(body=True)

    def respond(self, body):
        full, slow, size = self.locate()
        if slow:
            time.sleep(0.2)
        if self.fault == "stall":
            time.sleep(5)
        if self.fault == "flaky" and self.nth < 2:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.record("503", 0)
            return
        if full is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.record(None, 0)
            return
        rng = self.headers.get("Range")
        start, end, status = 0, size - 1, 200
        if rng and rng.startswith("bytes=") and "," not in rng and self.fault != "norange":
            a, _, b = rng[6:].partition("-")
            if a == "":
                start, end = max(size - int(b), 0), size - 1
            else:
                start, end = int(a), min(int(b), size - 1) if b else size - 1
                if self.fault == "shifted":
                    start -= start % 512
                if self.fault == "ahead" and start + 1 < size:
                    start += 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.record(rng, 0)
                return
            status = 206
        length = max(end - start + 1, 0)
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        mtime = os.path.getmtime(full)
        if self.fault == "old" and full.endswith((".tbi", ".csi", ".fai", ".gzi")):
            mtime -= 86400
        if self.fault != "resized":
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
            etag = f'"{size:x}-{int(mtime):x}' + (f'-{self.nth}"' if self.fault == "changing" else '"')
            self.send_header("ETag", etag)
        if status == 206:
            said = size + 1 if self.fault == "resized" and self.nth > 0 else size
            self.send_header("Content-Range", f"bytes {start}-{end}/{said}")
        self.end_headers()
        sent = 0
        cut = self.fault == "dead" or (self.fault == "drop" and start == 0)
        if body and cut and length > 1:
            length = length // 2  # then the connection closes, short of its Content-Length
            self.close_connection = True
        if body:
            with open(full, "rb") as f:
                f.seek(start)
                while sent < length:
                    chunk = f.read(min(1 << 16, length - sent))
                    if not chunk:
                        break
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        break
                    sent += len(chunk)
        self.record(rng, sent)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # a client that closes mid-answer (htslib seeking elsewhere) is not an error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
