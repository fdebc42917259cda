#!/usr/bin/python3
"""Headless Chromium as the phone's browser (run inside the phone namespace
with the phone's resolv.conf): open URL, expect to land on the captive
portal, screenshot it, tap Lanjut, screenshot again. Prints a JSON result.

  phone_browser.py URL SCREENSHOT_DIR PROFILE_DIR"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

url, shots, profile = sys.argv[1:4]
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run", "--window-size=412,915",
          f"--user-data-dir={profile}"):
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
result = {}
try:
    d.set_page_load_timeout(30)
    d.get(url)
    wait = WebDriverWait(d, 15)
    wait.until(EC.element_to_be_clickable((By.ID, "accept")))
    # the page fills in the box's address from /api/v1/portal
    wait.until(lambda drv: drv.find_element(By.ID, "portal-ip").text.startswith("http://"))
    result["landed"] = d.current_url
    result["title"] = d.title
    result["text"] = d.find_element(By.TAG_NAME, "main").text
    d.save_screenshot(f"{shots}/portal.png")
    d.find_element(By.ID, "accept").click()
    wait.until(EC.visibility_of_element_located((By.ID, "portal-done")))
    result["done"] = d.find_element(By.ID, "portal-done").text
    d.save_screenshot(f"{shots}/portal-lanjut.png")
finally:
    d.quit()
print(json.dumps(result))
