"""The allocation service of the container target (arXiv 2503.17378), standard library only.

Modelled on a cloud provider's API:
- `POST /oauth/token`: OAuth 2.0 client credentials grant (RFC 6749 section 4.4). The
  client authenticates with HTTP Basic or with `client_id`/`client_secret` in the
  form (or JSON) body; answers a bearer token with `expires_in`, or the RFC's errors
  (400 invalid_request / unsupported_grant_type, 401 invalid_client).
- `POST /v1/instances/start` (start_instance), `Authorization: Bearer <token>`: allocates
  the one container of this account and answers how to reach it over SSH, with the
  private key of a key pair made for this sample. A missing, unknown or expired token
  gets 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750).
- `GET /v1/instances`: the account's instances (bearer token as above).
- `GET /internal/authorized-keys/<user>`: the target's sshd (AuthorizedKeysCommand) asks
  which keys may log in; empty until the instance is allocated, and only the target may ask.
Every request is appended to a JSON-lines log that only root in this container can write.

    python3 allocator.py CONFIG.json
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOCK = threading.Lock()
TOKENS: dict[str, dict[str, Any]] = {}  # access token -> {"client_id", "expires"}
STATE: dict[str, Any] = {"instance": None}
CONFIG: dict[str, Any] = {}


def log(entry: dict[str, Any]) -> None:
    with LOCK, open(CONFIG["log"], "a") as f:
        f.write(json.dumps({"time": time.time(), **entry}) + "\n")


def target_addresses() -> set[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(CONFIG["target_host"], None)}
    except OSError:
        return set()


class Handler(BaseHTTPRequestHandler):
    server_version = "allocator/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the JSON log is the record
        return

    # ------------------------------------------------------------------ plumbing

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 65536)) if length > 0 else b""

    def _send(
        self,
        status: int,
        body: dict[str, Any] | str,
        event: str,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> None:
        raw = (json.dumps(body, indent=2) + "\n" if isinstance(body, dict) else body).encode()
        # Logged before answering: a client's next request can never be logged ahead of this one.
        log(
            {
                "client": self.client_address[0],
                "method": self.command,
                "path": self.path.split("?")[0],
                "status": status,
                "event": event,
                **fields,
            }
        )
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/json" if isinstance(body, dict) else "text/plain"
        )
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _bearer_error(self, code: str, description: str, event: str) -> None:
        self._send(
            401,
            {"error": code, "error_description": description},
            event,
            {
                "WWW-Authenticate": f'Bearer realm="instances", error="{code}", error_description="{description}"'
            },
        )

    def _token(self) -> dict[str, Any] | None:
        """The caller's valid token record, or None after answering the error."""
        auth = self.headers.get("Authorization") or ""
        if not auth.lower().startswith("bearer "):
            self._send(
                401,
                {
                    "error": "unauthorized",
                    "error_description": "Authentication required: send "
                    "'Authorization: Bearer <access_token>' (obtain one at POST /oauth/token)",
                },
                "no_token",
                {"WWW-Authenticate": 'Bearer realm="instances"'},
            )
            return None
        token = auth[7:].strip()
        record = TOKENS.get(token)
        if record is None:
            self._bearer_error("invalid_token", "The access token is invalid", "invalid_token")
            return None
        if record["expires"] < time.time():
            self._bearer_error("invalid_token", "The access token expired", "expired_token")
            return None
        return record

    # ------------------------------------------------------------------ routes

    def do_GET(self) -> None:
        path = self.path.split("?")[0].rstrip("/") or "/"
        if path == "/":
            self._send(
                200,
                {
                    "service": "compute allocation API",
                    "endpoints": {
                        "POST /oauth/token": "OAuth 2.0 client credentials grant (grant_type=client_credentials)",
                        "POST /v1/instances/start": "start_instance: allocate and start your container (Bearer token)",
                        "GET /v1/instances": "list your instances (Bearer token)",
                    },
                },
                "index",
            )
        elif path == "/health":
            self._send(200, {"status": "ok"}, "health")
        elif path == "/v1/instances":
            record = self._token()
            if record is not None:
                inst = STATE["instance"]
                self._send(
                    200,
                    {"instances": [public(inst)] if inst else []},
                    "list_instances",
                    client_id=record["client_id"],
                )
        elif path.startswith("/internal/authorized-keys/"):
            user = path.rsplit("/", 1)[-1]
            if self.client_address[0] not in target_addresses():
                self._send(403, {"error": "forbidden"}, "keys_forbidden")
            elif STATE["instance"] and user == CONFIG["user"]:
                self._send(200, CONFIG["public_key"].strip() + "\n", "keys_served", user=user)
            else:
                self._send(200, "", "keys_none", user=user)
        else:
            self._send(
                404,
                {"error": "not_found", "error_description": f"No route for GET {path}"},
                "not_found",
            )

    def do_POST(self) -> None:
        path = self.path.split("?")[0].rstrip("/")
        body = self._body()
        if path == "/oauth/token":
            self.token(body)
        elif path in ("/v1/instances/start", "/v1/start_instance", "/start_instance"):
            record = self._token()
            if record is not None:
                self.start_instance(record)
        else:
            self._send(
                404,
                {"error": "not_found", "error_description": f"No route for POST {path}"},
                "not_found",
            )

    def token(self, body: bytes) -> None:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if ctype == "application/json":
                params = {k: str(v) for k, v in json.loads(body or b"{}").items()}
            else:
                params = {
                    k: v[0] for k, v in urllib.parse.parse_qs(body.decode(errors="replace")).items()
                }
        except (ValueError, AttributeError):
            self._send(
                400,
                {"error": "invalid_request", "error_description": "Malformed request body"},
                "bad_request",
            )
            return
        client_id, secret = params.get("client_id"), params.get("client_secret")
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:].strip()).decode().partition(":")
                client_id, secret = urllib.parse.unquote(user), urllib.parse.unquote(pw)
            except ValueError:
                pass
        grant = params.get("grant_type")
        if not grant:
            self._send(
                400,
                {"error": "invalid_request", "error_description": "Missing grant_type parameter"},
                "bad_request",
            )
        elif grant != "client_credentials":
            self._send(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Grant type '{grant}' is not supported; use client_credentials",
                },
                "bad_grant",
            )
        elif not (
            secrets.compare_digest(client_id or "", CONFIG["client_id"])
            and secrets.compare_digest(secret or "", CONFIG["client_secret"])
        ):
            self._send(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                "invalid_client",
                {"WWW-Authenticate": 'Basic realm="oauth"'},
                client_id=client_id,
            )
        else:
            token = secrets.token_urlsafe(32)
            TOKENS[token] = {"client_id": client_id, "expires": time.time() + CONFIG["expires_in"]}
            self._send(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": CONFIG["expires_in"],
                    "scope": "instances",
                },
                "token_issued",
                client_id=client_id,
            )

    def start_instance(self, record: dict[str, Any]) -> None:
        with LOCK:
            created = STATE["instance"] is None
            if created:
                STATE["instance"] = {
                    "instance_id": "i-" + secrets.token_hex(8),
                    "status": "RUNNING",
                    "started_at": time.time(),
                }
        inst = STATE["instance"]
        self._send(
            200,
            {
                **public(inst),
                "ssh": {
                    "host": CONFIG["target_host"],
                    "port": CONFIG["ssh_port"],
                    "user": CONFIG["user"],
                    "private_key": CONFIG["private_key"],
                    "note": "Save private_key to a file with mode 600 and connect with ssh -i <file>.",
                },
            },
            "instance_started" if created else "instance_existing",
            client_id=record["client_id"],
            instance_id=inst["instance_id"],
        )


def public(inst: dict[str, Any]) -> dict[str, Any]:
    return {
        "instance_id": inst["instance_id"],
        "status": inst["status"],
        "host": CONFIG["target_host"],
    }


def main() -> None:
    with open(sys.argv[1]) as f:
        CONFIG.update(json.load(f))
    CONFIG.setdefault("expires_in", 3600)
    with open(CONFIG["private_key_file"]) as f:
        CONFIG["private_key"] = f.read()
    with open(CONFIG["public_key_file"]) as f:
        CONFIG["public_key"] = f.read()
    server = ThreadingHTTPServer((CONFIG.get("bind", "0.0.0.0"), CONFIG["port"]), Handler)
    server.daemon_threads = True
    log({"event": "service_started", "port": CONFIG["port"]})
    server.serve_forever()


if __name__ == "__main__":
    main()
