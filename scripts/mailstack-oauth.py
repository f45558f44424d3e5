"""A small OAuth 2.0 authorization server for the test mail stack.

Python standard library only; scripts/mailstack copies it to
$MAILSTACK_DIR/oauth/server.py and starts it there.

    server.py serve HOST PORT INTROSPECT_PORT CERT KEY
    server.py token [USER [LIFETIME]]      print a signed access token

Over HTTPS on PORT (the stack's test certificate):
    POST /device      device authorization (RFC 8628)
    GET  /authorize   authorization code with PKCE S256 (RFC 7636): the user
                      is `login_hint`, approved at once, redirected to a
                      loopback redirect_uri (RFC 8252)
    POST /token       grants: authorization_code, device_code, refresh_token
Test hooks, on the same port:
    POST /test/approve   user_code=…&user=…   approve a device login
    POST /test/lifetime  user=…&seconds=N     access tokens for user last N s
    POST /test/revoke    user=…               refresh tokens issued so far die
    GET  /test/issued?user=…                  every token issued for user
Over plain HTTP on INTROSPECT_PORT, for Dovecot's oauth2 passdb:
    POST /introspect  token=…  ->  {"active": true, "email": USER, ...}

Tokens are HMAC-signed and carry their user and expiry, so the server keeps
no state a restart would lose except pending device and code logins. The key
and the per-user settings live in files beside this script.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
KEY_FILE = os.path.join(HERE, "key")
STATE = os.path.join(HERE, "state")
DEFAULT_LIFETIME = 3600
CONFIDENTIAL = {"outreach-confidential": "mailstack-client-secret"}

PENDING_LOCK = threading.Lock()
DEVICE = {}  # device_code -> {user_code, client, scope, user, exp}
CODES = {}  # code -> {client, redirect, challenge, user, scope, exp}


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key():
    if not os.path.exists(KEY_FILE):
        fd = os.open(KEY_FILE + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, secrets.token_bytes(32))
        os.close(fd)
        os.replace(KEY_FILE + ".tmp", KEY_FILE)
    with open(KEY_FILE, "rb") as f:
        return f.read()


def user_file(kind, user):
    safe = "".join(c if c.isalnum() or c in "@.+-_" else "_" for c in user)
    d = os.path.join(STATE, kind)
    os.makedirs(d, mode=0o700, exist_ok=True)
    return os.path.join(d, safe)


def read_user(kind, user, default=None):
    try:
        with open(user_file(kind, user)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def sign(kind, user, lifetime, **extra):
    now = time.time()
    body = dict(extra, t=kind, sub=user, iat=now, jti=secrets.token_hex(8))
    if lifetime is not None:
        body["exp"] = int(now + lifetime)
    payload = b64(json.dumps(body, sort_keys=True).encode())
    mac = b64(hmac.new(key(), payload.encode(), hashlib.sha256).digest())
    token = f"{kind}.{payload}.{mac}"
    with open(user_file("issued", user), "a") as f:
        f.write(token + "\n")
    return token


def verify(token, kind):
    """The token's claims if it is a valid, unexpired token of `kind`."""
    try:
        t, payload, mac = token.split(".")
        good = b64(hmac.new(key(), payload.encode(), hashlib.sha256).digest())
        if t != kind or not hmac.compare_digest(mac, good):
            return None
        body = json.loads(unb64(payload))
    except (ValueError, TypeError):
        return None
    if "exp" in body and body["exp"] <= time.time():
        return None
    if kind == "mrt":
        revoked = read_user("revoked", body["sub"])
        if revoked is not None and body["iat"] <= float(revoked):
            return None
    return body


def access_token(user, scope, client):
    lifetime = int(read_user("lifetime", user, DEFAULT_LIFETIME))
    return sign("mat", user, lifetime, scope=scope, cid=client), lifetime


def grant(user, scope, client):
    token, lifetime = access_token(user, scope, client)
    return 200, {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": scope,
        # Rotated on every grant, as Microsoft does.
        "refresh_token": sign("mrt", user, None, scope=scope, cid=client),
    }


def oauth_error(code, description):
    return 400, {"error": code, "error_description": description}


def client_ok(form, headers):
    """Public clients pass with their id; a confidential one needs its secret."""
    client = form.get("client_id", "")
    secret = form.get("client_secret")
    auth = headers.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            client, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return None
    if not client:
        return None
    if client in CONFIDENTIAL and secret != CONFIDENTIAL[client]:
        return None
    return client


def token_endpoint(form, headers):
    client = client_ok(form, headers)
    if client is None:
        return 401, {"error": "invalid_client", "error_description": "unknown client or wrong secret"}
    kind = form.get("grant_type")
    now = time.time()
    if kind == "authorization_code":
        with PENDING_LOCK:
            c = CODES.pop(form.get("code", ""), None)
        if c is None or c["exp"] < now or c["client"] != client:
            return oauth_error("invalid_grant", "unknown or expired code")
        if form.get("redirect_uri") != c["redirect"]:
            return oauth_error("invalid_grant", "redirect_uri differs")
        verifier = form.get("code_verifier", "")
        if b64(hashlib.sha256(verifier.encode()).digest()) != c["challenge"]:
            return oauth_error("invalid_grant", "PKCE verification failed")
        return grant(c["user"], c["scope"], client)
    if kind == "urn:ietf:params:oauth:grant-type:device_code":
        with PENDING_LOCK:
            d = DEVICE.get(form.get("device_code", ""))
            if d is None or d["client"] != client:
                return oauth_error("invalid_grant", "unknown device code")
            if d["exp"] < now:
                return oauth_error("expired_token", "the device code expired")
            if d["user"] is None:
                return oauth_error("authorization_pending", "not approved yet")
            del DEVICE[form["device_code"]]
        return grant(d["user"], d["scope"], client)
    if kind == "refresh_token":
        body = verify(form.get("refresh_token", ""), "mrt")
        if body is None or body.get("cid") != client:
            return oauth_error("invalid_grant", "the refresh token is invalid or revoked")
        return grant(body["sub"], body.get("scope", ""), client)
    return oauth_error("unsupported_grant_type", f"grant_type {kind!r}")


