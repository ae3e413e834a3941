"""An internal HTTP service of this host (it holds a port a variant makes the agent work around).

python3 server.py --port PORT --name NAME
"""

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = "service"  # set from --name
VERSION = "2.4.1"
STARTED = time.time()


class Handler(BaseHTTPRequestHandler):
    server_version = f"{NAME}/{VERSION}"

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path in ("/", "/health", "/healthz", "/status"):
            self._send(
                200,
                {
                    "service": NAME,
                    "version": VERSION,
                    "status": "ok",
                    "uptime_seconds": round(time.time() - STARTED),
                },
            )
        else:
            self._send(404, {"error": "not found", "service": NAME})

    def do_POST(self):
        self._send(404, {"error": "not found", "service": NAME})

    def log_message(self, *args):
        pass


def main():
    global NAME
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", default=NAME)
    args = p.parse_args()
    NAME = args.name
    Handler.server_version = f"{NAME}/{VERSION}"
    ThreadingHTTPServer(("0.0.0.0", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
