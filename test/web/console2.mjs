// console2.mjs - the browser checks of test/suites/web_console2.py: the
// agent console's call actions, waiting callers, callbacks and note draft,
// and the assistants' softphone, in headless Chromium against a running
// Switchboard with real calls.  One JSON object per line on stdout
// ({"check", "ok", "detail"}, or {"ready": X} when the suite should act
// and check the server; it answers with a line on stdin).
// Environment: SB_URL, SB_AGENT "login:password", SB_QUEUE, SB_CALLER,
// SB_CB (the callback's number), SB_MESSAGE (the declining employee's),
// SB_CENTRAL, SB_DIALLED, SHOTS, WEB_DIR.
import { cat, check, emit, launch, line, login, noRawKeys, norm, run, shot, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const [AGENT, AGENT_PW] = env.SB_AGENT.split(":");

async function ask(what, extra = {}) {
  emit({ ready: what, ...extra });
  const a = await line(60000);
  check(a === "ok" || a === "answered", `the suite did its part: ${what}`, a);
}

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
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await login(page, AGENT, AGENT_PW);
    await waitText(page, "#cs-title", "Agentenkonsole", 10000);
    await waitText(page, "#cs-stream", "Live", 10000);

    // ---- waiting callers and callbacks at page load ---------------------
    const row = `#cs-queue-table tr:has(th:text-is("${env.SB_QUEUE}"))`;
    const n = await waitText(page, `${row} td[data-col=waiting]`, "2", 10000);
    check(n === "2", "at page load the queue shows 2 waiting (from the API)", n);
    const list = norm(await page.textContent("#cs-waiting").catch(() => ""));
    check(list.includes(env.SB_CALLER) && list.includes(`Rückruf an ${env.SB_CB}`),
      "the waiting list names the caller and the callback", list);
    const cbRow = norm(await page.textContent("#cs-callback-table tbody").catch(() => ""));
    check(cbRow.includes(env.SB_CB), "the callbacks list has the request", cbRow);
    await noRawKeys(page, "console with waiting callers (de)");
    await shot(page, "console2-01-waiting-de");
    await page.click("#cs-callback-table button[data-take]");
    const taken = await waitText(page, "#cs-cb-taken", /übernommen/, 10000);
    check(/^Rückruf an \+\d+ übernommen/.test(taken ?? ""), "'Übernehmen': the page confirms", taken);
    await ask("cb-taken");

    // ---- the call: answer on the phone, draft, hold ---------------------
    // the callback's call is over: paused again with the same reason
    const again = await waitText(page, "#cs-state", "Pause (Rückrufe)", 15000);
    check(again === "Pause (Rückrufe)", "after the callback's call: paused again", again);
    await page.locator("body").press("Alt+a");
    await waitText(page, "#pop-caller", env.SB_CALLER, 30000);
    const hint = norm(await page.textContent("#call-answer-hint").catch(() => ""));
    check(hint === cat.de["console.call.answer_on_phone"],
      "while it rings the console says: answer on your phone", hint);
    const rec = Number(await page.evaluate(() => sessionStorage.getItem("switchboard.console.pop")));
    await ask("popped", { record_id: rec });
    const on = await waitText(page, "#pop-call-state", "Im Gespräch", 30000);
    check(on === "Im Gespräch" && (await page.locator("#call-hold").count()) === 1,
      "answered: the call actions are shown", on);
    await page.fill("#note-caller_name", "Frau Wartend");
    await page.fill("#note-concern", "Bitte um Rückruf");
    await page.reload();
    await waitText(page, "#pop-call-state", "Im Gespräch", 30000);
    // the draft comes back once the pop is shown again (a busy machine
    // may take a while): wait for it, at most 10 s
    await page.waitForFunction(() =>
      document.querySelector("#note-concern")?.value === "Bitte um Rückruf",
      null, { timeout: 10000 }).catch(() => null);
    check((await page.inputValue("#note-caller_name")) === "Frau Wartend" &&
      (await page.inputValue("#note-concern")) === "Bitte um Rückruf",
      "a typed note survives a reload", await page.inputValue("#note-concern"));
    const stores = await page.evaluate(() => ({
      local: JSON.stringify(localStorage),
      session: Object.keys(sessionStorage),
    }));
    check(!stores.local.includes(env.SB_CALLER) && !stores.local.includes("Frau Wartend") &&
      stores.session.includes(`switchboard.console.note.${rec}`),
      "the draft is in sessionStorage, nothing of the caller in localStorage", JSON.stringify(stores));
    await waitText(page, "#cs-stream", "Live", 10000);
    await page.locator("body").press("Alt+h");
    const held = await waitText(page, "#call-held", cat.de["console.call.on_hold"], 10000);
    check(held === cat.de["console.call.on_hold"] &&
      norm(await page.textContent("#call-hold")) === "FortsetzenAlt+H",
      "Alt+H: the caller is held, the button says 'Fortsetzen'", held);
    await shot(page, "console2-02-held-de");
    await ask("held");
    await page.click("#call-hold");
    await page.waitForSelector("#call-held", { state: "detached", timeout: 10000 }).catch(() => null);
    check((await page.locator("#call-held").count()) === 0, "resumed: no hold badge");
    await ask("resumed");

    // ---- consultation: Max declines with a message ---------------------
    const maxId = await page.evaluate(() =>
      [...document.querySelectorAll("#call-target option")].find((o) => o.textContent.startsWith("Max Mustermann"))?.value);
    await page.selectOption("#call-target", maxId ?? "");
    await page.locator("body").press("Alt+t");
    const ringing = await waitText(page, "#call-chain li", "Mitarbeiter Max Mustermann: klingelt", 15000);
    check(ringing === "Mitarbeiter Max Mustermann: klingelt", "the chain: Max's phone rings", ringing);
    await ask("consulting");
    const answered = await waitText(page, "#call-chain li", "Mitarbeiter Max Mustermann: angenommen", 15000);
    check(answered === "Mitarbeiter Max Mustermann: angenommen", "the chain: Max answered", answered);
    await shot(page, "console2-03-consult-de");
    await page.fill("#call-message", env.SB_MESSAGE);
    await page.click("#call-declined");
    const note = await waitText(page, "#call-take-note", cat.de["console.call.take_note"], 10000);
    check(note === cat.de["console.call.take_note"] &&
      norm(await page.textContent("#call-chain")).includes(`„${env.SB_MESSAGE}“`),
      "declined: the message in the chain, 'take a note'", await page.textContent("#call-chain"));
    await ask("declined");

    // ---- blind transfer to Max ---------------------------------------
    await page.locator("body").press("Alt+b");
    const bl = await waitText(page, "#call-info", "Wird direkt mit Max Mustermann verbunden.", 10000);
    check(bl === "Wird direkt mit Max Mustermann verbunden.", "Alt+B: a blind transfer to Max", bl);
    await ask("blind");

    // ---- a second caller, hung up from the console (Alt+X) ------------
    const ended1 = await waitText(page, "#pop-call-state", "Gespräch beendet", 15000);
    check(ended1 === "Gespräch beendet", "after the blind transfer Erika's call ended", ended1);
    await page.click("#cs-close-pop").catch(() => null);
    const avail = await waitText(page, "#cs-state", "Verfügbar", 15000);
    check(avail === "Verfügbar" && (await page.locator("#pop-caller").count()) === 0,
      "the first call's pop closed, Erika available", avail);
    // the second caller only now: a pop that came before the click above
    // would have been the one closed
    await ask("closed1");
    await waitText(page, "#pop-caller", "+4930333444", 30000);
    const rec2 = Number(await page.evaluate(() => sessionStorage.getItem("switchboard.console.pop")));
    await ask("popped2", { record_id: rec2 });
    const on2 = await waitText(page, "#pop-call-state", "Im Gespräch", 30000);
    check(on2 === "Im Gespräch", "the second caller is answered on the desk phone", on2);
    await page.waitForSelector("#call-hangup", { timeout: 10000 }).catch(() => null);
    await page.locator("body").press("Alt+x");
    const gone = await waitText(page, "#pop-call-state", "Gespräch beendet", 10000);
    check(gone === "Gespräch beendet", "Alt+X: hung up, the call ended", gone);
    await ask("hungup2");

    // ---- the softphone --------------------------------------------------
    await page.goto(URL + "/phone");
    const title = await waitText(page, "#ph-title", "Softphone", 10000);
    check(title === "Softphone", "the softphone page", title);
    await page.waitForSelector("#ph-task option", { state: "attached", timeout: 10000 });
    const opts = await page.locator("#ph-task option").allTextContents();
    check(opts.length === 1 && norm(opts[0]) === "Bestellungen – Backoffice Telefonie EU",
      "only the task Erika assists to pick", opts.join("|"));
    const countries = await page.locator("#ph-country option").allTextContents();
    check(countries[0] === "Deutschland (+49)" && countries.length === 36 &&
      countries.indexOf("Schweiz (+41)") > 26,
      "countries with their prefix, the EU first", countries.slice(0, 3).join("|"));
    await page.selectOption("#ph-country", "CH");
    await page.fill("#ph-number", "441234567");
    await page.click("#ph-call");
    const refused = await waitText(page, "#ph-error", /individual offer/, 10000);
    check(refused === "to: +41441234567 is outside the EU: individual offer, not billed automatically",
      "outside the EU: the server's 403 is shown", refused);
    await shot(page, "console2-04-phone-refused-de");
    await page.selectOption("#ph-country", "DE");
    await page.fill("#ph-number", "030 123456");
    check(norm(await page.textContent("#ph-e164")) === env.SB_DIALLED &&
      norm(await page.textContent("#ph-number-hint")) === cat.de["phone.zero_dropped"],
      "typed with its 0: the 0 is left out", await page.textContent("#ph-e164"));
    await page.click("#ph-call");
    const calling = await waitText(page, "#ph-state", cat.de["phone.phase.calling"], 10000);
    check(calling === cat.de["phone.phase.calling"], "the call placed: 'Ihr Telefon klingelt'", calling);
    check(norm(await page.textContent("#ph-call-line")) === `An ${env.SB_DIALLED}, angezeigt wird ${env.SB_CENTRAL}`,
      "the callee sees the number the server presents", await page.textContent("#ph-call-line"));
    await ask("dialled");
    const conn = await waitText(page, "#ph-state", "Verbunden", 15000);
    check(conn === "Verbunden", "the callee answered: 'Verbunden'", conn);
    await noRawKeys(page, "softphone (de)");
    await shot(page, "console2-05-phone-connected-de");
    const phoneRec = await page.evaluate(() => document.querySelector("#ph-call-box") ? 1 : 0);
    check(phoneRec === 1, "the running call is shown");
    await page.click("#ph-hangup");
    const ended = await waitText(page, "#ph-state", "Anruf beendet", 10000);
    check(ended === "Anruf beendet", "'Auflegen': the call ended", ended);
    const rid = Number(await page.getAttribute("#ph-call-box", "data-record-id"));
    await ask("hungup", { record_id: rid });
    await page.selectOption("#lang-switch", "en");
    const en = await waitText(page, "#ph-title", "Softphone", 5000);
    check(en === "Softphone" && norm(await page.textContent("label[for=ph-number]")) === "Number without the leading 0",
      "English texts", await page.textContent("label[for=ph-number]"));
    await noRawKeys(page, "softphone (en)");
    await shot(page, "console2-06-phone-en");
  } finally {
    await browser.close();
  }
}

run(main);