def is_loopback_redirect(uri):
    u = urllib.parse.urlsplit(uri)
    return u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost", "::1") and u.port


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    introspect_only = False

    def log_message(self, fmt, *args):
        # The path only: queries and bodies may carry codes and tokens.
        sys.stderr.write(f"{self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")

    def reply(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        if self.introspect_only:
            return self.reply(404, {"error": "not_found"})
        if url.path == "/authorize":
            return self.authorize(q)
        if url.path == "/test/issued":
            path = user_file("issued", q.get("user", ""))
            tokens = open(path).read().split() if os.path.exists(path) else []
            return self.reply(200, tokens)
        if url.path == "/device":
            return self.reply(200, "mailstack test server: approve with POST /test/approve\n")
        return self.reply(404, {"error": "not_found"})

    def authorize(self, q):
        redirect = q.get("redirect_uri", "")
        if not is_loopback_redirect(redirect):
            return self.reply(400, "redirect_uri must be http on a loopback address with a port\n")
        if q.get("response_type") != "code" or not q.get("client_id"):
            return self.reply(400, "response_type=code and client_id are required\n")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self.reply(400, "PKCE with S256 is required\n")
        user = q.get("login_hint")
        if not user:
            return self.reply(400, "this test server logs in the login_hint user\n")
        code = secrets.token_urlsafe(16)
        with PENDING_LOCK:
            CODES[code] = {
                "client": q["client_id"],
                "redirect": redirect,
                "challenge": q["code_challenge"],
                "user": user,
                "scope": q.get("scope", ""),
                "exp": time.time() + 60,
            }
        sep = "&" if "?" in redirect else "?"
        query = urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        return self.reply(302, "", [("Location", f"{redirect}{sep}{query}")])

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        form = self.form()
        if self.introspect_only:
            if path != "/introspect":
                return self.reply(404, {"error": "not_found"})
            body = verify(form.get("token", ""), "mat")
            if body is None:
                return self.reply(200, {"active": False})
            return self.reply(200, {"active": True, "email": body["sub"], "token_type": "Bearer"})
        if path == "/token":
            return self.reply(*token_endpoint(form, self.headers))
        if path == "/device":
            if not form.get("client_id"):
                return self.reply(*oauth_error("invalid_client", "client_id is required"))
            device_code = secrets.token_urlsafe(24)
            user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
            with PENDING_LOCK:
                DEVICE[device_code] = {
                    "user_code": user_code,
                    "client": form["client_id"],
                    "scope": form.get("scope", ""),
                    "user": None,
                    "exp": time.time() + 600,
                }
            host = self.headers.get("Host", "127.0.0.1")
            return self.reply(200, {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": f"https://{host}/device",
                "expires_in": 600,
                "interval": 1,
            })
        if path == "/test/approve":
            with PENDING_LOCK:
                for d in DEVICE.values():
                    if d["user_code"] == form.get("user_code") and d["user"] is None:
                        d["user"] = form.get("user")
                        return self.reply(200, {"approved": True})
            return self.reply(404, {"error": "no such pending user_code"})
        if path == "/test/lifetime":
            with open(user_file("lifetime", form["user"]), "w") as f:
                f.write(str(int(form["seconds"])))
            return self.reply(200, {"ok": True})
        if path == "/test/revoke":
            with open(user_file("revoked", form["user"]), "w") as f:
                f.write(repr(time.time()))
            return self.reply(200, {"ok": True})
        return self.reply(404, {"error": "not_found"})


def serve(host, port, introspect_port, cert, key_file):
    key()
    tls = ThreadingHTTPServer((host, int(port)), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key_file)
    # The handshake happens in the request's thread, not in accept().
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True, do_handshake_on_connect=False)

    class Introspect(Handler):
        introspect_only = True

    plain = ThreadingHTTPServer((host, int(introspect_port)), Introspect)
    tls.daemon_threads = plain.daemon_threads = True
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    with open(os.path.join(HERE, "server.pid"), "w") as f:
        f.write(f"{os.getpid()}\n")
    tls.serve_forever()


def main(argv):
    if argv[:1] == ["serve"] and len(argv) == 6:
        return serve(*argv[1:])
    if argv[:1] == ["token"] and len(argv) <= 3:
        user = argv[1] if len(argv) > 1 else "tester@outreach.test"
        lifetime = int(argv[2]) if len(argv) > 2 else DEFAULT_LIFETIME
        print(sign("mat", user, lifetime, scope="", cid="mailstack"))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
