"""Black-box attacks against a running `civicgate serve` configured as in production
(webhook token, https public URL, metrics token). Every attack listed at the top of the
internet-safety issue must fail. Python standard library only.

Usage: python3 security_blackbox.py BASE_URL DATABASE WEBHOOK_TOKEN METRICS_TOKEN ORG_KEY MOE_TOKEN [CIVICGATE_BINARY]
  (the database is only read, to check that refused requests changed nothing; the binary, when
  given, is started with configurations that must be refused; SERVE_PID, when set, is the
  server's process, whose peak memory is read after hostile bulk bodies)
Exits non-zero when any check fails; prints 'N passed, N failed' last.
"""
import http.client
import http.cookiejar
import json
import os
import subprocess
import threading
import re
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

base, database, token, metrics_token, org_key, moe_token = sys.argv[1:7]
binary = sys.argv[7] if len(sys.argv) > 7 else None
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
    except (OSError, http.client.HTTPException) as e:  # no answer in time, or the connection dropped: a failure, not a crash
        return 0, {}, f"no answer: {e}"


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
    try:
        return json.loads(text)[0]["service_request_id"]
    except (ValueError, LookupError):
        check(f"Open311 files a {code} report", False, f"{s} {text[:80]}")
        return "000000000"


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

# 7. Every spelling of a webhook path meets the token (the router ignores empty segments).
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port


def raw(method, path, body=None, headers=None):
    """One request with the path exactly as written (urllib would tidy some spellings)."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        r = connection.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        return 0, f"no answer: {e}"
    finally:
        connection.close()


spelled = "+27821110002"
tickets_before = db("SELECT COUNT(*) FROM tickets")[0][0]
form = {"Content-Type": "application/x-www-form-urlencoded"}
for path in ["//sms/kannel", "///sms/kannel", "/sms//kannel", "/sms/kannel/", "//sms//kannel//", "/./sms/kannel", "/x/../sms/kannel",
             "/%73ms/kannel", "/sms%2Fkannel", "/SMS/kannel"]:
    s, _ = raw("GET", f"{path}?from=%2B27821110002&to=31337&text=STOP")
    check(f"STOP at {path} without the token is refused", s in (401, 404), s)
    s, _ = raw("POST", f"{path.replace('sms/kannel', 'ussd/africastalking').replace('sms%2Fkannel', 'ussd%2Fafricastalking').replace('SMS', 'USSD')}",
               urllib.parse.urlencode({"sessionId": "spell", "serviceCode": "*120*1234#", "phoneNumber": spelled, "networkCode": "65501", "text": ""}), form)
    check(f"a USSD session at a spelling of {path} without the token is refused", s in (401, 404), s)
check("no spelling opted the resident out", db("SELECT COUNT(*) FROM subscribers WHERE msisdn = ? AND opted_out = 1", spelled)[0][0] == 0)
check("no spelling filed a ticket", db("SELECT COUNT(*) FROM tickets")[0][0] == tickets_before)
s, _ = raw("GET", f"//sms/kannel?from=%2B27821110003&to=31337&text=HELP&token={token}")
check("the same spelling with the token is served", s == 200, s)

# 8. Bulk bodies are bounded while they are read, and a refusal is short.
bearer = {"Authorization": f"Bearer {org_key}", "Content-Type": "text/csv"}
header = b"external_id,service_code,area,address,description,phone\n"
s, _, text = call("/api/v1/bulk-reports", header + b"x\n" * 2_000_000, bearer)
check("4 MB of one-character rows is refused at the row limit", s in (413, 422) and "20000" in text and len(text) < 1000, f"{s} {len(text)}")
s, _, text = call("/api/v1/bulk-reports", header + b"\n" * 4_000_000, bearer)
check("4 MB of blank lines is read without harm (no rows)", s < 500 and len(text) < 1000, f"{s} {len(text)}")
# A body over the limit is answered before it is read: the client sends the head and a first
# megabyte, then reads (as curl and proxies do), instead of pushing 17 MB nobody will read.
connection = http.client.HTTPConnection(host, port, timeout=10)
try:
    connection.putrequest("POST", "/api/v1/bulk-reports")
    for name, value in dict(bearer, **{"Content-Length": str(17 * 1024 * 1024)}).items():
        connection.putheader(name, value)
    connection.endheaders(b"\n" * (1024 * 1024))
    answer = connection.getresponse()
    status, text = answer.status, answer.read().decode("utf-8", "replace")
except (OSError, http.client.HTTPException) as e:
    status, text = 0, f"no answer: {e}"
finally:
    connection.close()
check("a body over 16 MB is refused before it is read", status == 413 and "16 MB" in text and len(text) < 1000, f"{status} {text[:80]}")
if os.environ.get("SERVE_PID"):
    try:
        with open(f"/proc/{os.environ['SERVE_PID']}/status") as f:
            peak = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) // 1024
    except OSError:
        peak = -1  # the process is gone
    check(f"the server's peak memory stayed under 200 MB ({peak} MB)", 0 <= peak < 200, peak)
check("the server is still alive after hostile bulk bodies", alive())

# 9. What staff write reaches the public without numbers and e-mails.
def session_for(client_address):
    """A browser of its own, at its own client address (the server trusts this proxy's X-Forwarded-For)."""
    cookies = http.cookiejar.CookieJar(policy=BehindTLS())
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(cookies))
    forwarded = {"X-Forwarded-For": client_address}

    def page_csrf(path):
        match = re.search(r'name="csrf" value="([^"]+)"', call(path, headers=forwarded, opener=opener)[2])
        return match.group(1) if match else ""

    def post(path, fields, csrf=None):
        return call(path, dict(fields, csrf=csrf if csrf is not None else page_csrf(path.rsplit("/", 1)[0] if "/tickets/" in path else "/console/")),
                    headers=forwarded, opener=opener)
    return opener, forwarded, page_csrf, post


