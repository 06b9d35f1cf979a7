// console.mjs - the browser checks of test/suites/web_console.py: the
// agent console in headless Debian Chromium (playwright-core) against a
// running Switchboard, with a real call.  One JSON object per line on
// stdout ({"check", "ok", "detail"}; {"ready": "call"} when the agent is
// available and the suite should place the caller, {"ready": "popped"}
// when the pop is on the screen (the suite checks that the desk phone
// rings unanswered, answers it and writes "answered" on stdin),
// {"ready": "hangup", "note_id"} when the note is saved (the suite hangs
// up and writes "hungup")).  Screenshots go to $SHOTS as console-*.png.
//
// Environment: SB_URL, SB_AGENT "login:password" (the agent Erika),
// SB_QUEUE (the queue's name), SB_CONCERN (the concern to type), SHOTS,
// WEB_DIR.
import { cat, check, emit, launch, line, login, noRawKeys, norm, run, shot, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const [AGENT, AGENT_PW] = env.SB_AGENT.split(":");
const QUEUE = env.SB_QUEUE;
const CONCERN = env.SB_CONCERN;
const GREETING = "Mustermann AG, guten Tag, mein Name ist Erika Musterfrau. Was kann ich für Sie tun?";

async function main() {
  const browser = await launch();
  try {
    const ctx = await browser.newContext({
      locale: "de-DE",
      timezoneId: "Europe/Berlin",
      viewport: { width: 1400, height: 1000 },
    });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => check(false, "no script error on the page", e.message));

    // ---- login through the page: the agent lands on the console ------
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await login(page, AGENT, AGENT_PW);
    await page.waitForURL(URL + "/console", { timeout: 10000 }).catch(() => null);
    check(new globalThis.URL(page.url()).pathname === "/console",
      "the agent's login leads to /console", page.url());
    const h1 = await waitText(page, "#cs-title", "Agentenkonsole", 10000);
    check(h1 === "Agentenkonsole", "the console's title in German", h1);
    const nav = norm(await page.textContent("nav[aria-label=Hauptnavigation]").catch(() => ""));
    check(nav.includes("Konsole") && !nav.includes("Wallboard"),
      "the agent's navigation has the console, not the wallboard", nav);
    const live = await waitText(page, "#cs-stream", "Live", 10000);
    check(live === "Live", "the event stream is live", live);
    let st = await waitText(page, "#cs-state", "Abgemeldet", 10000);
    check(st === "Abgemeldet", "Erika is logged out at first", st);
    const row = `#cs-queue-table tr:has(th:text-is("${QUEUE}"))`;
    await page.waitForSelector(row, { timeout: 5000 }).catch(() => null);
    check(norm(await page.textContent(`${row} td[data-col=waiting]`).catch(() => "")) === "0",
      `the queue served, "${QUEUE}", with 0 waiting`);
    check(norm(await page.textContent("#cs-shortcuts")).includes("Alt+A") &&
      norm(await page.textContent("#cs-ready")) === "AnmeldenAlt+A",
      "the shortcuts are shown (list and on the buttons)", norm(await page.textContent("#cs-ready")));
    await noRawKeys(page, "console, logged out (de)");
    await shot(page, "console-01-logged-out-de");

    // ---- state by mouse and keyboard ------------------------------------
    await page.click("#cs-ready");
    st = await waitText(page, "#cs-state", "Verfügbar", 10000);
    check(st === "Verfügbar", "the button 'Anmelden': logged in to the queues, available", st);
    await page.fill("#cs-reason", "Mittag");
    await page.locator("body").press("Alt+p");
    st = await waitText(page, "#cs-state", "Pause (Mittag)", 10000);
    check(st === "Pause (Mittag)", "Alt+P: paused with the typed reason", st);
    check(norm(await page.textContent("#cs-ready")) === "VerfügbarAlt+A",
      "while paused the ready button says 'Verfügbar'", norm(await page.textContent("#cs-ready")));
    await page.locator("body").press("Alt+a");
    st = await waitText(page, "#cs-state", "Verfügbar", 10000);
    check(st === "Verfügbar", "Alt+A: available again", st);
    const idle = norm(await page.textContent("#cs-idle"));
    check(idle === cat.de["console.idle"], "no call: the idle text", idle);
    await shot(page, "console-02-available-de");

    // ---- the call: the pop before the phone is answered ---------------
    emit({ ready: "call" });
    const client = await waitText(page, "#pop-client", "Mustermann AG", 30000);
    check(client === "Mustermann AG", "the pop appears: the right client", client);
    check(norm(await page.textContent("#cs-announce")) === "Anruf für Mustermann AG",
      "screen readers are told: 'Anruf für Mustermann AG'", await page.textContent("#cs-announce"));
    check(norm(await page.textContent("#pop-call-state")) === "Klingelt – noch nicht angenommen",
      "the pop says the call rings and is not answered yet", await page.textContent("#pop-call-state"));
    check(norm(await page.textContent("#pop-caller")) === "+4930777888",
      "the caller's number as E.164", await page.textContent("#pop-caller"));
    const greet = norm(await page.textContent("#pop-greeting"));
    check(greet === GREETING, "the greeting with the agent's name filled in", greet);
    check(norm(await page.textContent("#pop-vip")) ===
      "VIP: Dr. Anna Schmitz – Vorstand (VIP von Max Mustermann)",
      "the VIP info with its employee", await page.textContent("#pop-vip"));
    check(norm(await page.textContent("#pop-guide-block h3")) === "VIP-Gesprächsleitfaden" &&
      norm(await page.textContent("#pop-guide")) === "VIP: sofort mit Namen begrüßen und Max Bescheid geben",
      "the VIP call guide", await page.textContent("#pop-guide"));
    check(norm(await page.textContent("#pop-instructions")) === "Rechtsanwaltskanzlei: keine Auskünfte zu Mandaten." &&
      norm(await page.textContent("#pop-standard")) ===
        "Standardtext: Momentan ist niemand persönlich erreichbar. Darf ich einen Rückruf aufnehmen?",
      "the instructions and the standard text (no transfer option)");
    const maxNow = norm(await page.textContent('#pop-employees tr:has(th:text-is("Max Mustermann")) td[data-col=now]').catch(() => ""));
    check(maxNow === "Diese Woche im Urlaub.", "Max: what holds for him now (his absence info)", maxNow);
    const erikaNow = norm(await page.textContent('#pop-employees tr:has(th:text-is("Erika Musterfrau")) td[data-col=now]').catch(() => ""));
    check(erikaNow === "keine Abwesenheit", "Erika: no absence", erikaNow);
    check(norm(await page.innerText("#pop-faq")) === "Öffnungszeiten? Mo-Fr 8-18 Uhr",
      "the FAQ", await page.textContent("#pop-faq"));
    check(norm(await page.textContent("label[for=note-field-3]")) === "Kundennummer *" &&
      (await page.getAttribute("#note-field-3", "aria-required")) === "true" &&
      norm(await page.textContent("label[for=note-field-4]")) === "Rückruf" &&
      (await page.locator("#note-field-4 option").count()) === 3,
      "the note form has the client's fields, the required one marked");
    check((await page.inputValue("#note-caller_number")) === "+4930777888" &&
      (await page.isChecked('#note-employees label:has-text("Max Mustermann") input')),
      "the note is prefilled: the caller's number, the VIP's employee Max");
    await noRawKeys(page, "console with the pop (de)");
    await shot(page, "console-03-pop-ringing-de");
    emit({ ready: "popped" });
    const ans = await line(30000);
    check(ans === "answered", "the suite answered on the desk phone", ans);
    const onCall = await waitText(page, "#pop-call-state", "Im Gespräch", 10000);
    st = await waitText(page, "#cs-state", "Im Gespräch", 10000);
    check(onCall === "Im Gespräch" && st === "Im Gespräch",
      "answered on the desk phone: the page says 'Im Gespräch'", `${onCall} / ${st}`);

    await page.reload();
    const again = await waitText(page, "#pop-greeting", GREETING, 10000);
    check(again === GREETING &&
      norm(await page.textContent("#pop-call-state")) === "Im Gespräch" &&
      norm(await page.textContent("#pop-client")) === "Mustermann AG",
      "a reload during the call: the pop again (GET /calls/:id/pop), 'Im Gespräch'", again);
    await waitText(page, "#cs-stream", "Live", 10000);

    // ---- the note: keyboard, an error at its field, saved -----------
    await page.locator("body").press("Alt+n");
    check(await page.evaluate(() => document.activeElement?.id) === "note-caller_name",
      "Alt+N puts the cursor into the note", await page.evaluate(() => document.activeElement?.id));
    await page.keyboard.type("Hans Anrufer");
    await page.fill("#note-concern", CONCERN);
    await page.locator("body").press("Alt+s");
    const ferr = await waitText(page, "#note-field-3-error", "fields.Kundennummer: is required", 10000);
    check(ferr === "fields.Kundennummer: is required" &&
      (await page.getAttribute("#note-field-3", "aria-invalid")) === "true" &&
      (await page.evaluate(() => document.activeElement?.id)) === "note-field-3",
      "a missing required field: the server's error at that field, focused", ferr);
    await shot(page, "console-04-note-error-de");
    await page.keyboard.type("4711");
    await page.selectOption("#note-field-4", "vormittags");
    await page.press("#note-concern", "Control+Enter");
    const saved = await waitText(page, "#note-saved", /^Notiz Nr\. \d+ gespeichert und versandt\.$/, 10000);
    const noteId = Number((saved ?? "").replace(/\D/g, ""));
    check(/^Notiz Nr\. \d+ gespeichert und versandt\.$/.test(saved ?? "") && noteId > 0,
      "Ctrl+Enter saves the note: 'Notiz Nr. N gespeichert und versandt.'", saved);
    check(await page.locator("#note-field-3-error").count() === 0,
      "the field's error is gone after saving");
    await shot(page, "console-05-note-saved-de");
    emit({ ready: "hangup", note_id: noteId });
    const hung = await line(30000);
    check(hung === "hungup", "the suite hung up on the desk phone", hung);

    // ---- wrap-up with its timer ----------------------------------------
    st = await waitText(page, "#cs-state", "Nachbearbeitung", 10000);
    const ended = await waitText(page, "#pop-call-state", "Gespräch beendet", 5000);
    check(ended === "Gespräch beendet", "after the hang-up the pop says the call ended", ended);
    const w1 = await waitText(page, "#cs-wrapup", /^Nachbearbeitung noch 0:[0-5]\d$/, 5000);
    check(st === "Nachbearbeitung" && /^Nachbearbeitung noch 0:[0-5]\d$/.test(w1 ?? ""),
      "after the hang-up: wrap-up with its timer", `${st} / ${w1}`);
    await page.waitForTimeout(2200);
    const w2 = norm(await page.textContent("#cs-wrapup"));
    const secs = (s) => Number((s ?? "").split(":").pop());
    check(secs(w2) < secs(w1) && secs(w1) - secs(w2) <= 4,
      "the wrap-up timer counts down", `${w1} -> ${w2}`);
    check(norm(await page.textContent("#cs-ready")) === "Nachbearbeitung beendenAlt+A",
      "in wrap-up the ready button ends it", await page.textContent("#cs-ready"));
    await shot(page, "console-06-wrapup-de");

    // ---- English ----------------------------------------------------------
    await page.selectOption("#lang-switch", "en");
    const en1 = await waitText(page, "#cs-title", "Agent console", 5000);
    check(en1 === "Agent console" &&
      norm(await page.textContent("#cs-state")) === "Wrap-up" &&
      /^Wrap-up 0:[0-5]\d left$/.test(norm(await page.textContent("#cs-wrapup"))) &&
      norm(await page.textContent("#pop-call-state")) === "Call ended" &&
      norm(await page.textContent("#pop-guide-block h3")) === "VIP call guide" &&
      norm(await page.textContent("#note-title")) === "Call note" &&
      norm(await page.textContent("#note-save")) === "Save noteAlt+S",
      "English: the console's texts switch", `${en1} / ${await page.textContent("#cs-wrapup")}`);
    check(norm(await page.textContent("#note-saved")) === `Note no. ${noteId} saved and sent.`,
      "English: the saved note's line", await page.textContent("#note-saved"));
    await noRawKeys(page, "console in wrap-up (en)");
    await shot(page, "console-07-wrapup-en");
    await page.locator("body").press("Alt+a");
    st = await waitText(page, "#cs-state", "Available", 10000);
    check(st === "Available", "Alt+A ends the wrap-up: available", st);
    await page.click("#cs-close-pop");
    const idleEn = norm(await page.textContent("#cs-idle").catch(() => ""));
    check(idleEn === cat.en["console.idle"], "the call closed: the idle text in English", idleEn);
    await noRawKeys(page, "console idle (en)");
    await shot(page, "console-08-idle-en");

    // ---- keyboard alone: every control is reachable with Tab -----------
    const reached = new Set();
    await page.focus("body");
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("Tab");
      const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
      reached.add(id);
    }
    check(["cs-reason", "cs-pause", "cs-logout", "lang-switch"].every((x) => reached.has(x)),
      "Tab reaches the state controls and the language switch", [...reached].join(","));
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")].filter((el) =>
        !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !(el.textContent ?? "").trim()).map((el) => el.id),
    ).catch(() => ["?"]);
    check(unlabelled.length === 0, "every control has an accessible label", unlabelled.join(","));

    // ---- a caller who typed digits, then hangs up while it rings -------
    emit({ ready: "digits" });
    const typed = await waitText(page, '#pop-collected dd[data-label="Kundennummer"]', "24680", 30000);
    check(typed === "24680" &&
      norm(await page.textContent("#pop-collected-block h3")) === "Digits the caller typed",
      "the pop shows the digits the caller typed (Kundennummer 24680)", typed);
    check(norm(await page.textContent("#pop-caller")) === "+4930654321" &&
      (await page.locator("#pop-vip").count()) === 0 &&
      norm(await page.textContent("#pop-guide-block h3")) === "Call guide" &&
      norm(await page.textContent("#pop-guide")) === "1. Name erfragen 2. Anliegen notieren",
      "not a VIP: no VIP box, the normal call guide", await page.textContent("#pop-guide"));
    check(norm(await page.textContent("#pop-call-state")) === "Ringing – not answered yet",
      "English: the call rings, not answered yet", await page.textContent("#pop-call-state"));
    await noRawKeys(page, "console with the pop (en)");
    await shot(page, "console-09-digits-en");
    const gone = await waitText(page, "#cs-idle", cat.en["console.idle"], 20000);
    check(gone === cat.en["console.idle"],
      "the caller hangs up while it rings: the pop goes away", gone);
  } finally {
    await browser.close();
  }
}

run(main);
