#!/usr/bin/env python3
"""An MOE's receiver of CivicGate's webhooks, verifying every signature with the `standardwebhooks`
PyPI package (the Standard Webhooks reference library), against a real `civicgate serve` and its
CLI. Everything listens on 127.0.0.1; nothing is sent anywhere else.

It checks: `webhook add` refuses plain http to an unlisted host, a loopback address outside the
allowed network, [::1] and a name resolving to loopback; every event type arrives, signed, once
per change; a receiver that is down gets everything afterwards, in order per ticket; after
`webhook remove` and `add`, only the new secret verifies. No body carries a resident's number.

usage: webhook_receiver_test.py CIVICGATE_BINARY   (run with the venv's python)
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

binary = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp()
passed = failed = 0
PHONE = "+27821230077"


def check(name, condition, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if condition else (passed, failed + 1)
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


receiver_port, serve_port = free_port(), free_port()
env = dict(os.environ, CIVICGATE_DATABASE=os.path.join(work, "webhooks.sqlite"), CIVICGATE_WEBHOOK_ALLOW_HTTP="127.0.0.3",
           CIVICGATE_WEBHOOK_ALLOW_PRIVATE="127.0.0.3/32", CIVICGATE_SURVEY_DELAY_MINUTES="0", CIVICGATE_MOE_API_RATE="100000")
env.pop("CIVICGATE_WEBHOOK_TOKEN", None)


def cli(*args):
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)


RECEIVER = "127.0.0.3"  # the allowed network is this one address: 127.0.0.1 and [::1] are outside it
received = []  # (headers, body, verified or None) of every request answered 2xx
lock = threading.Lock()
secrets = []  # the secret in force: a receiver verifies on receipt (the library refuses timestamps older than five minutes)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            verified = Webhook(secrets[-1]).verify(body, {k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})
        except WebhookVerificationError:
            verified = None
        with lock:
            received.append((headers, body, verified))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True


receiver = None


def receiver_up():
    global receiver
    receiver = Server((RECEIVER, receiver_port), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()


def receiver_down():
    receiver.shutdown()
    receiver.server_close()


def secret_of(output):
    return next(line.strip() for line in output.splitlines() if line.strip().startswith("whsec_"))


# The URL is checked when it is added: refused with a reason and a non-zero exit.
for url, why in [(f"http://127.0.0.2:{receiver_port}/hook", "https"), (f"https://127.0.0.1:{receiver_port}/hook", "loopback"),
                 (f"https://[::1]:{receiver_port}/hook", "loopback"), (f"https://localhost:{receiver_port}/hook", "loopback"),
                 ("ftp://127.0.0.1/hook", "scheme")]:
    r = cli("webhook", "add", "--moe", "water", "--url", url)
    check(f"webhook add refuses {url}", r.returncode != 0 and why in (r.stdout + r.stderr), (r.returncode, r.stdout, r.stderr))

added = cli("webhook", "add", "--moe", "water", "--url", f"http://{RECEIVER}:{receiver_port}/hook")
check("webhook add accepts the allowed receiver and shows a whsec_ secret", added.returncode == 0 and "whsec_" in added.stdout, added.stderr)
first_secret = secret_of(added.stdout)
secrets.append(first_secret)
token = cli("token", "add", "--moe", "water").stdout.split()[-1]
key = cli("org", "add", "Webhook test organisation").stdout.split()[-1]

receiver_up()
serve = subprocess.Popen([binary, "serve", "--port", str(serve_port)], env=env, stdout=open(os.path.join(work, "serve.log"), "w"),
                         stderr=subprocess.STDOUT)
base = f"http://127.0.0.1:{serve_port}"


def call(method, path, body=None, auth=token, content="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Authorization": f"Bearer {auth}", "Content-Type": content})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


for _ in range(200):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=1)
        break
    except OSError:
        time.sleep(0.1)


def events(wanted, within=150):
    """Waits until at least `wanted` messages have arrived."""
    deadline = time.time() + within
    while time.time() < deadline:
        with lock:
            if len(received) >= wanted:
                return list(received)
        time.sleep(0.2)
    with lock:
        return list(received)


def status(reference, to, **extra):
    code, body = call("POST", f"/api/v1/tickets/{reference}/status", dict(status=to, **extra))
    check(f"{reference} -> {to}", code == 200, body)


csv = f"external_id,service_code,area,address,description,phone\nw1,water.leak,soweto,12 Vilakazi St,Leak at the gate,\nw2,water.leak,alexandra,3 Main Rd,Leak,{PHONE}\n"
code, bulk = call("POST", "/api/v1/bulk-reports", csv.encode(), auth=key, content="text/csv")
check("bulk upload files two tickets", code == 200 and bulk["accepted"] == 2, bulk)
a, b = (row["reference"] for row in bulk["rows"])
code, incident = call("POST", "/api/v1/incidents", {"service": "water", "areas": ["soweto"], "description": "Main burst in Soweto"})
check("incident declared", code == 201, incident)
code, _ = call("POST", f"/api/v1/incidents/{incident['id']}", {"description": "Water back by 18:00", "areas": ["soweto", "lenasia"]})
check("incident updated", code == 200)
status(a, "acknowledged")
code, _ = call("POST", f"/api/v1/tickets/{a}/priority", {"priority": "urgent", "reason": "A clinic"})
check("priority raised", code == 200)
before = len(events(6))
check("two created, declared, updated and two changes arrived while the receiver was up", before == 6, before)

# The receiver goes down; changes go on; it comes back and gets them all, in order per ticket.
receiver_down()
status(a, "in_progress", public_update="A team is on site")
status(b, "acknowledged")
status(a, "resolved", public_update="Fixed")
status(b, "in_progress")
time.sleep(25)
check("nothing arrives while the receiver is down", len(received) == before, len(received))
receiver_up()
after_outage = events(before + 4)
check("everything queued during the outage arrives afterwards", len(after_outage) == before + 4, len(after_outage))

# Reopened by the resident through a front end (Open311), the survey answered by SMS, the incident closed.
reopen = urllib.request.Request(base + "/open311/v2/servicerequestupdates.json", method="POST", data=urllib.parse.urlencode(
    {"api_key": key, "service_request_id": a, "status": "OPEN", "description": "Still leaking", "update_id": "u1"}).encode())
with urllib.request.urlopen(reopen, timeout=60) as r:
    check("resident reopens through Open311", r.status in (200, 201))
status(b, "resolved", public_update="Repaired")
code, _ = call("POST", f"/api/v1/incidents/{incident['id']}/close", {"description": "Water is back"})
check("incident closed", code == 200)
# The survey job asks within a minute of the resolution; the resident answers 5.
answered = False
for _ in range(60):
    time.sleep(3)
    sms = urllib.request.Request(base + "/sms/africastalking", method="POST", data=urllib.parse.urlencode(
        {"from": PHONE, "to": "30123", "text": "5", "date": "2026-12-05 10:00:00", "id": f"sms-{time.time()}"}).encode())
    urllib.request.urlopen(sms, timeout=60).read()
    with lock:
        if any(json.loads(body)["type"] == "survey.answered" for _, body, _ in received):
            answered = True
            break
check("the survey answer is told", answered)
messages = events(before + 4 + 4, within=60)
time.sleep(3)
with lock:
    check("nothing more than one message per change", len(received) == before + 8, len(received))

verified = [v for _, _, v in messages if v is not None]
check("every message verifies with the standardwebhooks library", len(verified) == len(messages), (len(verified), len(messages)))
ids = [h["webhook-id"] for h, _, _ in messages]
check("each change arrives once (no webhook-id twice)", len(ids) == len(set(ids)), ids)
types = {m["type"] for m in verified}
check("every event type arrived", types == {"ticket.created", "ticket.changed", "ticket.reopened", "incident.declared", "incident.updated",
                                            "incident.closed", "survey.answered"}, types)
check("no body carries the resident's number", not any(PHONE[1:] in body or PHONE[3:] in body for _, body, _ in messages))


def story(reference):
    return [(m["type"], m["data"]["status"]) for m in verified if m["type"].startswith(("ticket.", "survey.")) and m["data"]["reference"] == reference]


check(f"{a} in order", story(a) == [("ticket.created", "new"), ("ticket.changed", "acknowledged"), ("ticket.changed", "acknowledged"),
                                    ("ticket.changed", "in_progress"), ("ticket.changed", "resolved"), ("ticket.reopened", "acknowledged")], story(a))
check(f"{b} in order", story(b)[:4] == [("ticket.created", "new"), ("ticket.changed", "acknowledged"), ("ticket.changed", "in_progress"),
                                        ("ticket.changed", "resolved")] and story(b)[-1] == ("survey.answered", "resolved"), story(b))
urgent = [m for m in verified if m["type"] == "ticket.changed" and m["data"]["reference"] == a][1]
check("a change carries the ticket as the MOE API shows it", urgent["data"]["priority"] == "urgent" and "due_soon" in urgent["data"], urgent)
survey = next(m for m in verified if m["type"] == "survey.answered")
check("survey.answered carries the rating", survey["data"].get("survey", {}).get("rating") == 5, survey)
closed = next(m for m in verified if m["type"] == "incident.closed")
check("incident.closed carries the incident", closed["data"]["status"] == "closed" and closed["data"]["id"] == incident["id"], closed)

# A new secret after remove and add: only the new one verifies.
listed = cli("webhook", "list").stdout
subscription = listed.split()[0]
check("webhook list shows the subscription and its deliveries", "water" in listed and "delivered" in listed, listed)
check("webhook remove", cli("webhook", "remove", subscription).returncode == 0)
second = cli("webhook", "add", "--moe", "water", "--url", f"http://{RECEIVER}:{receiver_port}/hook", "--events", "ticket.changed")
second_secret = secret_of(second.stdout)
secrets.append(second_secret)
count = len(received)
status(b, "closed")
headers, body, _ = events(count + 1, within=60)[-1]
signature = {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
check("the new secret verifies", Webhook(second_secret).verify(body, signature)["data"]["status"] == "closed")
try:
    Webhook(first_secret).verify(body, signature)
    check("the old secret no longer verifies", False)
except WebhookVerificationError:
    check("the old secret no longer verifies", True)

serve.terminate()
serve.wait(timeout=30)
receiver_down()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
