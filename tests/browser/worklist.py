"""The worklist in a real headless Chromium, through WebDriver: an accountant
signs in, sees the list, acknowledges one item, resolves another and signs
out; then the database's audit trail and the report email (sent again with
`seqr-recon resend`) show what was done.

Usage: worklist.py PATH_TO_SEQR_RECON [SCREENSHOT_DIR]
With SCREENSHOT_DIR, the list and one item's page are saved there as PNG.
"""

import email
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

BIN = sys.argv[1]
SHOTS = Path(sys.argv[2]) if len(sys.argv) > 2 else None
PASSWORD = "a long password for eva"


def run(*args, env=None, check=True):
    done = subprocess.run([BIN, *args], capture_output=True, text=True, env=env)
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(driver, condition, what):
    """Waits up to 10 s for a page to show what a click led to."""
    deadline = time.time() + 10
    while not condition():
        if time.time() > deadline:
            raise AssertionError(f"{what} did not show:\n{driver.page_source}")
        time.sleep(0.1)


def browser():
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000"]:
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    # A first start on a fresh machine sets up Chromium's profile and can miss WebDriver's deadline once.
    try:
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    except Exception:  # noqa: BLE001 — any failure of the first start is tried once more
        time.sleep(2)
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    work = Path(tempfile.mkdtemp(prefix="seqr-browser-"))
    demo = work / "demo"
    run("demo", "--dir", str(demo))
    config = demo / "seqr-recon.toml"
    user = run("user", "add", "--name", "eva", "--shops", "stockholm-1",
               env={**os.environ, "SEQR_RECON_NEW_PASSWORD": PASSWORD}).stdout
    port = free_port()
    config.write_text(config.read_text() + "\n[web]\n" + f'base_url = "http://127.0.0.1:{port}"\n\n' + user)
    server = subprocess.Popen([BIN, "--config", str(config), "serve", "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/login")
            break
        except OSError:
            time.sleep(0.1)
    driver = None
    try:
        driver = browser()
        driver.get(f"{base}/")
        assert driver.current_url.endswith("/login"), driver.current_url
        driver.find_element(By.NAME, "name").send_keys("eva")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
        wait_for(driver, lambda: "Open items" in driver.title, "the list")

        # The list: this user's shop only, largest amount at risk first.
        rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) >= 2, driver.page_source
        shops = {r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
        assert shops == {"Shop stockholm-1"}, shops
        risks = [float(r.find_elements(By.TAG_NAME, "td")[0].text.split()[0]) for r in rows]
        assert risks == sorted(risks, reverse=True), risks
        if SHOTS:
            driver.save_screenshot(str(SHOTS / "worklist.png"))
        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "tbody tr td a")]
        first = links[0]
        second = next(link for link in links[1:] if link != first)

        # Acknowledge the first.
        driver.get(first)
        assert "Every close that showed it" in driver.page_source
        form = driver.find_element(By.CSS_SELECTOR, "form[action$='/acknowledge']")
        form.find_element(By.NAME, "note").send_keys("Anna checks the receipt")
        form.find_element(By.TAG_NAME, "button").click()
        wait_for(driver, lambda: "Done: acknowledge" in driver.page_source, "the acknowledgement")
        if SHOTS:
            driver.save_screenshot(str(SHOTS / "worklist-item.png"))

        # Resolve the second.
        driver.get(second)
        form = driver.find_element(By.CSS_SELECTOR, "form[action$='/resolve']")
        form.find_element(By.CSS_SELECTOR, "select[name='how'] option[value='write-off']").click()
        form.find_element(By.NAME, "note").send_keys("customer paid cash instead")
        form.find_element(By.TAG_NAME, "button").click()
        wait_for(driver, lambda: "Done: resolve" in driver.page_source, "the resolution")

        # Sign out: the list is gone.
        driver.get(f"{base}/")
        driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        wait_for(driver, lambda: driver.current_url.endswith("/login"), "the sign-in form after signing out")
        driver.get(f"{base}/")
        assert driver.current_url.endswith("/login"), driver.current_url
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait()

    # The audit trail has both, under eva's name.
    first_ref, second_ref = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    history = run("--config", str(config), "exception", "history", "--shop", "stockholm-1", "--reference", first_ref).stdout
    assert "acknowledged by eva: Anna checks the receipt" in history, history
    history = run("--config", str(config), "exception", "history", "--shop", "stockholm-1", "--reference", second_ref).stdout
    assert "resolved (write-off) by eva: customer paid cash instead" in history, history

    # The report email, sent again from the database as it stands, marks the one and leaves out the other.
    period = sorted(p.name for p in (demo / "reports" / "stockholm-1").iterdir())[-1]
    run("--config", str(config), "resend", "--shop", "stockholm-1", "--period", period)
    newest = max((demo / "reports" / "outbox").glob("stockholm-1-*resend*.eml"), key=lambda p: p.stat().st_mtime)
    message = email.message_from_binary_file(newest.open("rb"))
    text = next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")
    assert "acknowledged by eva (Anna checks the receipt)" in text, text
    assert f"ref {second_ref}" not in text, text
    assert f"{base}/item/stockholm-1/{first_ref}" in text, "each item links to its page"
    print("browser test passed: sign in, list, acknowledge, resolve, sign out; audit trail and email agree")


if __name__ == "__main__":
    main()
