#!/usr/bin/env python3
"""`gloss web` in a real browser (headless Chromium driven by Selenium) and over real HTTP.

Starts `gloss web --no-open --serve-sync 127.0.0.1:0` on a temporary ledger holding the seed
article and a short article of curly quotes, an emoji and an em dash (code points and UTF-16
units differ there), with a second ledger as an allowed peer, then checks:

- the gate: no cookie, a wrong key, a foreign Host, a change without (or with a foreign) Origin
  all get 403 and change nothing; the URL's key sets an HttpOnly SameSite=Strict cookie; every
  response carries the Content-Security-Policy; an oversized or malformed body gets a 4xx JSON
  error; paths cannot leave the built-in assets;
- the library: the articles, a title's markup shown as text, adding an article by pasting (and
  white space refused);
- selecting in the page: a range after the emoji, the passage with the curly quotes and the
  fifth "Putin" (each checked with `gloss show`: exact code points), a real double-click, a
  selection extended with Shift+→; Highlight, and Comment… with tags;
- the thread: reply, edit, tag and untag, delete, restore, history; notes beside the paragraph
  on a wide screen and under it on a phone (screenshots under .build/web-screenshots/);
- live: another `gloss` process's annotation, another tab's, a peer syncing into --serve-sync
  (two concurrent versions side by side, Keep this resolves them), all without a reload; an
  edit made elsewhere while the page edits is refused (409) and the draft kept; redraws wait
  while the user types;
- hostile text (`<img onerror>`, `</script>`, `javascript:`, terminal escapes), typed locally
  and arriving from a peer by Sync now, is shown as text: no element, no script;
- Sync now with a peer's `gloss serve` (summary) and with one that is gone (the error); an
  orphan of a revision re-attached by selecting its new passage; the access log has a line per
  request and never the secret; Ctrl-C stops the server.

Bounded: every wait has a deadline, the server and the browser are stopped at the end.
Environment: GLOSS_BIN (default .build/debug/gloss). Prints `N passed, M failed`.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import systest as st  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

R = st.Results()
SEED = os.path.join(st.REPO, "seeds", "000_250678edc94afa10.txt")
SHORT = "Café 👍🏽 “quoted” — done.\n\nThen the important passage comes here, after an emoji.\n"


DRIVER = None  # the browser, for the page's state in a timeout's message


def wait_for(what, check, seconds=10.0, step=0.1):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 (the page may be mid-redraw)
            last = e
        time.sleep(step)
    page = ""
    if DRIVER:
        try:
            page = f"; page {DRIVER.current_url}, toast {DRIVER.find_element(By.ID, 'toast').text!r}, thread {DRIVER.find_element(By.ID, 'thread').text[:120]!r}"
        except Exception:  # noqa: BLE001
            pass
    raise TimeoutError(f"{what}: not within {seconds} s (last: {last!r}){page}")


def http(base, method, path, body=None, headers=None, cookie=None, raw=None):
    """One request; returns (status, headers, parsed JSON or text)."""
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            status, hdrs, text = r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read().decode()
    try:
        return status, hdrs, json.loads(text)
    except ValueError:
        return status, hdrs, text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def ledger_events(ledger):
    return st.must(st.gloss("--ledger", ledger, "log"), "gloss log").out


def main():
    st.install_signal_handlers()
    home = st.tempdir("gloss-web-")
    ledger = os.path.join(home, "ledger")
    me = st.init(ledger)
    st.must(st.gloss("--ledger", ledger, "article", "add", SEED), "article add")
    short_file = os.path.join(home, "short.txt")
    with open(short_file, "w", encoding="utf-8") as f:
        f.write(SHORT)
    st.must(st.gloss("--ledger", ledger, "article", "add", short_file, "--title", "Short <b>bold</b>"), "article add short")
    articles = json.loads(st.must(st.gloss("--ledger", ledger, "article", "list", "--json"), "article list").out)
    seed_id = next(a["id"] for a in articles if a["title"].startswith("Don't look"))
    short_id = next(a["id"] for a in articles if a["title"].startswith("Short"))

    peer_ledger = os.path.join(home, "peer")
    peer_key = st.init(peer_ledger)
    st.allow(ledger, peer_key)
    st.allow(peer_ledger, me)
    access_log = os.path.join(home, "web.log")
    log_file = open(access_log, "w")
    server = st.popen(["--ledger", ledger, "web", "--no-open", "--serve-sync", "127.0.0.1:0"], stdout=subprocess.PIPE,
                      stderr=log_file, text=True)
    line = wait_for("gloss web prints its URL", lambda: server.stdout.readline(), seconds=30)
    serving = wait_for("gloss web prints the peers' address", lambda: server.stdout.readline(), seconds=10)
    sm = re.search(r"Serving peers on (127\.0\.0\.1:\d+) as ([0-9a-f]{64})", serving)
    R.report(sm is not None and sm.group(2) == me, "--serve-sync also serves peers, as gloss serve", serving.strip())
    m = re.search(r"(http://127\.0\.0\.1:(\d+))/\?key=([0-9a-f]{64})", line)
    if not R.report(m is not None, "gloss web prints http://127.0.0.1:PORT/?key=SECRET", line.strip()):
        return R.finish()
    base, port, secret = m.group(1), m.group(2), m.group(3)
    cookie = f"gloss_{port}={secret}"
    origin = {"Origin": base}
    try:
        gate(base, port, secret, cookie, origin, ledger, seed_id)
        browser(base + f"/?key={secret}", base, ledger, seed_id, short_id, cookie, origin,
                {"ledger": peer_ledger, "key": peer_key, "serving": sm.group(1) if sm else None, "home": home})
    finally:
        # Ctrl-C while Sync now waits on a peer that accepts and never answers: stops at once.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        syncing = threading.Thread(target=lambda: http(base, "POST", "/api/sync", {"address": f"127.0.0.1:{silent.getsockname()[1]}"},
                                                       cookie=cookie, headers=origin), daemon=True)
        syncing.start()
        time.sleep(1.5)
        t0 = time.monotonic()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
            R.report(server.returncode == 0 and time.monotonic() - t0 < 5, "Ctrl-C stops gloss web cleanly, a sync in progress too",
                     f"exit {server.returncode} after {time.monotonic() - t0:.1f} s")
        except subprocess.TimeoutExpired:
            server.kill()
            R.report(False, "Ctrl-C stops gloss web cleanly", "still running after 10 s")
        log_file.close()
        with open(access_log) as f:
            log = f.read()
        if R.failed or sys.exc_info()[0] is not None:
            print("     the web server's log, last lines:\n" + "\n".join("     " + l for l in log.splitlines()[-25:]), flush=True)
        R.report(re.search(r"GET /api/articles/[0-9a-f]{64} 200", log) is not None and secret not in log,
                 "the access log has a line per request, and never the secret", f"{log.count(chr(10))} lines")
    return R.finish()


def gate(base, port, secret, cookie, origin, ledger, seed_id):
    before = ledger_events(ledger)
    s, h, body = http(base, "GET", "/api/articles")
    R.report(s == 403 and "open the URL" in body.get("error", ""), "no cookie: 403 with what to do", f"{s} {body}")
    R.report("script-src 'self'" in (h.get("Content-Security-Policy") or "") and "default-src 'none'" in h.get("Content-Security-Policy", ""),
             "every response carries a strict Content-Security-Policy", h.get("Content-Security-Policy"))
    s, h, _ = http(base, "GET", "/?key=" + "0" * 64)
    R.report(s == 403, "a wrong key: 403", str(s))
    s, h, _ = http(base, "GET", "/?key=" + secret)
    set_cookie = h.get("Set-Cookie") or ""
    R.report(s == 303 and h.get("Location") == "/" and f"gloss_{port}={secret}" in set_cookie and "HttpOnly" in set_cookie
             and "SameSite=Strict" in set_cookie, "the URL's key sets an HttpOnly SameSite=Strict cookie", f"{s} {set_cookie}")
    s, _, _ = http(base, "GET", "/api/articles", cookie=cookie, headers={"Host": f"rebound.example:{port}"})
    R.report(s == 403, "a foreign Host (DNS rebinding): 403", str(s))
    s, _, arts = http(base, "GET", "/api/articles", cookie=cookie)
    R.report(s == 200 and len(arts) == 2, "with the cookie the API answers", f"{s} {arts}")
    new = {"article": seed_id, "start": 365, "end": 370, "exact": "Putin", "comment": "x"}
    s, _, body = http(base, "POST", "/api/annotations", new, cookie=cookie)
    R.report(s == 403 and "Origin" in body.get("error", ""), "a change without Origin: 403", f"{s} {body}")
    s, _, _ = http(base, "POST", "/api/annotations", new, cookie=cookie, headers={"Origin": "http://evil.example"})
    R.report(s == 403, "a change from another Origin: 403", str(s))
    s, _, body = http(base, "POST", "/api/annotations", raw=b"{not json", cookie=cookie, headers=origin)
    R.report(s == 400 and "JSON" in body.get("error", ""), "malformed JSON: 400 with a JSON error", f"{s} {body}")
    s, _, body = http(base, "POST", "/api/annotations", raw=b"{" + b" " * (7 << 20) + b"}", cookie=cookie, headers=origin)
    R.report(s == 413, "an oversized body: 413", f"{s} {body}")
    s, _, body = http(base, "POST", "/api/annotations", dict(new, end=371), cookie=cookie, headers=origin)
    R.report(s == 409 and "not the passage" in body.get("error", ""), "a selection that disagrees with the text: 409", f"{s} {body}")
    s, _, body = http(base, "POST", "/api/annotations", dict(new, start=9999, end=10004), cookie=cookie, headers=origin)
    R.report(s == 422, "a selection outside the text: 422", f"{s} {body}")
    for path in ["/assets/../../etc/passwd", "/assets/%2e%2e%2fapp.css", "/assets/..%2f..%2fetc%2fpasswd", "/etc/passwd"]:
        s, _, _ = http(base, "GET", path, cookie=cookie)
        R.report(s == 404, f"{path}: not found (only built-in assets are served)", str(s))
    s, h, body = http(base, "GET", "/api/nothing", cookie=cookie)
    R.report(s == 404 and isinstance(body, dict) and "error" in body and "default-src 'none'" in (h.get("Content-Security-Policy") or ""),
             "an unknown call: a JSON 404 with the same security headers", f"{s} {body}")
    s, _, body = http(base, "GET", "/api/articles/" + seed_id[:12], cookie=cookie)
    R.report(s == 404 and "64 hex digits" in body.get("error", ""), "a short id: the API says it takes all 64 hex digits", f"{s} {body}")
    R.report(ledger_events(ledger) == before, "the refused requests changed nothing")


def browser(login_url, base, ledger, seed_id, short_id, cookie, origin, peer):
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
        opts.add_argument(a)
    global DRIVER
    driver = webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))
    DRIVER = driver
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(10)
    try:
        run_browser(driver, login_url, base, ledger, seed_id, short_id, cookie, origin)
        more_browser(driver, base, ledger, seed_id, peer)
    finally:
        # The refusals this test provokes are expected (the page shows them: 409 the concurrent
        # edit, 422 an empty article, 502 a peer that is gone); nothing else may fail.
        expected = ("status of 409", "status of 422", "status of 502")
        errors = [l for l in driver.get_log("browser") if l.get("level") == "SEVERE"
                  and not any(e in l.get("message", "") for e in expected)]
        R.report(not errors, "no error in the browser's console (CSP violations included)", str(errors[:3]))
        driver.quit()


def click(d, xpath, what):
    """Clicks what `xpath` finds, again if the page redrew it meanwhile (a live refresh)."""
    def attempt():
        d.find_element(By.XPATH, xpath).click()
        return True
    wait_for(what, attempt)


def typed(d, element_id, text, what):
    def attempt():
        box = d.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(text)
        return d.find_element(By.ID, element_id).get_attribute("value") == text
    wait_for(what, attempt)


SHOTS = os.path.join(st.REPO, ".build", "web-screenshots")


def screenshots(d, seed_id, base, note):
    """Desktop and phone screenshots of the article with a thread open, under .build, to look at."""
    os.makedirs(SHOTS, exist_ok=True)
    for name, (w, hgt) in {"desktop": (1400, 900), "phone": (400, 860)}.items():
        d.set_window_size(w, hgt)
        d.get(base + f"/#/a/{seed_id}?n={note}")
        wait_for("the thread for the screenshot", lambda: d.find_element(By.ID, "thread").is_displayed())
        d.execute_script("document.querySelector('mark.current').scrollIntoView({block: arguments[0]})", "center" if name == "desktop" else "start")
        d.execute_script("window.scrollBy(0, arguments[0])", 0 if name == "desktop" else -60)
        time.sleep(0.3)
        d.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    d.set_window_size(1400, 1000)
    R.report(all(os.path.getsize(os.path.join(SHOTS, f"{n}.png")) > 10000 for n in ("desktop", "phone")),
             f"screenshots at desktop and phone widths in {os.path.relpath(SHOTS, st.REPO)}")


def annotations(ledger):
    out = st.must(st.gloss("--ledger", ledger, "list", "--all", "--json"), "list --json").out
    return json.loads(out)


def select_js(driver, article_text_start, length):
    """Selects code points [start, start+length) of the article through the DOM, as a mouse would."""
    return driver.execute_script("""
        const [start, len] = arguments;
        const spans = [...document.querySelectorAll('#article [data-start]')].filter(e => e.children.length === 0);
        function point(cp) {
          for (const s of spans) {
            const a = Number(s.dataset.start), b = Number(s.dataset.end);
            if (cp >= a && cp <= b) {
              const t = s.firstChild; let units = 0, n = a;
              for (const ch of t.data) { if (n === cp) break; units += ch.length; n++; }
              return [t, units];
            }
          }
          return null;
        }
        const p = point(start), q = point(start + len);
        const r = document.createRange(); r.setStart(...p); r.setEnd(...q);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        return sel.toString();
    """, article_text_start, length)


def run_browser(d, login_url, base, ledger, seed_id, short_id, cookie, origin):
    d.get(login_url)
    wait_for("the library", lambda: len(d.find_elements(By.CSS_SELECTOR, ".library a")) == 2)
    titles = [a.text for a in d.find_elements(By.CSS_SELECTOR, ".library a")]
    R.report("Short <b>bold</b>" in titles and not d.find_elements(By.CSS_SELECTOR, ".library b"),
             "the library lists the articles; a title's markup is text", str(titles))
    cookies = {c["name"]: c for c in d.get_cookies()}
    c = next(iter(cookies.values()), {})
    R.report(c.get("httpOnly") is True and c.get("sameSite") == "Strict", "the browser holds the session as HttpOnly, SameSite=Strict", str(c))

    # Add an article by pasting its text (the rules of gloss article add).
    click(d, "//summary[text()='Add an article']", "Add an article")
    typed(d, "new-text", "A pasted article.\n\nIts second paragraph.", "pasting a text")
    click(d, "//button[@id='add-article']", "Add")
    pasted = wait_for("the pasted article opens", lambda: "A pasted article." in d.find_element(By.ID, "view").text and
                      json.loads(st.gloss("--ledger", ledger, "article", "list", "--json").out))
    R.report(any(a["title"] == "A pasted article." for a in pasted), "an article pasted in the library is added, titled by its first line",
             str([a["title"] for a in pasted]))
    d.get(base + "/#/")
    wait_for("the library", lambda: d.find_elements(By.XPATH, "//summary[text()='Add an article']"))
    click(d, "//summary[text()='Add an article']", "Add an article")
    typed(d, "new-text", "   \n  ", "pasting white space")
    click(d, "//button[@id='add-article']", "Add")
    # The toast of the article added just before may still be showing: wait for a new one.
    toast = wait_for("the refusal", lambda: (lambda t: t if t and "added" not in t else None)(d.find_element(By.ID, "toast").text))
    R.report("empty" in toast and len(json.loads(st.gloss("--ledger", ledger, "article", "list", "--json").out)) == 3,
             "white space alone is refused, and nothing is added", toast)

    # A passage after the emoji: code points, not UTF-16 units.
    d.get(base + f"/#/a/{short_id}")
    wait_for("the short article", lambda: d.find_elements(By.CSS_SELECTOR, "#article p"))
    cps = list(SHORT)
    start = SHORT.index("the important passage")
    start_cp = len(list(SHORT[:start]))
    shown = select_js(d, start_cp, len("the important passage"))
    wait_for("the popover", lambda: d.find_element(By.ID, "popover").is_displayed())
    d.find_element(By.ID, "highlight").click()
    got = wait_for("the highlight is stored", lambda: [a for a in annotations(ledger) if a["article"] == short_id])
    sel = got[0]["selector"]
    R.report(shown == "the important passage" and sel["exact"] == "the important passage" and sel["start"] == start_cp
             and sel["end"] == start_cp + len("the important passage") and "".join(cps[sel["start"]:sel["end"]]) == sel["exact"],
             "a selection after an emoji is stored in code points", f"{sel} (UTF-16 start would be {len(SHORT[:start].encode('utf-16-le')) // 2})")
    wait_for("the highlight shows", lambda: d.find_elements(By.CSS_SELECTOR, "#article mark"))

    # A real double-click on a word of the seed, then Comment… with tags.
    d.get(base + f"/#/a/{seed_id}")
    wait_for("the seed article", lambda: len(d.find_elements(By.CSS_SELECTOR, "#article p")) > 3)
    def double_click_word():
        """A real double-click on "paratroopers" (again if a live redraw moved the page meanwhile)."""
        d.execute_script("""
            window.getSelection().removeAllRanges();
            const p = [...document.querySelectorAll('#article span')].find(s => s.textContent.includes('paratroopers'));
            const t = p.firstChild, i = t.data.indexOf('paratroopers');
            const w = document.createElement('span'); w.id = 'target';
            const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 'paratroopers'.length); r.surroundContents(w);""")
        ActionChains(d).double_click(d.find_element(By.ID, "target")).perform()
        return d.execute_script("return window.getSelection().toString().trim()") == "paratroopers"
    wait_for("a double-click selects a word", double_click_word)
    word = "paratroopers"
    wait_for("the popover after a double-click", lambda: d.find_element(By.ID, "popover").is_displayed())
    d.find_element(By.ID, "comment").click()
    d.find_element(By.ID, "new-comment").send_keys("Who sent them?")
    d.find_element(By.ID, "new-tags").send_keys("military russia")
    d.find_element(By.ID, "save-comment").click()
    made = wait_for("the comment is stored", lambda: [a for a in annotations(ledger) if a["body"] == "Who sent them?"])[0]
    R.report(word == "paratroopers" and made["selector"]["exact"] == "paratroopers" and sorted(made["tags"]) == ["military", "russia"],
             "a double-clicked word, commented and tagged, is stored as selected", json.dumps(made["selector"]))

    # The passage with the curly quotes, and the fifth "Putin", by a DOM selection: gloss show
    # must find the exact quote at the exact code points.
    with open(SEED, encoding="utf-8") as f:
        seed_text = f.read()
    curly = "“Dozens” of demonstrators were killed"
    putins = [m.start() for m in re.finditer("Putin", seed_text)]
    for label, start_index, quote in [("the curly quotes", seed_text.index(curly), curly), ("the fifth Putin", putins[4], "Putin")]:
        cp = len(seed_text[:start_index])  # Python counts code points
        shown = select_js(d, cp, len(quote))
        wait_for("the popover", lambda: d.find_element(By.ID, "popover").is_displayed())
        click(d, "//button[@id='highlight']", "Highlight")
        new_one = wait_for(f"{label} stored", lambda: [a for a in annotations(ledger) if a.get("selector", {}).get("start") == cp])[0]
        show = st.must(st.gloss("--ledger", ledger, "show", new_one["id"][:12]), "gloss show").out
        R.report(shown == quote and new_one["selector"]["exact"] == quote and new_one["selector"]["end"] == cp + len(quote)
                 and f"passage    [{cp}–{cp + len(quote)}]" in show and f"[{quote}]" in show,
                 f"{label}, selected in the page, is stored at its exact code points (gloss show)", show.splitlines()[5] if len(show.splitlines()) > 5 else show)
        wait_for("the page settles", lambda: d.find_element(By.ID, "popover").get_attribute("hidden") is not None)

    # Wide screen: notes beside their paragraph; a phone: under it.
    def layout():
        return d.execute_script("""
            const ol = document.querySelector('#article .notes'); if (!ol) return null;
            const p = ol.parentElement.querySelector('p'), a = p.getBoundingClientRect(), b = ol.getBoundingClientRect();
            return {beside: b.left >= a.right, under: b.top >= a.bottom - 1};""")
    wide = wait_for("notes in the margin", layout)
    d.set_window_size(400, 900)
    phone = wait_for("notes under the paragraph", lambda: (lambda x: x if x and x["under"] else None)(layout()))
    d.set_window_size(1400, 1000)
    R.report(wide["beside"] and phone["under"] and not phone["beside"], "notes sit in the margin on a wide screen, under the paragraph on a phone",
             f"wide {wide}, phone {phone}")

    # The keyboard: a selection extended with Shift+→ is what the popover takes.
    def keyboard_select():
        d.execute_script("""
            window.getSelection().removeAllRanges();
            const p = [...document.querySelectorAll('#article span')].find(s => s.textContent.includes('a dangerous bid'));
            const t = p.firstChild, i = t.data.indexOf('a dangerous bid');
            const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 1);
            window.getSelection().addRange(r);""")
        ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT * 10).key_up(Keys.SHIFT).perform()
        return d.execute_script("return window.getSelection().toString()") == "a dangerous"
    wait_for("a selection extended from the keyboard", keyboard_select)
    wait_for("the popover", lambda: d.find_element(By.ID, "popover").is_displayed())
    click(d, "//button[@id='highlight']", "Highlight")
    keyed = wait_for("the keyboard selection stored", lambda: [a for a in annotations(ledger) if a.get("selector", {}).get("exact") == "a dangerous"])
    R.report(bool(keyed), "a selection extended with the keyboard (Shift+→) is annotated as selected", str(keyed[0]["selector"]) if keyed else "")
    wait_for("the page shows it", lambda: [m for m in d.find_elements(By.CSS_SELECTOR, "#article mark") if m.text == "a dangerous"])

    # A selection that ends on a note's number ends where the highlighted text ends.
    end_on_number = d.execute_script("""
        window.getSelection().removeAllRanges();
        const sup = [...document.querySelectorAll('#article sup.n')].find(s => s.previousElementSibling && s.previousElementSibling.textContent === 'paratroopers');
        const m = sup.previousElementSibling;
        const r = document.createRange(); r.setStart(m.firstChild, 0); r.setEnd(sup.firstChild, 1);
        window.getSelection().addRange(r);
        return [Number(m.dataset.start), Number(m.dataset.end)];""")
    wait_for("the popover", lambda: d.find_element(By.ID, "popover").is_displayed())
    click(d, "//button[@id='highlight']", "Highlight")
    onto = wait_for("the selection onto a number stored", lambda: [a for a in annotations(ledger) if a.get("selector", {}).get("start") == end_on_number[0]
                                                                       and a["id"] != made["id"]])
    R.report(onto[0]["selector"]["end"] == end_on_number[1] and onto[0]["selector"]["exact"] == "paratroopers",
             "a selection ending on a note's number ends with the highlighted words", str(onto[0]["selector"]))

    # The thread: reply, edit, tag, delete, restore.
    click(d, f'//mark[@data-note="{made["id"]}"]', "the new highlight")
    wait_for("the thread", lambda: d.find_element(By.ID, "thread").is_displayed())
    typed(d, "reply-text", "The CSTO did.", "typing a reply")
    click(d, "//aside[@id='thread']//button[text()='Reply']", "Reply")
    wait_for("the reply", lambda: [a for a in annotations(ledger) if a.get("replyTo") == made["id"]])
    click(d, "//aside[@id='thread']//div[@data-annotation='%s']//button[text()='Edit']" % made["id"], "Edit")
    typed(d, "edit-text", "Who sent them, and why now?", "typing the edit")
    click(d, "//aside[@id='thread']//button[text()='Save']", "Save")
    wait_for("the edit", lambda: [a for a in annotations(ledger) if a["body"] == "Who sent them, and why now?"])
    def tag_it():
        box = d.find_element(By.XPATH, "//aside[@id='thread']//div[@data-annotation='%s']//input[@aria-label='add tags']" % made["id"])
        box.send_keys("csto\n")
        return True
    wait_for("typing a tag", tag_it)
    wait_for("the tag", lambda: [a for a in annotations(ledger) if a["id"] == made["id"] and "csto" in a["tags"]])
    click(d, "//aside[@id='thread']//div[@data-annotation='%s']//span[@class='tag'][text()='#russia']/button" % made["id"], "remove #russia")
    tags = wait_for("the tag removed", lambda: [a["tags"] for a in annotations(ledger) if a["id"] == made["id"] and "russia" not in a["tags"]])[0]
    R.report(sorted(tags) == ["csto", "military"], "tags are added and removed from the thread", str(tags))
    click(d, "//aside[@id='thread']//div[@data-annotation='%s']//button[text()='Delete']" % made["id"], "Delete")
    wait_for("the deletion", lambda: [a for a in annotations(ledger) if a["id"] == made["id"] and a["deleted"]])
    click(d, "//aside[@id='thread']//button[text()='Restore']", "Restore")
    wait_for("the restoration", lambda: [a for a in annotations(ledger) if a["id"] == made["id"] and not a["deleted"]])
    R.report(True, "the thread replies, edits, deletes and restores through the page")
    screenshots(d, seed_id, base, made["id"])

    # Live: another process annotates; the page shows it without a reload.
    marks_before = len(d.find_elements(By.CSS_SELECTOR, "#article mark"))
    d.execute_script("window.__noReload = true")
    hostile = "<img src=x onerror=\"window.__pwned=1\"></script><script>window.__pwned=2</script> javascript:alert(1) \x1b[31mred\x1b[0m"
    st.must(st.gloss("--ledger", ledger, "annotate", seed_id, "--quote", "batten down the hatches", "--comment", hostile,
                     "--tag", "<b>tag</b>"), "annotate from another process")
    t0 = time.monotonic()
    wait_for("the other process's annotation appears", lambda: len(d.find_elements(By.CSS_SELECTOR, "#article mark")) > marks_before, seconds=5)
    R.report(d.execute_script("return window.__noReload === true"), "an event from another process shows without a reload",
             f"{time.monotonic() - t0:.2f} s")
    hostile_id = next(a["id"] for a in annotations(ledger) if a["body"] == hostile)
    click(d, "//ol[@class='notes']/li[contains(., 'onerror')]", "the hostile note in the margin")
    wait_for("its thread", lambda: "onerror" in d.find_element(By.ID, "thread").text)
    R.report(not d.find_elements(By.CSS_SELECTOR, "#thread img, #view img, #thread script, #thread b, #view .notes b")
             and d.execute_script("return window.__pwned === undefined") and "<img src=x" in d.find_element(By.ID, "thread").text,
             "a peer's <img onerror>, </script>, javascript: and escapes are shown as text, inert", d.find_element(By.ID, "thread").text[:200])

    # A concurrent edit: the page edits while a terminal edits; the page is told, both versions show.
    click(d, "//aside[@id='thread']//div[@data-annotation='%s']//button[text()='Edit']" % hostile_id, "Edit the hostile note")
    typed(d, "edit-text", "edited in the browser", "typing an edit")
    st.must(st.gloss("--ledger", ledger, "edit", hostile_id[:12], "--comment", "edited in the terminal"), "edit from another process")
    time.sleep(1.0)
    R.report(d.find_element(By.ID, "edit-text").get_attribute("value") == "edited in the browser",
             "a live refresh waits while the user types: the draft and the caret stay")
    click(d, "//aside[@id='thread']//button[text()='Save']", "Save")
    toast = wait_for("the page says it changed", lambda: d.find_element(By.ID, "toast").text)
    body = next(a["body"] for a in annotations(ledger) if a["id"] == hostile_id)
    current = wait_for("the comment as it is now, above the draft", lambda: "edited in the terminal" in d.find_element(By.ID, "edit-current").text)
    R.report(current and d.find_element(By.ID, "edit-text").get_attribute("value") == "edited in the browser",
             "after the 409 the page shows the new comment above the kept draft")
    R.report("changed elsewhere" in toast and "keeps your draft" in toast and body == "edited in the terminal",
             "an edit made elsewhere meanwhile is never overwritten: the page is told (409)", f"{toast!r}, stored {body!r}")


def more_browser(d, base, ledger, seed_id, peer):
    """Another tab, search, history, concurrent versions from a peer, sync now, re-attaching an orphan."""
    # Two tabs on one article: what one annotates, the other shows without a reload.
    d.get(base + f"/#/a/{seed_id}")
    wait_for("the article", lambda: len(d.find_elements(By.CSS_SELECTOR, "#article p")) > 3)
    first_tab = d.current_window_handle
    before = len(d.find_elements(By.CSS_SELECTOR, "#article mark"))
    d.execute_script("window.__noReload = true")
    d.switch_to.new_window("tab")
    d.get(base + f"/#/a/{seed_id}")
    wait_for("the article in the second tab", lambda: len(d.find_elements(By.CSS_SELECTOR, "#article p")) > 3)
    with open(SEED, encoding="utf-8") as f:
        text = f.read()
    phrase = "Russia’s answer to NATO"
    select_js(d, len(text[:text.index(phrase)]), len(phrase))
    wait_for("the popover", lambda: d.find_element(By.ID, "popover").is_displayed())
    click(d, "//button[@id='highlight']", "Highlight in the second tab")
    wait_for("stored", lambda: [a for a in annotations(ledger) if a.get("selector", {}).get("exact") == phrase])
    d.close()
    d.switch_to.window(first_tab)
    wait_for("the first tab shows it", lambda: len(d.find_elements(By.CSS_SELECTOR, "#article mark")) > before, seconds=5)
    R.report(d.execute_script("return window.__noReload === true"), "what one tab annotates shows in another, without a reload")

    # Search from the bar, then open a result in its article.
    box = d.find_element(By.ID, "search-q")
    box.clear()
    box.send_keys("why now\n")
    wait_for("search results", lambda: d.find_elements(By.CSS_SELECTOR, ".results li"))
    marks = [m.text.lower() for m in d.find_elements(By.CSS_SELECTOR, ".results mark")]
    R.report(any("why" in m for m in marks) and any("now" in m for m in marks) and len(d.find_elements(By.CSS_SELECTOR, ".results li")) == 1,
             "search shows the note with the matches marked", str(marks))
    click(d, "//ul[@class='results']//a[text()='open in the article']", "open in the article")
    wait_for("the thread of the result", lambda: "why now" in d.find_element(By.ID, "thread").text)
    click(d, "//aside[@id='thread']//summary[text()='History']", "History")
    entries = wait_for("the history", lambda: [li.text for li in d.find_elements(By.CSS_SELECTOR, ".history li")])
    R.report(len(entries) >= 4 and "annotation.created" in entries[0], "the thread's history lists every change", str(entries))

    # A peer syncs into this very process (--serve-sync); both edit one note; the page shows
    # both versions live, and one click keeps one.
    if not peer["serving"]:
        R.report(False, "a peer can sync with gloss web --serve-sync", "no serving address")
        return
    st.must(st.gloss("--ledger", ledger, "annotate", seed_id, "--quote", "Collective Security Treaty Organization",
                     "--comment", "the first version", "--editor", peer["key"]), "annotate with an editor")
    shared = next(a["id"] for a in annotations(ledger) if a["body"] == "the first version")
    st.must(st.gloss("--ledger", peer["ledger"], "sync", peer["serving"]), "peer syncs with the web process")
    st.must(st.gloss("--ledger", peer["ledger"], "edit", shared[:12], "--comment", "the peer's version"), "peer edits")
    st.must(st.gloss("--ledger", ledger, "edit", shared[:12], "--comment", "my version"), "edit here")
    d.get(base + f"/#/a/{seed_id}?n={shared}")
    wait_for("the shared note's thread", lambda: "my version" in d.find_element(By.ID, "thread").text)
    d.execute_script("window.__noReload = true")
    st.must(st.gloss("--ledger", peer["ledger"], "sync", peer["serving"]), "peer syncs its edit")
    versions = wait_for("two versions side by side", lambda: [v.text for v in d.find_elements(By.CSS_SELECTOR, "#thread .version")], seconds=5)
    R.report(len(versions) == 2 and any("the peer's version" in v for v in versions) and d.execute_script("return window.__noReload === true"),
             "a peer's concurrent edit shows as two versions, live", str(versions))
    click(d, "//aside[@id='thread']//div[@class='version'][contains(., \"the peer's version\")]//button[text()='Keep this']", "Keep this")
    kept = wait_for("the conflict resolved", lambda: [a for a in annotations(ledger) if a["id"] == shared and not a.get("bodyConflicts")])[0]
    R.report(kept["body"] == "the peer's version", "Keep this resolves the conflict with that version", kept["body"])

    # Sync now, from the page, with a peer's gloss serve.
    peer_text = "from the peer <img src=x onerror=\"window.__pwned=3\"> <a href=\"javascript:window.__pwned=4\">link</a> \x1b]0;title\x07"
    st.must(st.gloss("--ledger", peer["ledger"], "annotate", seed_id, "--quote", "a fuel price hike", "--comment", peer_text,
                     "--tag", "</script><script>window.__pwned=5</script>"), "peer annotates")
    srv = st.popen(["--ledger", peer["ledger"], "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    first = wait_for("gloss serve starts", lambda: srv.stdout.readline(), seconds=20)
    address = re.search(r"on (127\.0\.0\.1:\d+) as", first).group(1)
    d.get(base + "/#/sync")
    wait_for("the sync page", lambda: d.find_element(By.ID, "sync-address"))
    R.report(peer["key"] in d.find_element(By.ID, "view").text, "the sync page lists the allow-list")
    d.find_element(By.ID, "sync-address").send_keys(address)
    click(d, "//button[@id='sync-now']", "Sync now")
    summary = wait_for("the sync summary", lambda: "Synced with" in d.find_element(By.ID, "sync-result").text and d.find_element(By.ID, "sync-result").text, seconds=30)
    got = [a for a in annotations(ledger) if a["body"] == peer_text]
    R.report(bool(got) and "received" in summary, "Sync now brings the peer's events, with the summary", summary)
    if got:
        d.get(base + f"/#/a/{seed_id}?n={got[0]['id']}")
        wait_for("the peer's note", lambda: "onerror" in d.find_element(By.ID, "thread").text)
        inert = d.execute_script("""return window.__pwned === undefined && !document.querySelector('#thread img, #thread a[href^="javascript"], #thread script, #view img')""")
        R.report(inert and "</script><script>" in d.find_element(By.ID, "thread").text,
                 "a peer's <img onerror>, javascript: link, </script> tag and escapes arrive by sync and stay text", d.find_element(By.ID, "thread").text[:160])
        d.get(base + "/#/sync")
        wait_for("the sync page", lambda: d.find_element(By.ID, "sync-address"))
        d.find_element(By.ID, "sync-address").send_keys(address)
    srv.send_signal(signal.SIGINT)
    srv.wait(timeout=10)
    click(d, "//button[@id='sync-now']", "Sync now again (the peer is gone)")
    err = wait_for("the error", lambda: "cannot connect" in d.find_element(By.ID, "toast").text and d.find_element(By.ID, "toast").text, seconds=30)
    R.report("cannot connect" in err, "a peer that is gone: the page says so", err)

    # A revision orphans a note; select its new passage and attach it there.
    with open(SEED, encoding="utf-8") as f:
        seed = f.read()
    revised = seed.replace("batten down the hatches", "prepare for the storm")
    revised_file = os.path.join(peer["home"], "revised.txt")
    with open(revised_file, "w", encoding="utf-8") as f:
        f.write(revised)
    st.must(st.gloss("--ledger", ledger, "article", "revise", seed_id, revised_file), "revise")
    d.get(base + f"/#/a/{seed_id}")
    wait_for("the orphan is listed", lambda: d.find_elements(By.CSS_SELECTOR, ".orphans li"))
    orphan_id = d.find_element(By.CSS_SELECTOR, ".orphans li").get_attribute("data-orphan")
    click(d, "//section[@class='orphans']//button[text()='Re-attach…']", "Re-attach…")
    start = len(list(revised[:revised.index("prepare for the storm")]))
    select_js(d, start, len("prepare for the storm"))
    click(d, "//div[@id='popover']//button[text()='Attach here']", "Attach here")
    show = wait_for("re-attached", lambda: "prepare for the storm" in st.gloss("--ledger", ledger, "show", orphan_id[:12]).out
                    and st.gloss("--ledger", ledger, "show", orphan_id[:12]).out)
    placed = "[prepare for the storm]" in show
    gone = wait_for("the page no longer lists it as an orphan",
                    lambda: not d.find_elements(By.CSS_SELECTOR, ".orphans li[data-orphan='%s']" % orphan_id), seconds=5)
    R.report(placed and gone, "an orphan is re-attached by selecting its new passage", show[show.find("passage"):][:200])

    # Erasing a note (from the command line, the page open): the page shows it erased, who
    # erased it, and the replies others made, with nothing of its text.
    mine = next(a for a in annotations(ledger) if a["id"] == shared)
    st.must(st.gloss("--ledger", peer["ledger"], "sync", peer["serving"]), "the peer syncs before replying")
    st.must(st.gloss("--ledger", peer["ledger"], "reply", shared[:12], "--comment", "the peer's reply stays"), "the peer replies")
    st.must(st.gloss("--ledger", peer["ledger"], "sync", peer["serving"]), "the reply reaches the web process")
    d.get(base + f"/#/a/{seed_id}")
    wait_for("the article", lambda: len(d.find_elements(By.CSS_SELECTOR, "#article p")) > 3)
    st.must(st.gloss("--ledger", ledger, "erase", shared[:12], "--yes"), "erase")
    item = wait_for("the erased note is listed", lambda: d.find_elements(By.CSS_SELECTOR, f".erased-list li[data-erased='{shared}']"), seconds=5)
    listed = item[0].text
    click(d, f"//li[@data-erased='{shared}']//a[text()='open']", "open the erased note")
    thread = wait_for("its thread", lambda: "erased by" in d.find_element(By.ID, "thread").text and d.find_element(By.ID, "thread").text)
    R.report("erased by" in listed and "the peer's reply stays" in thread and mine["body"] not in thread and "the peer's version" not in d.find_element(By.ID, "view").text,
             "an erased note shows who erased it and the replies kept, and none of its text", listed + " | " + thread[:160])


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        st.cleanup()