_, _, _, thandi_post = session_for("198.51.100.20")
check("thandi signs in again from another address", thandi_post("/console/sign-in", {"username": "thandi", "password": "a long enough password"})[0] == 303)
public = report("water.leak", "9 Side Rd")
s = thandi_post(f"/console/tickets/{public}/status", {"status": "in_progress", "message": "Plumber Sipho Dlamini 082 987 6543, sipho(at)example.com"})[0]
check("a public update naming a plumber's number is posted", s == 303, s)
asker = "+27821110009"
call(f"/sms/kannel?token={token}", {"from": asker, "to": "31337", "text": f"STATUS {public}"})
replies = [r[0] for r in db("SELECT body FROM outbox WHERE msisdn = ? ORDER BY id", asker)]
check("STATUS by SMS answers", len(replies) >= 1, replies)
check("STATUS by SMS shows no number or e-mail", all("987" not in r and "example" not in r for r in replies), replies)
s, _, text = call(f"/open311/v2/requests/{public}.json")
check("Open311 shows no number or e-mail", s == 200 and "987" not in text and "example.com" not in text, text[:200])

# 10. Ticket actions are audited with the client address.
rows = db("SELECT address FROM audit_log WHERE action LIKE 'status %' OR action IN ('mark duplicate', 'reroute')")
check("console ticket actions are audited with the client address", rows and all(r[0] for r in rows), rows)
check("the status change names the address it came from", ("198.51.100.20",) in rows, rows)
s, _, _ = call(f"/api/v1/tickets/{public}/status", json.dumps({"status": "scheduled", "public_update": "Booked", "expected_date": "2027-01-15"}).encode(),
               {"Authorization": f"Bearer {moe_token}", "Content-Type": "application/json", "X-Forwarded-For": "198.51.100.21"})
check("an MOE system changes the status", s == 200, s)
check("the MOE API's change is audited with its address",
      db("SELECT COUNT(*) FROM audit_log WHERE action = 'status scheduled' AND address = '198.51.100.21'")[0][0] == 1)

# 11. Once the sign-in throttle engages, guesses sent together cost one guess.
_, forwarded, page_csrf, guess_post = session_for("198.51.100.30")
for i in range(4):
    guess_post("/console/sign-in", {"username": "thandi", "password": f"guess {i}"})
s, h, _ = guess_post("/console/sign-in", {"username": "thandi", "password": "guess 5"})
wait = int(h.get("Retry-After") or 0)
check("the throttle engages after four guesses", s == 429 and wait > 0, s)
time.sleep(wait + 0.5)
refused_before = db("SELECT COUNT(*) FROM audit_log WHERE action = 'sign-in refused' AND address = '198.51.100.30'")[0][0]
csrf = page_csrf("/console/")
answers = []
threads = [threading.Thread(target=lambda i=i: answers.append(guess_post("/console/sign-in", {"username": "thandi", "password": f"together {i}"}, csrf)[0]))
           for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
checked = db("SELECT COUNT(*) FROM audit_log WHERE action = 'sign-in refused' AND address = '198.51.100.30'")[0][0] - refused_before
check(f"eight guesses at once: one is checked, the rest wait ({checked} checked, answers {sorted(answers)})", checked == 1)

# 12. TruTeq XML in another encoding cannot smuggle a DTD past the filter.
utf7 = ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY e SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-'
        '<ussd><msisdn>27821234567</msisdn><sessionid>u7</sessionid><type>1</type><msg>&e;</msg></ussd>')
s, _, text = call(f"/ussd/truteq?token={token}", utf7.encode(), {"Content-Type": "application/xml"})
check("TruTeq XML declared in UTF-7 is refused", s == 400 and "root:" not in text, f"{s} {text[:80]}")

# 13. Behind a proxy, or under an https public URL, webhooks without a token do not start.
if binary:
    for extra in ({"CIVICGATE_TRUSTED_PROXIES": "127.0.0.1/32"}, {"CIVICGATE_PUBLIC_URL": "https://civicgate.example.gov.za"}):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICGATE_")}
        env.update(extra, CIVICGATE_DATABASE=database + ".refused.sqlite")
        try:
            run = subprocess.run([binary, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=30)
            code, errors = run.returncode, run.stderr
        except subprocess.TimeoutExpired:
            code, errors = None, "it started and served"
        check(f"serve with {list(extra)[0]} and no webhook token refuses to start (exit 2)",
              code == 2 and "CIVICGATE_WEBHOOK_TOKEN" in errors, f"{code} {errors[:120]}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
