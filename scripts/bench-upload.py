#!/usr/bin/python3
"""Times an organisation's browser upload of N rows (default 20,000) against a running serve:
sign in as the member, send the file as the upload form does, poll the result page until done.

usage: bench-upload.py BASE_URL USERNAME PASSWORD [ROWS]
"""
import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request

base, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
rows = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def csrf(html):
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


page = opener.open(base + "/console/").read().decode()
opener.open(base + "/console/sign-in", urllib.parse.urlencode({"csrf": csrf(page), "username": user, "password": password}).encode())
token = csrf(opener.open(base + "/console/uploads").read().decode())
services = ["water.burst_pipe", "roads.pothole", "water.leak", "waste.missed_collection"]
lines = ["external_id,service_code,area,address,description,phone"]
lines += [f"b-{time.time_ns()}-{i},{services[i % 4]},soweto,{i + 1} Vilakazi St,seen on the walk-about," for i in range(rows)]
data = "\r\n".join(lines).encode()
boundary = "----bench"
body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n').encode()
body += data + f"\r\n--{boundary}--\r\n".encode()
start = time.monotonic()
request = urllib.request.Request(base + "/console/uploads", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
result = opener.open(request)
accepted = time.monotonic()
location = result.geturl()
while True:
    html = opener.open(location).read().decode()
    if "Summary" in html:
        break
    time.sleep(0.2)
done = time.monotonic()
figures = re.findall(r"<strong>(\d+)</strong> (accepted|duplicates|rejected)", html)
print(f"{rows} rows, {len(data) / 1e6:.1f} MB: page answered in {accepted - start:.2f} s, all stored in {done - start:.1f} s; {figures}")
