#!/usr/bin/python3
"""An independent Open311 client in XML (Python's standard library: urllib and xml.etree), as
FixMyStreet talks to a back end: list the services, read a definition, post a report with only
lat/long, see it routed to that area's queue, read it back, have a dispatcher post a public
status change (through the MOE API), and find it in FixMyStreet's servicerequestupdates.xml.

usage: open311_xml_client_test.py BASE_URL ORGANISATION_API_KEY WATER_MOE_TOKEN
"""
import datetime
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

base, key, token = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
root = base + "/open311/v2"
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if condition else (passed, failed + 1)
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))


def xml(url, data=None):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None)
    with urllib.request.urlopen(request) as r:
        check(f"{url.split('?')[0]} is text/xml", r.headers.get("Content-Type", "").startswith("text/xml"), r.headers.get("Content-Type"))
        body = r.read()
        check(f"{url.split('?')[0]} has the XML declaration", body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60])
        return ET.fromstring(body)


services = xml(root + "/services.xml")
codes = [s.findtext("service_code") for s in services.findall("service")]
check("services.xml lists services", services.tag == "services" and "water.leak" in codes, codes[:5])
definition = xml(root + "/services/water.leak.xml")
areas = [v.findtext("key") for v in definition.findall("attributes/attribute/values/value")]
check("services/water.leak.xml defines the area attribute", definition.findtext("service_code") == "water.leak" and "alexandra" in areas, areas[:5])

# Only a point, in Alexandra: the north water queue takes Alexandra's reports.
before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
created = xml(root + "/requests.xml", {"api_key": key, "service_code": "water.leak", "lat": "-26.10", "long": "28.10",
                                       "description": "Leak at the corner & more", "email": "client@example.org"})
rid = created.findtext("request/service_request_id")
check("POST requests.xml answers a service_request_id", created.tag == "service_requests" and rid and len(rid) == 9, ET.tostring(created))

request = xml(root + f"/requests/{rid}.xml").find("request")
check("requests/{id}.xml reads it back with its point", request is not None and request.findtext("lat") == "-26.1" and request.findtext("long") == "28.1",
      ET.tostring(request) if request is not None else None)
check("its description is exact", request.findtext("description") == "Leak at the corner & more", request.findtext("description"))
check("no e-mail in public output", b"client@example.org" not in ET.tostring(request))
check("it is in Alexandra", "Alexandra" in (request.findtext("address") or ""), request.findtext("address"))

api = urllib.request.Request(f"{base}/api/v1/tickets/{rid}", headers={"Authorization": f"Bearer {token}"})
ticket = json.load(urllib.request.urlopen(api))
check("routed to the area's queue (water-north)", ticket.get("queue") == "water-north", ticket)

change = urllib.request.Request(f"{base}/api/v1/tickets/{rid}/status", method="POST",
                                data=json.dumps({"status": "in_progress", "public_update": "Crew on site"}).encode(),
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
check("the dispatcher posts a public status change", urllib.request.urlopen(change).status == 200)

after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
window = urllib.parse.urlencode({"start_date": before.isoformat(timespec="seconds"), "end_date": after.isoformat(timespec="seconds"), "api_key": key})
updates = xml(root + "/servicerequestupdates.xml?" + window)
mine = [u for u in updates.findall("request_update") if u.findtext("service_request_id") == rid]
check("servicerequestupdates.xml has the change", updates.tag == "service_request_updates" and len(mine) == 1, ET.tostring(updates)[:400])
if mine:
    check("as IN_PROGRESS with its words", mine[0].findtext("status") == "IN_PROGRESS" and mine[0].findtext("description") == "Crew on site",
          ET.tostring(mine[0]))
    check("with an update_id and a time", bool(mine[0].findtext("update_id")) and bool(mine[0].findtext("updated_datetime")))

try:
    urllib.request.urlopen(root + "/services/water.gold_leak.xml")
    check("an unknown service is a 404", False)
except urllib.error.HTTPError as e:
    error = ET.fromstring(e.read())
    check("an unknown service is a 404 in the spec's error shape", e.code == 404 and error.tag == "errors" and error.findtext("error/code") == "404",
          (e.code, error.tag))

print(f"open311 XML client: {passed} checks passed, {failed} failed")
sys.exit(1 if failed else 0)
