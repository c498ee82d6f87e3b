"""Black-box attacks against a running `civicgate serve` configured as in production
(webhook token, https public URL, metrics token). Every attack listed at the top of the
internet-safety issue must fail. Python standard library only.

Usage: python3 security_blackbox.py BASE_URL DATABASE WEBHOOK_TOKEN METRICS_TOKEN ORG_KEY MOE_TOKEN
  (the database is only read, to check that refused requests changed nothing)
Exits non-zero when any check fails; prints 'N passed, N failed' last.
"""
import http.cookiejar
import json
import re
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

base, database, token, metrics_token, org_key, moe_token = sys.argv[1:7]
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(path, data=None, headers=None, method=None, opener=None):
    """(status, headers, body) of one request; never raises for HTTP errors."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    request = urllib.request.Request(base + path, data=body, headers=headers or {}, method=method)
    if isinstance(data, dict):
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with (opener or urllib.request.build_opener(NoRedirect)).open(request, timeout=10) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def db(sql, *args):
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as c:
        return c.execute(sql, args).fetchall()


def alive():
    return call("/healthz")[0] == 200


victim = "+27821234567"

# 1. The request that killed the process, and its cousins.
for page in ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "NaN"]:
    status = call(f"/open311/v2/requests.json?page={page}")[0]
    check(f"open311 page={page} is a 400", status == 400, status)
    status = call(f"/api/v1/tickets?page={page}", headers={"Authorization": f"Bearer {moe_token}"})[0]
    check(f"MOE API page={page} is a 400", status == 400, status)
check("the server is still alive", alive())

# 2. Webhooks trust nobody without the token.
tickets_before = db("SELECT COUNT(*) FROM tickets")[0][0]
outbox_before = db("SELECT COUNT(*) FROM outbox")[0][0]
for bad in ["", "&token=wrong", "&token=" + token[:-1]]:
    s = call("/sms/kannel?from=%2B27821234567&to=31337&text=STOP" + bad)[0]
    check(f"STOP as a resident without the token ({bad or 'none'}) is refused", s == 401, s)
    s = call("/sms/africastalking" + bad.replace("&", "?", 1), {"from": victim, "to": "31337", "text": "REPORT WATER burst pipe at 1 Main Rd", "id": "x1"})[0]
    check("a report by SMS as any number without the token is refused", s == 401, s)
    s = call("/ussd/africastalking" + bad.replace("&", "?", 1), {"sessionId": "evil-1", "serviceCode": "*120*1234#", "phoneNumber": victim, "networkCode": "65501", "text": ""})[0]
    check("a USSD session as any number without the token is refused (recent requests, resume)", s == 401, s)
opted = db("SELECT COUNT(*) FROM subscribers WHERE msisdn = ? AND opted_out = 1", victim)[0][0]
check("the resident was not opted out", opted == 0)
check("no ticket was filed", db("SELECT COUNT(*) FROM tickets")[0][0] == tickets_before)
check("no SMS was queued", db("SELECT COUNT(*) FROM outbox")[0][0] == outbox_before)

# With the token, the aggregator is served.
s, _, text = call(f"/ussd/africastalking?token={token}", {"sessionId": "ok-1", "serviceCode": "*120*1234#", "phoneNumber": victim, "networkCode": "65501", "text": ""})
check("the aggregator with the token gets a menu", s == 200 and text.startswith("CON "), text[:40])
call(f"/sms/kannel?token={token}", {"from": victim, "to": "31337", "text": "HELP"})
queued = db("SELECT id, status FROM outbox ORDER BY id")
check("an SMS was queued for the authenticated request", len(queued) > outbox_before)

# 3. Delivery reports cannot be forged by counting outbox ids.
for message_id, _ in queued:
    s = call(f"/dlr/kannel?token={token}&id={message_id}&status=1")[0]
    check(f"unsigned delivery report for outbox {message_id} is refused", s == 403, s)
    s = call(f"/dlr/kannel?token={token}&id={message_id}&status=1&sig={'0' * 32}")[0]
    check(f"wrongly signed delivery report for outbox {message_id} is refused", s == 403, s)
delivered = db("SELECT COUNT(*) FROM outbox WHERE status = 'delivered' AND provider_message_id IS NULL AND sent_at IS NULL")[0][0]
check("no queued message was marked delivered", delivered == 0)

# 4. Staff sign-in: same answer for unknown users, waits instead of a lock.
class BehindTLS(http.cookiejar.DefaultCookiePolicy):
    """We talk to serve directly, as the TLS-terminating proxy does: Secure cookies go back too."""
    def return_ok_secure(self, cookie, request):
        return True


jar = http.cookiejar.CookieJar(policy=BehindTLS())
browser = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))


def sign_in(username, password):
    page = call("/console/", opener=browser)[2]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return call("/console/sign-in", {"csrf": csrf, "username": username, "password": password}, opener=browser)


def error_of(body):
    m = re.search(r'<p class="error" role="alert">([^<]*)</p>', body)
    return m.group(1) if m else body[:80]


known = sign_in("thandi", "wrong password 1")
unknown = sign_in("nobody-at-all", "wrong password 1")
check("unknown user and wrong password get the same answer", (known[0], error_of(known[2])) == (unknown[0], error_of(unknown[2])),
      f"{known[0]} {error_of(known[2])} / {unknown[0]} {error_of(unknown[2])}")
for i in range(2, 5):
    sign_in("thandi", f"wrong password {i}")
waiting = sign_in("thandi", "a long enough password")
retry = int(waiting[1].get("Retry-After") or 0)
check("after repeated failures the next try waits (429 + Retry-After)", waiting[0] == 429 and retry > 0, waiting[0])
time.sleep(retry + 0.5)
s, h, _ = sign_in("thandi", "a long enough password")
check("after the wait the owner gets in: no permanent lock", s == 303, s)
cookies = h.get_all("Set-Cookie") or []
session = [c for c in cookies if c.startswith("cg_session=")]
check("the session cookie is Secure, HttpOnly, SameSite=Strict under an https public URL",
      session and all(flag in session[0] for flag in ("Secure", "HttpOnly", "SameSite=Strict")), session)
check("HSTS is sent", "max-age=" in (call("/healthz")[1].get("Strict-Transport-Security") or ""))

# 5. A duplicate chain cannot reach another MOE's ticket.
def report(code, address):
    s, _, text = call("/open311/v2/requests.json", {"api_key": org_key, "service_code": code, "address_string": address, "attribute[area]": "soweto"})
    return json.loads(text)[0]["service_request_id"]


master, moved, other = report("water.burst_pipe", "1 Main Rd"), report("water.leak", "2 Main Rd"), report("electricity.outage", "3 Main Rd")


def act(reference, action, fields):
    page = call(f"/console/tickets/{reference}", opener=browser)[2]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    return call(f"/console/tickets/{reference}/{action}", dict(fields, csrf=csrf.group(1) if csrf else ""), opener=browser)[0]


check("water marks a ticket duplicate of its own", act(moved, "duplicate", {"master": master}) == 303)
check("water re-routes the duplicate to electricity", act(moved, "reroute", {"queue": "power-general", "reason": "cable fault"}) == 303)
call("/console/sign-out", {"csrf": re.search(r'name="csrf" value="([^"]+)"', call("/console/", opener=browser)[2]).group(1)}, opener=browser)
s, _, _ = sign_in("sipho", "a long enough password")
check("electricity signs in", s == 303, s)
act(other, "duplicate", {"master": moved})
rows = dict(db("SELECT reference, duplicate_of FROM tickets WHERE reference IN (?, ?, ?)", master, moved, other))
master_id = db("SELECT id FROM tickets WHERE reference = ?", master)[0][0]
check("electricity's ticket did not become a duplicate of water's master", rows[other] != master_id, rows)
check("the re-routed ticket left water's master", rows[moved] is None, rows)
check("water's ticket is still not found by electricity", call(f"/console/tickets/{master}", opener=browser)[0] == 404)

# 6. Operations endpoints are for staff.
check("/metrics without the token is refused", call("/metrics")[0] == 401)
check("/healthz?detail=1 without the token is refused", call("/healthz?detail=1")[0] == 401)
check("/metrics with the token is served", call("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})[0] == 200)
check("the server is still alive at the end", alive())

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
