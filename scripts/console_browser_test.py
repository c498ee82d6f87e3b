#!/usr/bin/python3
"""The dispatcher console in a real browser (headless Chromium through Selenium).

Starts a stub SMS provider (Kannel's sendsms interface) and `civicgate serve` on loopback, reports a
fault by USSD as an aggregator would, then, at 1366x768:
  - a water dispatcher signs in, finds the ticket, acknowledges it and posts a public update in
    under five clicks, sees the history change, and the reporter's SMS reaches the stub provider;
  - an electricity dispatcher signs in and cannot see the water ticket (not in the queue, 404 by address).
Screenshots of the queue and the ticket page are saved in OUTDIR for people to look at.

usage: console_browser_test.py CIVICGATE_EXECUTABLE OUTDIR
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
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORD = "browser test password"
RESIDENT = "+27821234567"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StubKannel(http.server.BaseHTTPRequestHandler):
    """Answers /cgi-bin/sendsms as Kannel does and keeps what it was asked to send."""
    received = []

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/cgi-bin/sendsms":
            self.send_response(404)
            self.end_headers()
            return
        StubKannel.received.append({"to": query.get("to", [""])[0], "text": query.get("text", [""])[0]})
        self.send_response(202)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"0: Accepted for delivery")

    def log_message(self, *args):
        pass


def ussd(base, session, text):
    body = urllib.parse.urlencode({"sessionId": session, "serviceCode": "*120*1234#", "phoneNumber": RESIDENT,
                                   "networkCode": "65501", "text": text}).encode()
    with urllib.request.urlopen(urllib.request.Request(base + "/ussd/africastalking", data=body)) as r:
        return r.read().decode()


def report_by_ussd(base):
    """Water > first fault > first area > address > confirm; returns the reference's 9 digits."""
    history = []
    screen = ussd(base, "browser-1", "")
    for answer in ["1", "1", "1", "1", "1", "12 Vilakazi St", "1"]:
        history.append(answer)
        screen = ussd(base, "browser-1", "*".join(history))
    assert screen.startswith("END"), screen
    digits = "".join(ch for ch in screen if ch.isdigit())[-9:]
    assert len(digits) == 9, screen
    return digits


def grouped(digits):
    return f"{digits[0:3]} {digits[3:6]} {digits[6:9]}"


