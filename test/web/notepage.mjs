// notepage.mjs - the browser checks of test/suites/notepage.py: the link
// of a call note opened in headless Debian Chromium (/usr/bin/chromium,
// playwright-core from web/node_modules) as an employee opens it from a
// mail: the page renders under its strict CSP without a violation, the
// caller's name shows as text, one click on "Gelesen/bestätigen"
// acknowledges it, and a forged link shows the 404 page.  One JSON line
// per check on stdout; screenshots go to $SHOTS.
//
// Environment: SB_LINK (the employee's link), SB_BAD (a forged one),
// SHOTS, WEB_DIR.
import { check, launch, norm, run, shot } from "./common.mjs";

const env = process.env;

async function main() {
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ locale: "de-DE", timezoneId: "Europe/Berlin" });
    const page = await ctx.newPage();
    const console = [];
    page.on("console", (m) => console.push(m.type() + ": " + m.text()));
    page.on("pageerror", (e) => console.push("pageerror: " + e.message));

    const res = await page.goto(env.SB_LINK);
    check(res.status() === 200, "the link opens: 200", res.status());
    check(norm(await page.textContent("h1")) === "Gesprächsnotiz: Browser <i>Test</i>",
      "the caller's name <i>...</i> shows as text, not markup", await page.textContent("h1"));
    check((await page.locator("h1 i").count()) === 0, "no <i> element made of it");
    const bg = await page.evaluate(() => getComputedStyle(document.querySelector("button")).backgroundColor);
    check(bg === "rgb(27, 94, 32)", "the page's own style applies under the CSP (the button is green)", bg);
    check(!console.some((l) => /Content Security Policy|Refused/i.test(l)),
      "no CSP violation, no console error", console.join(" | "));
    await shot(page, "notepage-01-open");

    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    const ack = norm(await page.textContent("p.ack"));
    check(/^Bestätigt am \d\d\.\d\d\.\d{4} \d\d:\d\d Uhr$/.test(ack),
      "one click: \"Bestätigt am ...\" (Berlin time)", ack);
    check((await page.locator("form").count()) === 0, "... and the button is gone");
    await shot(page, "notepage-02-acknowledged");

    const bad = await page.goto(env.SB_BAD);
    check(bad.status() === 404 && norm(await page.textContent("h1")) === "Link ungültig oder abgelaufen",
      "a forged link: the 404 page", bad.status());
    check(!console.some((l) => /Content Security Policy|Refused/i.test(l)),
      "still no CSP violation", console.join(" | "));
    await shot(page, "notepage-03-forged");
  } finally {
    await browser.close();
  }
}

run(main);
