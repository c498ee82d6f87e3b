#!/usr/bin/env python3
"""The planned-works calendar as a calendar application reads it: a serve on 127.0.0.1 with planned
works, a fault and cancelled works declared through the MOE API; /open-data/planned-works.ics parsed
by the PyPI `icalendar` package and checked against RFC 5545 (CRLF lines folded at 75 octets, the
required properties of VCALENDAR and VEVENT) and against the API (start and end as aware
date-times, status, sequence); the filters and the JSON feed agree.
usage: scripts/ics_check.py CIVICGATE_BINARY"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import icalendar

binary = os.path.realpath(sys.argv[1])
work = tempfile.mkdtemp()
env = dict(os.environ, CIVICGATE_DATABASE=os.path.join(work, "ics.sqlite"), CIVICGATE_MOE_API_RATE="100000")
env.pop("CIVICGATE_WEBHOOK_TOKEN", None)
port = 18093
base = f"http://127.0.0.1:{port}"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def token(moe):
    out = subprocess.run([binary, "token", "add", "--moe", moe], env=env, capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].split()[-1]


def call(method, path, tok=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    if tok:
        req.add_header("Authorization", "Bearer " + tok)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type", "")


water, power = token("water"), token("electricity")
serve = subprocess.Popen([binary, "serve", "--port", str(port)], env=env, stdout=open(os.path.join(work, "serve.log"), "w"), stderr=subprocess.STDOUT)
try:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    start = (now + datetime.timedelta(days=7)).astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    end = start + datetime.timedelta(hours=6, minutes=30)
    declared = {}
    status, body, _ = call("POST", "/api/v1/incidents", water, {
        "service": "water", "areas": ["soweto", "orange_farm"], "planned": True, "starts_at": start.isoformat(), "expected_at": end.isoformat(),
        "description": "Valve replacement on Chris Hani Rd; water off, tankers at the clinic, call 082 123 4567 for help. " * 2})
    check(status == 201, f"planned works declared ({status})")
    declared["works"] = json.loads(body)
    status, body, _ = call("POST", f"/api/v1/incidents/{declared['works']['id']}", water, {"description": "Now with a longer window: water off from the start until the end, tankers at the clinic and the school; bring containers. Call 082 123 4567."})
    check(status == 200, "planned works updated")
    declared["works"] = json.loads(body)
    status, body, _ = call("POST", "/api/v1/incidents", power, {"service": "electricity", "areas": ["midrand"], "description": "Substation tripped",
                                                                "expected_at": (now + datetime.timedelta(hours=5)).isoformat()})
    declared["fault"] = json.loads(body)
    status, body, _ = call("POST", "/api/v1/incidents", water, {
        "service": "water", "areas": ["lenasia"], "planned": True, "starts_at": (start + datetime.timedelta(days=1)).isoformat(),
        "expected_at": (end + datetime.timedelta(days=1)).isoformat(), "description": "Meter replacement"})
    cancelled = json.loads(body)
    status, body, _ = call("POST", f"/api/v1/incidents/{cancelled['id']}/close", water, {"description": "Not needed after all"})
    declared["cancelled"] = json.loads(body)
    check(declared["cancelled"].get("phase") == "cancelled", "closed before its start: cancelled")

    status, raw, content_type = call("GET", "/open-data/planned-works.ics")
    check(status == 200 and content_type.startswith("text/calendar"), f"feed served as text/calendar ({status} {content_type})")
    # RFC 5545 3.1: CRLF line ends, no line longer than 75 octets, continuations start with a space.
    check(raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF")
    lines = raw.split(b"\r\n")[:-1]
    check(all(len(line) <= 75 for line in lines), f"no line over 75 octets (longest {max(len(l) for l in lines)})")
    check(any(line.startswith(b" ") for line in lines), "long lines are folded")
    calendar = icalendar.Calendar.from_ical(raw)
    check(not calendar.errors, f"the calendar parses without errors {calendar.errors}")
    for prop in ("VERSION", "PRODID"):
        check(prop in calendar, f"VCALENDAR has {prop}")
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    check(len(events) == 3, f"one VEVENT each ({len(events)})")
    for name, incident in declared.items():
        event = events.get(f"incident-{incident['id']}@civicgate")
        check(event is not None, f"{name}: in the feed")
        if event is None:
            continue
        check(not event.errors, f"{name}: parses without errors {event.errors}")
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION", "STATUS", "SEQUENCE"):
            check(prop in event, f"{name}: has {prop}")
        dtstart, dtend = event.decoded("DTSTART"), event.decoded("DTEND")
        check(dtstart.tzinfo is not None and dtend.tzinfo is not None, f"{name}: aware date-times")
        api_start = datetime.datetime.fromisoformat(incident.get("starts_at") or incident["created_at"])
        check(dtstart == api_start, f"{name}: DTSTART {dtstart} is the incident's start {api_start}")
        if incident.get("expected_at"):
            api_end = datetime.datetime.fromisoformat(incident["expected_at"])
            check(dtend == api_end, f"{name}: DTEND {dtend} is the incident's end {api_end}")
        check(dtend > dtstart, f"{name}: ends after it starts")
        check(str(event["STATUS"]) == ("CANCELLED" if name == "cancelled" else "CONFIRMED"), f"{name}: STATUS {event['STATUS']}")
        check("4567" not in str(event["DESCRIPTION"]), f"{name}: no phone number in the description")
    check(int(events[f"incident-{declared['works']['id']}@civicgate"]["SEQUENCE"]) == 1, "an update bumps SEQUENCE")
    check(str(events[f"incident-{declared['works']['id']}@civicgate"]["LOCATION"]) == "Soweto, Orange Farm", "LOCATION names the areas")

    status, raw, _ = call("GET", "/open-data/planned-works.ics?area=midrand")
    only = [str(e["UID"]) for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")]
    check(only == [f"incident-{declared['fault']['id']}@civicgate"], f"?area=midrand: the fault only {only}")
    status, raw, _ = call("GET", "/open-data/planned-works.ics?service=water")
    check(len(icalendar.Calendar.from_ical(raw).walk("VEVENT")) == 2, "?service=water: the two water works")
    check(call("GET", "/open-data/planned-works.ics?area=nowhere")[0] == 400, "an unknown area is a 400")
    status, raw, _ = call("GET", "/open-data/incidents.json")
    ids = sorted(e["id"] for e in json.loads(raw)["incidents"])
    check(ids == sorted(i["id"] for i in declared.values()), "the JSON feed has the same incidents")
finally:
    serve.terminate()
    serve.wait(timeout=30)

if failures:
    print(f"{len(failures)} failed", file=sys.stderr)
    sys.exit(1)
print("planned-works.ics: all checks passed")
