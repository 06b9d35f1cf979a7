// e2e.mjs - the browser side of test/suites/web_e2e.py: issue 19's story
// end to end, with the KEYBOARD ONLY (no mouse click anywhere in this
// script: Tab, Enter, Space and the console's Alt shortcuts).  Headless
// Chromium with a fake microphone playing $SB_TONE_WAV (1000 Hz) logs in
// as the agent Erika; the console's browser phone connects; Alt+A makes
// her available.  {"ready": "call"}: the suite lets a sipp trunk caller
// (440 Hz) call the client's service number -> the queue.  The screen pop
// must show the right client and the greeting with Erika's name WHILE the
// phone panel still says it rings; Alt+R answers; WebAudio hears 440 Hz;
// {"ready": "talking"}: the suite checks the caller hears 1000 Hz
// -> "heard".  Alt+N, typing and Tab/Space fill the note, Alt+S saves it;
// Alt+X hangs up; {"ready": "hungup", "note_id"} -> "ok" once the suite
// saw the caller's BYE.  Then every page of the agent (login, console,
// phone, start) in German and English: no untranslated key, a screenshot
// each (build/screenshots/e2e-*.png).
//
// Environment: SB_URL, SB_AGENT "login:password", SB_CLIENT (the pop's
// client), SB_GREETING (the greeting as the agent sees it), SB_CALLER
// (the caller's E.164), SB_CALLER_NAME, SB_CONCERN, SB_FOR (the employee
// the note is for), SB_TONE_WAV, SHOTS, WEB_DIR.
import { cat, check, emit, launchWithMic, line, noRawKeys, norm, peak, run, shot, waitFor, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const [AGENT, AGENT_PW] = env.SB_AGENT.split(":");

const focused = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a ? a.id || a.getAttribute("data-employee-id") && `emp-${a.getAttribute("data-employee-id")}` || a.tagName : "";
  });

/* Tab (or Shift+Tab) until the element matching pred has the focus;
 * the ids passed on the way, or null if it is not reached in max steps. */
async function tabTo(page, want, max = 40, back = false) {
  const path = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const id = await focused(page);
    path.push(id);
    if (id === want) return path;
  }
  return null;
}

/* The page's Tab order as the keyboard walks it: every visible, enabled
 * control is reached once before the focus comes back to the first (no
 * control left out, no trap).  {missed: [ids], trapped: bool, n} */
async function tabCycle(page) {
  const all = await page.evaluate(() => {
    const sel = "a[href], button, input, select, textarea, [tabindex]";
    const els = [...document.querySelectorAll(sel)].filter((el) =>
      !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0 &&
      getComputedStyle(el).visibility !== "hidden" &&
      !(el.type === "radio" && !el.checked && document.querySelector(`input[name="${el.name}"]:checked`)));
    els.forEach((el, i) => el.setAttribute("data-e2e-tab", String(i)));
    document.activeElement?.blur();
    return els.map((el) => el.id || el.getAttribute("data-key") || el.textContent.trim().slice(0, 20) || el.tagName);
  });
  const seen = [];
  for (let i = 0; i < all.length + 3; i++) {
    await page.keyboard.press("Tab");
    seen.push(await page.evaluate(() => Number(document.activeElement?.getAttribute("data-e2e-tab") ?? -1)));
  }
  const missed = all.filter((_, i) => !seen.includes(i));
  const first = seen.findIndex((x) => x >= 0);
  const wraps = first >= 0 && seen.indexOf(seen[first], first + 1) > first;
  return { missed, trapped: !wraps, n: all.length, seen };
}

const mediaUp = () => window.sbPhone?.call?.media === "up";
const noCall = () => window.sbPhone && !window.sbPhone.call;

