// wallboard.mjs - the browser checks of test/suites/web_wallboard.py:
// headless Debian Chromium (/usr/bin/chromium) driven by playwright-core
// (from web/node_modules) against a running Switchboard.  One JSON object
// per line on stdout: {"check": what, "ok": bool, "detail": ...} for each
// check, {"ready": "call"} when the wallboard is up and the suite should
// place the caller into the queue.  Screenshots go to $SHOTS.
//
// Environment: SB_URL (http://127.0.0.1:port), SB_QUEUE (the queue's
// name), SB_OP / SB_CA / SB_LOCKED "login:password" of the operator, the
// client admin and a login to lock, SHOTS (directory), WEB_DIR (web/ of
// the repository: node_modules and the catalogues).
import { cat, check, emit, launch, login, noRawKeys, norm, run, shot, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const QUEUE = env.SB_QUEUE;
const [OP, OP_PW] = env.SB_OP.split(":");
const [CA, CA_PW] = env.SB_CA.split(":");
const [LOCKED, LOCKED_PW] = env.SB_LOCKED.split(":");

async function main() {
  const browser = await launch();
  try {
    const ctx = await browser.newContext({
      locale: "de-DE",
      timezoneId: "Europe/Berlin",
      viewport: { width: 1280, height: 860 },
    });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => check(false, "no script error on the page", e.message));

    // ---- the login page, German by default --------------------------
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    check(new globalThis.URL(page.url()).pathname === "/login", "/ without a session goes to /login", page.url());
    check(norm(await page.textContent("label[for=login-name]")) === "Benutzername" &&
      norm(await page.textContent("button[type=submit]")) === "Anmelden" &&
      (await page.getAttribute("html", "lang")) === "de",
      "the login page is German by default (labels, button, lang=de)");
    await noRawKeys(page, "login page (de)");
    await shot(page, "01-login-de");

    await login(page, OP, "wrong-password-1");
    const wrong = await waitText(page, "#login-error", cat.de["login.error.wrong"], 10000);
    check(wrong === "Benutzername oder Passwort ist falsch.",
      "a wrong password: the German error text", wrong);
    check((await page.inputValue("#login-password")) === "",
      "... and the password field is emptied");
    await shot(page, "02-login-wrong-de");

    for (let i = 0; i < 5; i++) {
      await login(page, LOCKED, "wrong-password-" + i);
      await waitText(page, "#login-error", cat.de["login.error.wrong"], 10000);
      await page.fill("#login-name", "");
    }
    await login(page, LOCKED, LOCKED_PW);
    const locked = await waitText(page, "#login-error",
      cat.de["login.error.locked"].replace("{minutes}", "15"), 10000);
    check(locked === "Zu viele Fehlversuche. Die Anmeldung ist gesperrt; bitte versuchen Sie es in 15 Minuten wieder.",
      "a locked login: the wait from Retry-After (900 s) in minutes", locked);
    await shot(page, "03-login-locked-de");

    // ---- the operator's wallboard -------------------------------------
    await page.fill("#login-name", "");
    await login(page, OP, OP_PW);
    await page.waitForURL(URL + "/wallboard", { timeout: 10000 });
    check(true, "the operator's login leads to /wallboard");
    const cookies = await ctx.cookies();
    const sc = cookies.find((c) => c.name === "sb_session");
    check(sc && sc.httpOnly && sc.sameSite === "Strict" && sc.path === "/",
      "the session is an HttpOnly, SameSite=Strict cookie", JSON.stringify(sc));
    check(await page.evaluate(() => !document.cookie.includes("sb_session")),
      "the page's scripts cannot read the session cookie");
    const live = await waitText(page, "#wb-stream", "Live", 10000);
    check(live === "Live", "the event stream is live", live);
    const row = `tr[data-queue-id]:has(th:text-is("${QUEUE}"))`;
    await page.waitForSelector(row, { timeout: 10000 });
    check(norm(await page.textContent(`${row} td[data-col=waiting]`)) === "0" &&
      norm(await page.textContent("#wb-waiting-total")) === "0",
      "the queue is on the wallboard with nobody waiting");
    const paused = await waitText(page, "li[data-state=paused] .state-count", "1", 5000);
    check(paused === "1" &&
      norm(await page.textContent("li[data-state=paused] .names")).startsWith("Erika Musterfrau (Mittag)"),
      "agents by state: Erika paused (Mittag)", paused);
    check(norm(await page.textContent("li[data-state=paused] .state-label")) === "Pause" &&
      norm(await page.textContent("#wb-title")) === "Wallboard" &&
      norm(await page.textContent("#wb-waiting-label")) === "Wartende Anrufer",
      "the wallboard's texts are German");
    await noRawKeys(page, "wallboard (de)");
    await shot(page, "04-wallboard-de");

    // ---- a real call arrives: the count goes up, then down -----------
    await page.evaluate(() => { window.__sbMarker = 4711; });
    emit({ ready: "call" });
    const up = await waitText(page, `${row} td[data-col=waiting]`, "1", 30000);
    check(up === "1", "a caller joins the queue: waiting 1 without a reload", up);
    check(norm(await page.textContent("#wb-waiting-total")) === "1",
      "... and the total waiting is 1");
    // the clock ticks each second; under load the first tick may come late
    await page.waitForFunction(
      () => /^0:(0[1-9]|[1-5][0-9])$/.test(
        (document.querySelector("#wb-longest")?.textContent || "").trim()),
      null, { timeout: 10000 }).catch(() => {});
    const longest = norm(await page.textContent("#wb-longest"));
    check(/^0:(0[1-9]|[1-5][0-9])$/.test(longest),
      "the longest wait now counts up (0:0x)", longest);
    await shot(page, "05-wallboard-waiting-de");
    const down = await waitText(page, `${row} td[data-col=waiting]`, "0", 40000);
    check(down === "0", "the caller hangs up: waiting 0 again", down);
    check(await page.evaluate(() => window.__sbMarker === 4711),
      "... all without reloading the page");
    const ab = await waitText(page, `${row} td[data-col=abandoned]`, "1", 10000);
    check(ab === "1", "the queue's abandoned calls today: 1 (statistics read again)", ab);
    const sl = await waitText(page, `${row} td[data-col=sl]`, "0 %", 5000);
    check(sl === "0 %", "service level today: 0 % (one abandoned, none answered; de-DE format)", sl);
    const lt = norm(await page.textContent(`${row} td[data-col=longest_today]`));
    check(/^0:(0[5-9]|1\d)$/.test(lt), "longest wait today: the caller's wait (5-19 s)", lt);
    await shot(page, "06-wallboard-after-de");

    // ---- English -------------------------------------------------------
    await page.selectOption("#lang-switch", "en");
    check(norm(await page.textContent("#wb-waiting-label")) === "Callers waiting" &&
      norm(await page.textContent("li[data-state=paused] .state-label")) === "Paused" &&
      norm(await page.textContent("thead th:nth-child(3)")) === "Waiting" &&
      (await page.getAttribute("html", "lang")) === "en",
      "switched to English: the wallboard's texts, lang=en");
    check(norm(await page.textContent(`${row} td[data-col=sl]`)) === "0%",
      "numbers follow the language (0% in English)");
    await noRawKeys(page, "wallboard (en)");
    await shot(page, "07-wallboard-en");
    await page.reload();
    await page.waitForSelector(row);
    check(norm(await page.textContent("#wb-waiting-label")) === "Callers waiting",
      "the language is kept in the browser across a reload");

    for (const lang of ["en", "de"]) {
      await page.selectOption("#lang-switch", lang);
      await page.click('nav a[href="/start"]');
      await page.waitForSelector("#start-title");
      await noRawKeys(page, `start page (${lang})`);
      await shot(page, `08-start-${lang}`);
      await page.goto(URL + "/nothing-here");
      await page.waitForSelector("#nf-title");
      await noRawKeys(page, `page not found (${lang})`);
      await shot(page, `09-notfound-${lang}`);
      await page.click('nav a[href="/wallboard"]');
      await page.waitForSelector(row);
    }
    check((await page.locator("#start-title").count()) === 0 &&
      norm(await page.textContent("#wb-title")) === "Wallboard",
      "the navigation leads back to the wallboard");

    // ---- keyboard alone: skip link, navigation, then back ------------
    await page.goto(URL + "/wallboard");
    await page.waitForSelector(row);
    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => document.activeElement?.textContent);
    check(norm(skip) === "Zum Inhalt springen", "keyboard: Tab first reaches the skip link", skip);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("href"));
    await page.keyboard.press("Enter");
    const started = await page.waitForSelector("#start-title", { timeout: 5000 }).then(() => true, () => false);
    check(focused === "/start" && started, "keyboard: Tab to 'Start' and Enter opens it", focused);
    await page.goto(URL + "/wallboard");
    await page.waitForSelector(row);

    // ---- logout --------------------------------------------------------
    await page.click("text=Abmelden");
    await page.waitForURL(URL + "/login", { timeout: 10000 });
    const gone = await page.evaluate(async () => (await fetch("/api/v1/sessions/current")).status);
    check(gone === 401 && !(await ctx.cookies()).some((c) => c.name === "sb_session"),
      "logout: back on the login page, the cookie is gone, the API says 401", gone);
    await page.selectOption("#lang-switch", "en");
    await noRawKeys(page, "login page (en)");
    check(norm(await page.textContent("button[type=submit]")) === "Log in",
      "the login page in English");
    await shot(page, "10-login-en");
    await page.selectOption("#lang-switch", "de");

    // ---- the client admin: no wallboard, and the API says 403 ---------
    await login(page, CA, CA_PW);
    await page.waitForURL(URL + "/start", { timeout: 10000 });
    check((await page.locator('nav a[href="/wallboard"]').count()) === 0,
      "a client admin's login: no wallboard in the navigation, lands on /start");
    await shot(page, "11-client-admin-start-de");
    await page.goto(URL + "/wallboard");
    const forb = await waitText(page, "#wb-forbidden", cat.de["wallboard.forbidden"], 10000);
    check(forb === "Das Wallboard ist nur für den Betrieb sichtbar." &&
      (await page.locator("#wb-waiting-total").count()) === 0,
      "the client admin typing /wallboard: no figures, 'only for the operator'", forb);
    await noRawKeys(page, "wallboard refused (de)");
    await shot(page, "12-client-admin-wallboard-de");
    const api = await page.evaluate(async () => {
      const r = await fetch("/api/v1/tenants");
      return { status: r.status, body: await r.json() };
    });
    check(api.status === 403 && api.body.error === "role client_admin may not GET /api/v1/tenants",
      "the API answers the client admin's page 403 for the operator's data", JSON.stringify(api));
    const csrf = await page.evaluate(async () => {
      const r = await fetch("/api/v1/sessions/current", { method: "DELETE" });
      return { status: r.status, body: await r.json() };
    });
    check(csrf.status === 403 && csrf.body.error === "csrf token missing or wrong",
      "a change from the page's own script without the CSRF token: 403", JSON.stringify(csrf));
  } finally {
    await browser.close();
  }
}

run(main);
