"""Reads a running civicgate through the PyPI Open311 client `georeport` (which only reads),
after posting one request with plain HTTP as an organisation's app would.

Usage: python open311_client_test.py http://127.0.0.1:PORT/open311/v2 API_KEY
"""
import sys
import urllib.parse
import urllib.request
import json

from georeport import GeoReport

root, key = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, condition):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}")


body = urllib.parse.urlencode({
    "api_key": key, "service_code": "water.burst_pipe", "address_string": "12 Vilakazi St",
    "description": "Burst pipe, water everywhere", "attribute[area]": "soweto",
}).encode()
with urllib.request.urlopen(urllib.request.Request(f"{root}/requests.json", data=body)) as response:
    created = json.load(response)
request_id = created[0]["service_request_id"]
check("POST requests.json returns a service_request_id", request_id.isdigit() and len(request_id) == 9)

client = GeoReport(root)
services = client.get_service_list()
codes = {s["service_code"] for s in services}
check("services list the catalogue", "water.burst_pipe" in codes and "roads.pothole" in codes)
check("every service has a name and group", all(s.get("service_name") and s.get("group") for s in services))
definition = client.get_service_definition("water.burst_pipe")
check("a service definition lists its attributes", definition["attributes"][0]["code"] == "area")
requests_ = client.get_service_requests()
check("requests include the new one", any(r["service_request_id"] == request_id for r in requests_))
open_ = client.get_service_requests(status="open", service_code="water")
check("filters by status and service code", [r["service_request_id"] for r in open_] == [request_id])
one = client.get_service_request(request_id)
check("a single request", one["service_request_id"] == request_id and one["agency_responsible"] == "Water & Sanitation")
check("no personal data", "phone" not in json.dumps(requests_) and "+27" not in json.dumps(requests_))

print(f"open311 client: {passed} checks passed, {failed} failed")
sys.exit(1 if failed else 0)