async function main() {
  const { browser, page } = await launchWithMic(URL, env.SB_TONE_WAV);
  try {
    // ---- 1. the login, by keyboard -------------------------------------
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await noRawKeys(page, "login page (de)");
    await shot(page, "e2e-01-login-de");
    const toName = await tabTo(page, "login-name", 15);
    check(toName !== null, "Tab reaches the login name", toName);
    await page.keyboard.type(AGENT);
    await page.keyboard.press("Tab");
    check(await focused(page) === "login-password", "Tab goes on to the password", await focused(page));
    await page.keyboard.type(AGENT_PW);
    await page.keyboard.press("Enter");
    await page.waitForURL(URL + "/console", { timeout: 10000 }).catch(() => null);
    check(new globalThis.URL(page.url()).pathname === "/console",
      "Enter logs the agent in: /console", page.url());
    const ph = await waitText(page, "#wp-state", "Bereit", 15000);
    check(ph === "Bereit", "the console's browser phone connects: Bereit", ph);
    check(await waitText(page, "#cs-stream", "Live", 10000) === "Live", "the event stream is live");
    let st = await waitText(page, "#cs-state", "Abgemeldet", 10000);
    check(st === "Abgemeldet", "Erika is logged out of the queues at first", st);

    // ---- 2. available with Alt+A ----------------------------------------
    await page.keyboard.press("Alt+a");
    st = await waitText(page, "#cs-state", "Verfügbar", 10000);
    check(st === "Verfügbar", "Alt+A: logged in to the queues, available", st);
    await noRawKeys(page, "console, available (de)");
    await shot(page, "e2e-02-available-de");

    // ---- 3. the call: the pop while the browser rings ---------------------
    emit({ ready: "call" });
    const rang = await page.waitForSelector("#wp-answer", { timeout: 30000 }).catch(() => null);
    check(rang !== null, "the queue offers the call to the browser: it rings (answer button)");
    const client = await waitText(page, "#pop-client", env.SB_CLIENT, 10000);
    const stage = norm(await page.textContent("#wp-stage").catch(() => ""));
    const greet = norm(await page.textContent("#pop-greeting").catch(() => ""));
    const popState = norm(await page.textContent("#pop-call-state").catch(() => ""));
    const media = await page.evaluate(() => window.sbPhone?.call?.media ?? null);
    check(client === env.SB_CLIENT && stage === "Es klingelt" && media !== "up",
      `the pop shows the client "${env.SB_CLIENT}" while the phone panel still says "Es klingelt"`,
      `${client} / ${stage} / media ${media}`);
    check(greet === env.SB_GREETING, "the pop's greeting with the agent's name, before answering", greet);
    check(popState === "Klingelt – noch nicht angenommen", "the pop: rings, not answered yet", popState);
    check(norm(await page.textContent("#pop-caller")) === env.SB_CALLER,
      "the pop shows the caller's number", await page.textContent("#pop-caller"));
    await noRawKeys(page, "console with the pop, ringing (de)");
    await shot(page, "e2e-03-pop-ringing-de");
    const ringOrder = await tabCycle(page);
    check(ringOrder.missed.length === 0 && !ringOrder.trapped,
      `ringing: Tab reaches each of the page's ${ringOrder.n} controls and comes round again (no trap)`,
      JSON.stringify(ringOrder));
    check(await tabTo(page, "wp-answer", ringOrder.n + 2) !== null, "Tab reaches the answer button while it rings");

    // ---- 4. Alt+R answers in the browser; audio both ways ----------------
    await page.keyboard.press("Alt+r");
    check(await waitFor(page, mediaUp, 15000), "Alt+R answers: DTLS-SRTP up",
      await page.evaluate(() => JSON.stringify(window.sbPhone?.call)));
    check(await waitText(page, "#wp-stage", "Verbunden", 5000) === "Verbunden", "the phone panel: Verbunden");
    const onCall = await waitText(page, "#pop-call-state", "Im Gespräch", 10000);
    check(onCall === "Im Gespräch", "the pop: Im Gespräch", onCall);
    await page.waitForTimeout(800);
    const f = await peak(page);
    check(Math.abs(f - 440) <= 15, "the browser hears the caller's 440 Hz (WebAudio peak)", `${f} Hz`);
    await shot(page, "e2e-04-talking-de");
    const callOrder = await tabCycle(page);
    check(callOrder.missed.length === 0 && !callOrder.trapped,
      `on the call: Tab reaches each of the page's ${callOrder.n} controls (call actions, note, keypad) and comes round again`,
      JSON.stringify(callOrder));
    emit({ ready: "talking" });
    check((await line(60000)) === "heard", "the caller heard the agent's 1000 Hz");

    // ---- 5. the note, by keyboard: Alt+N, type, Tab, Space, Alt+S -------
    await page.keyboard.press("Alt+n");
    check(await focused(page) === "note-caller_name", "Alt+N puts the cursor into the note's name", await focused(page));
    await page.keyboard.type(env.SB_CALLER_NAME);
    const toConcern = await tabTo(page, "note-concern", 5);
    check(toConcern !== null && toConcern.length === 2 && toConcern[0] === "note-caller_number",
      "Tab: name -> number (prefilled) -> concern", toConcern);
    check((await page.inputValue("#note-caller_number")) === env.SB_CALLER, "the number is prefilled with the caller's");
    await page.keyboard.type(env.SB_CONCERN);
    const forId = await page.evaluate((name) => {
      const l = [...document.querySelectorAll("#note-employees label")].find((x) => x.textContent.trim() === name);
      return l ? `emp-${l.querySelector("input").getAttribute("data-employee-id")}` : null;
    }, env.SB_FOR);
    const toFor = await tabTo(page, forId, 10);
    check(forId !== null && toFor !== null, `Tab reaches the checkbox of ${env.SB_FOR}`, `${forId} ${toFor}`);
    await page.keyboard.press("Space");
    check(await page.evaluate((id) => document.querySelector(`#note-employees input[data-employee-id="${id}"]`)?.checked,
      (forId ?? "").replace("emp-", "")), `Space ticks ${env.SB_FOR}`);
    await shot(page, "e2e-05-note-typed-de");
    await page.keyboard.press("Alt+s");
    const saved = await waitText(page, "#note-saved", /^Notiz Nr\. \d+ gespeichert und versandt\.$/, 10000);
    const noteId = Number((saved ?? "").replace(/\D/g, ""));
    check(/^Notiz Nr\. \d+ gespeichert und versandt\.$/.test(saved ?? "") && noteId > 0,
      "Alt+S saves the note: 'Notiz Nr. N gespeichert und versandt.'", saved);
    await waitFor(page, () => document.activeElement?.id === "note-saved", 10000);
    check(await focused(page) === "note-saved",
      "after saving, the focus stays at the note: on the saved line (not back at the page's top)", await focused(page));
    await page.keyboard.press("Tab");
    const after = await focused(page);
    check(after === "cs-close-pop", "Tab goes on after the note: 'Anruf schließen'", after);
    await shot(page, "e2e-06-note-saved-de");

    // ---- 6. Alt+X hangs up ------------------------------------------------
    await page.keyboard.press("Alt+x");
    check(await waitFor(page, noCall, 10000), "Alt+X hangs up: the browser has no call");
    const ended = await waitText(page, "#pop-call-state", "Gespräch beendet", 10000);
    check(ended === "Gespräch beendet", "the pop: Gespräch beendet", ended);
    emit({ ready: "hungup", note_id: noteId });
    check((await line(60000)) === "ok", "the caller got the BYE");
    await noRawKeys(page, "console after the call (de)");
    await shot(page, "e2e-07-after-call-de");

    // ---- 7. the console works with Tab alone: the order reaches every
    // control of the page, and Shift+Tab goes back --------------------------
    await page.evaluate(() => document.activeElement?.blur());
    const ring = await tabTo(page, "lang-switch", 80);
    check(ring !== null, "Tab reaches the language switch", ring);
    const all = await tabTo(page, "wp-number", 80);
    check(all !== null, "Tab goes on to the phone's number", all);
    const back = await tabTo(page, "lang-switch", 80, true);
    check(back !== null, "Shift+Tab goes back to the language switch", back);

    // ---- 8. every page of the agent, German and English ------------------
    for (const lang of ["de", "en"]) {
      // the language by keyboard: Tab to the switch, an arrow key
      await page.evaluate(() => document.activeElement?.blur());
      check(await tabTo(page, "lang-switch", 40) !== null, `Tab reaches the language switch (${lang})`);
      await page.keyboard.press(lang === "en" ? "ArrowDown" : "ArrowUp");
      check(await page.inputValue("#lang-switch") === lang, `an arrow key switches the language to ${lang}`,
        await page.inputValue("#lang-switch"));
      for (const [path, title] of [["/console", "#cs-title"], ["/phone", "#ph-title"], ["/start", "h1"]]) {
        await page.goto(URL + path);
        await page.waitForSelector(title, { timeout: 10000 }).catch(() => null);
        await page.waitForTimeout(500);
        const h = norm(await page.textContent(title).catch(() => ""));
        const want = { "/console": cat[lang]["console.title"], "/phone": cat[lang]["phone.title"] }[path];
        check(want === undefined ? h !== "" : h === want, `${path} (${lang}): its title`, h);
        await noRawKeys(page, `${path} (${lang})`);
        await shot(page, `e2e-08-${path.slice(1)}-${lang}`);
      }
    }

    // ---- 9. the logout by keyboard, the login page in English ----------
    await page.evaluate(() => document.activeElement?.blur());
    check(await tabTo(page, "lang-switch", 40) !== null, "Tab reaches the language switch (logout)");
    await page.keyboard.press("Tab");
    const out = await page.evaluate(() => document.activeElement?.textContent?.trim());
    check(out === cat.en["nav.logout"], "the next Tab: the logout button", out);
    await page.keyboard.press("Enter");
    const loginAgain = await page.waitForSelector("#login-name", { timeout: 10000 }).catch(() => null);
    check(loginAgain !== null, "Enter logs out: the login page");
    await noRawKeys(page, "login page (en)");
    await shot(page, "e2e-09-login-en");
  } finally {
    await browser.close();
  }
}

run(main);
