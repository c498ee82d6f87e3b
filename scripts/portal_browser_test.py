#!/usr/bin/python3
"""The organisation portal and the console's accessibility, in a real browser (headless Chromium, Selenium).

Starts `civicgate serve` on loopback with an organisation, its member, a water dispatcher and an
administrator, then, at 1366x768:
  - the member signs in, downloads the CSV template, uploads a 500-row file built on it with 3 bad
    rows, reads the rejected rows (row, column, reason), downloads the results (a reference per
    accepted row);
  - the water dispatcher acknowledges one of those reports;
  - the member finds that report in the list, with its status, filtering by status.
axe-core (from the PyPI package axe-core-python, its axe.min.js injected into each page) checks
the sign-in, queue, dashboard, incidents, ticket, upload form, upload result, report list and administration pages for
the WCAG 2.0/2.1 A and AA rules; any serious or critical violation fails. A keyboard check tabs
through the upload page and requires a visible focus outline on each stop.
Screenshots of the upload result and the report list are saved in OUTDIR.

usage: portal_browser_test.py CIVICGATE_EXECUTABLE OUTDIR AXE_JS
"""
import csv
import glob
import io
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_browser_test import PASSWORD, browser, free_port, grouped, navigate, sign_in, sign_out  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})),
                   passes: r.passes.map(p => p.id)}))
  .catch(e => done({error: String(e)}));
