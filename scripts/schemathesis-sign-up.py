"""Registers an Administrator on a fresh server and prints its access token.

The server writes every email into its outbox directory as an .eml file; the verification
link's token is read from there, as a person would click it.
"""
import email
import json
import pathlib
import re
import sys
import time
import urllib.request

base, outbox, address = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]


def post(path, body):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


post("/api/v1/auth/register", {"email": address, "password": "correct horse battery staple", "name": "Fuzz Admin", "language": "en"})
deadline = time.time() + 20
token = None
while token is None and time.time() < deadline:
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes())
        parts = message.walk() if message.is_multipart() else [message]
        text = "".join(p.get_payload(decode=True).decode(errors="replace") for p in parts if p.get_content_type() == "text/plain")
        found = re.search(r"/verify-email\?token=([A-Za-z0-9_\-]+)", text)
        if found:
            token = found.group(1)
    time.sleep(0.1)
if token is None:
    sys.exit("no verification email arrived")
print(post("/api/v1/auth/verify-email", {"token": token})["accessToken"])