def navigate(driver, element):
    """Clicks something that loads a new page, and waits until the new page is there."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def replaced(_):
        # The old page is gone: stale, or (a chromedriver race while it unloads) no longer in any document.
        try:
            page.is_enabled()
            return False
        except WebDriverException:
            return True
    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


class Clicks:
    """Counts what the dispatcher clicks, to hold the console to 'under five clicks'."""
    def __init__(self, driver):
        self.driver = driver
        self.count = 0

    def __call__(self, element):
        self.count += 1
        navigate(self.driver, element)


def browser():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,768"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(1366, 768)
    driver.implicitly_wait(5)
    return driver


def sign_in(driver, base, username):
    driver.get(base + "/console/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/console/sign-in'] button[type=submit]"))


def sign_out(driver):
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/console/sign-out'] button"))


def main():
    executable, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="civicgate-browser-")
    database = os.path.join(work, "console.sqlite")

    stub_port = free_port()
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", stub_port), StubKannel)
    threading.Thread(target=stub.serve_forever, daemon=True).start()

    env = dict(os.environ, CIVICGATE_PASSWORD=PASSWORD, CIVICGATE_DATABASE=database,
               CIVICGATE_SMS_PROVIDER="kannel", CIVICGATE_SMS_URL=f"http://127.0.0.1:{stub_port}/cgi-bin/sendsms",
               CIVICGATE_SMS_USERNAME="tester", CIVICGATE_SMS_PASSWORD="secret")
    for user, moe in [("water.dispatcher", "water"), ("power.dispatcher", "electricity")]:
        subprocess.run([executable, "user", "add", user, "--moe", moe, "--role", "dispatcher"], env=env, check=True,
                       stdout=subprocess.DEVNULL)

    port = free_port()
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([executable, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    driver = None
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        reference = report_by_ussd(base)
        print(f"reported {grouped(reference)} by USSD")

        driver = browser()
        click = Clicks(driver)

        # The water dispatcher: queue -> ticket -> acknowledge -> public update.
        sign_in(driver, base, "water.dispatcher")
        assert "queue" in driver.find_element(By.TAG_NAME, "h1").text.lower(), driver.page_source
        link = driver.find_element(By.LINK_TEXT, grouped(reference))
        driver.save_screenshot(os.path.join(outdir, "console-queue.png"))
        click(link)
        assert grouped(reference) in driver.find_element(By.TAG_NAME, "h1").text
        assert "+27 82 *** 4567" in driver.page_source and "821234567" not in driver.page_source
        click(driver.find_element(By.CSS_SELECTOR, f"form[action='/console/tickets/{reference}/acknowledge'] button"))
        assert "Acknowledged" in driver.find_element(By.CSS_SELECTOR, "h1 .status").text
        Select(driver.find_element(By.NAME, "status")).select_by_value("in_progress")
        driver.find_element(By.NAME, "message").send_keys("A crew is on the way to fix the pipe")
        click(driver.find_element(By.CSS_SELECTOR, "form.status-form button[type=submit]"))
        assert click.count < 5, f"{click.count} clicks"
        history = driver.find_element(By.CSS_SELECTOR, ".timeline").text
        assert "Status: Acknowledged" in history, history
        assert "A crew is on the way to fix the pipe" in history, history
        assert "In progress" in driver.find_element(By.CSS_SELECTOR, "h1 .status").text
        driver.save_screenshot(os.path.join(outdir, "console-ticket.png"))
        print(f"acknowledged and updated in {click.count} clicks; history shows it")

        # The SMS reaches the provider (the outbox sender runs in the server).
        wanted = f"Ref {grouped(reference)}: In progress. A crew is on the way to fix the pipe"
        for _ in range(200):
            if any(m["to"] == RESIDENT and m["text"] == wanted for m in StubKannel.received):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"no SMS {wanted!r} at the provider; got {json.dumps(StubKannel.received)}")
        print("the public update reached the SMS provider")

        # The dashboard, with the report made above: every chart an SVG with its table beside it.
        click(driver.find_element(By.LINK_TEXT, "Dashboard"))
        assert "dashboard" in driver.find_element(By.TAG_NAME, "h1").text.lower(), driver.page_source
        charts = driver.find_elements(By.CSS_SELECTOR, "section.chart")
        assert len(charts) == 4, driver.page_source
        for chart in charts:
            assert chart.find_elements(By.TAG_NAME, "svg") and chart.find_elements(By.CSS_SELECTOR, "table.figures"), chart.text
        assert driver.find_elements(By.CSS_SELECTOR, "svg.received rect"), "no bar for the day of the report"
        assert driver.find_elements(By.CSS_SELECTOR, "svg.backlog polyline"), "no backlog line"
        total = driver.find_element(By.CSS_SELECTOR, "tr.total").text
        assert total.startswith("All services 1 1"), total
        driver.save_screenshot(os.path.join(outdir, "console-dashboard.png"))
        print("the dashboard shows the report as charts with their tables")
        sign_out(driver)

        # The electricity dispatcher cannot see the water ticket.
        sign_in(driver, base, "power.dispatcher")
        assert "Electricity" in driver.find_element(By.TAG_NAME, "h1").text, driver.page_source
        driver.get(base + "/console/?status=all")
        assert grouped(reference) not in driver.page_source and reference not in driver.page_source
        driver.get(f"{base}/console/tickets/{reference}")
        assert "Not found" in driver.find_element(By.TAG_NAME, "h1").text
        assert "Vilakazi" not in driver.page_source
        print("the electricity dispatcher cannot see it")
        print("console browser test passed")
    except Exception:
        if driver is not None:
            driver.save_screenshot(os.path.join(outdir, "console-failure.png"))
            print(driver.current_url, driver.page_source[:4000], file=sys.stderr)
        log.flush()
        print(open(os.path.join(work, "serve.log")).read()[-4000:], file=sys.stderr)
        raise
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)
        stub.shutdown()


if __name__ == "__main__":
    main()