"""


class Accessibility:
    """Runs axe-core on the page the browser shows; keeps every rule that ran and every violation."""
    def __init__(self, driver, source):
        self.driver, self.source = driver, source
        self.rules, self.problems, self.pages = set(), [], []

    def check(self, name):
        self.driver.execute_script(self.source)
        self.driver.set_script_timeout(60)
        result = self.driver.execute_async_script(AXE_RUN)
        assert "error" not in result, result
        self.rules.update(result["passes"])
        self.rules.update(v["id"] for v in result["violations"])
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        minor = [v for v in result["violations"] if v["impact"] not in ("serious", "critical")]
        for v in minor:
            print(f"axe ({name}): {v['impact']} {v['id']}: {v['help']} at {v['nodes']}")
        self.problems += [(name, v) for v in serious]
        self.pages.append(name)


def keyboard_focus_is_visible(driver, stops=6):
    """Tabs from the top of the page: every element that takes focus shows an outline."""
    driver.find_element(By.TAG_NAME, "body").click()
    for _ in range(stops):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        style = driver.execute_script(
            "const s = getComputedStyle(document.activeElement); return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth];")
        assert style[1] != "none" and style[2] != "0px", f"no visible focus on {style}"


def downloaded(folder, pattern, before=()):
    for _ in range(100):
        files = [f for f in glob.glob(os.path.join(folder, pattern)) if f not in before and not f.endswith(".crdownload")]
        if files:
            return files[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing downloaded matching {pattern} in {folder}: {os.listdir(folder)}")


def main():
    executable, outdir, axe_path = sys.argv[1], sys.argv[2], sys.argv[3]
    axe_source = open(axe_path).read()
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="civicgate-portal-")
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    env = dict(os.environ, CIVICGATE_PASSWORD=PASSWORD, CIVICGATE_DATABASE=os.path.join(work, "portal.sqlite"))
    run = lambda *args: subprocess.run([executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: E731
    run("org", "add", "Orlando East residents")
    run("user", "add", "nomsa", "--org", "Orlando East residents", "--role", "organisation")
    run("user", "add", "water.dispatcher", "--moe", "water", "--role", "dispatcher")
    run("user", "add", "root", "--moe", "water", "--role", "admin")

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
        driver = browser()
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        axe = Accessibility(driver, axe_source)
        # The checker itself finds a known fault (an unlabelled field, grey on white), or nothing it says counts.
        driver.get("data:text/html,<html lang=en><title>t</title><main><input><p style='color:%23ccc'>faint</p></main></html>")
        driver.execute_script(axe_source)
        known = {v["id"] for v in driver.execute_async_script(AXE_RUN)["violations"]}
        assert {"label", "color-contrast"} <= known, known

        driver.get(base + "/console/")
        axe.check("sign-in")
        sign_in(driver, base, "nomsa")
        assert "our reports" in driver.find_element(By.TAG_NAME, "h1").text.lower(), driver.page_source
        navigate(driver, driver.find_element(By.LINK_TEXT, "Upload a file"))
        axe.check("upload form")
        keyboard_focus_is_visible(driver)

        # The template, then a 500-row file on it: rows 2, 101 and 302 are wrong (the header is row 1).
        driver.find_element(By.LINK_TEXT, "Download the template").click()
        template = open(downloaded(downloads, "civicgate-template*.csv"), newline="", encoding="utf-8").read()
        header = next(csv.reader(io.StringIO(template)))
        assert header == ["external_id", "service_code", "area", "address", "description", "phone"], header
        rows = []
        for i in range(500):
            service = ["water.burst_pipe", "roads.pothole", "water.leak", "waste.missed_collection"][i % 4]
            rows.append([f"walk-{i:03}", service, "soweto", f"{i + 1} Vilakazi St", "seen on the walk-about", ""])
        rows[0][1] = "water.teleporter"
        rows[99][2] = "atlantis"
        rows[300][3] = ""
        path = os.path.join(work, "walk-about.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header] + rows)
        driver.find_element(By.ID, "file").send_keys(path)
        navigate(driver, driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]"))
        WebDriverWait(driver, 120).until(lambda d: "Summary" in d.page_source)
        figures = driver.find_element(By.CSS_SELECTOR, ".summary-figures").text
        assert "497\naccepted" in figures and "0\nduplicates" in figures and "3\nrejected" in figures, figures
        rejected = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")]
        assert len(rejected) == 3, rejected
        assert rejected[0].startswith("2 walk-000") and "service code" in rejected[0], rejected
        assert rejected[1].startswith("101 walk-099") and "area" in rejected[1], rejected
        assert rejected[2].startswith("302 walk-300") and "address" in rejected[2], rejected
        driver.save_screenshot(os.path.join(outdir, "portal-upload-result.png"))
        axe.check("upload result")
        print("uploaded 500 rows: 497 accepted, 3 rejected rows named by row and column")

        driver.find_element(By.PARTIAL_LINK_TEXT, "Download the results").click()
        results = list(csv.DictReader(open(downloaded(downloads, "civicgate-upload-*-results.csv"), newline="", encoding="utf-8")))
        accepted = [r for r in results if r["result"] == "accepted"]
        assert len(results) == 500 and len(accepted) == 497 and all(len(r["reference"]) == 9 for r in accepted), results[:3]
        water = next(r["reference"] for r in accepted if r["external_id"] == "walk-004")
        print(f"results downloaded: a reference per accepted row; walk-004 is {grouped(water)}")
        sign_out(driver)

        # The water dispatcher acknowledges walk-004.
        sign_in(driver, base, "water.dispatcher")
        axe.check("queue")
        for page in ["/console/dashboard", "/console/incidents"]:
            driver.get(base + page)
            axe.check(page)
        driver.get(base + "/console/")
        driver.get(f"{base}/console/tickets/{water}")
        axe.check("ticket")
        navigate(driver, driver.find_element(By.CSS_SELECTOR, f"form[action='/console/tickets/{water}/acknowledge'] button"))
        assert "Acknowledged" in driver.find_element(By.CSS_SELECTOR, "h1 .status").text
        sign_out(driver)

        # The member finds it, acknowledged.
        sign_in(driver, base, "nomsa")
        Select(driver.find_element(By.ID, "f-status")).select_by_value("acknowledged")
        navigate(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
        row = driver.find_element(By.XPATH, f"//a[text()='{grouped(water)}']/ancestor::tr").text
        assert "Acknowledged" in row and "walk-004" in row, row
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")) == 1
        driver.save_screenshot(os.path.join(outdir, "portal-reports.png"))
        axe.check("report list")
        navigate(driver, driver.find_element(By.LINK_TEXT, grouped(water)))
        assert "Acknowledged" in driver.page_source
        axe.check("report")
        print("the member finds the report acknowledged")
        sign_out(driver)

        sign_in(driver, base, "root")
        for page in ["/console/admin", "/console/admin/users", "/console/admin/organisations", "/console/admin/tokens"]:
            driver.get(base + page)
            axe.check(page)

        print(f"axe-core ran {len(axe.rules)} rules on {len(axe.pages)} pages: {', '.join(sorted(axe.rules))}")
        assert not axe.problems, "serious or critical accessibility violations: " + "; ".join(
            f"{page}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}" for page, v in axe.problems)
        print("portal browser test passed")
    except Exception:
        if driver is not None:
            driver.save_screenshot(os.path.join(outdir, "portal-failure.png"))
            print(driver.current_url, driver.page_source[:4000], file=sys.stderr)
        log.flush()
        print(open(os.path.join(work, "serve.log")).read()[-4000:], file=sys.stderr)
        raise
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
