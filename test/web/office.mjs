// office.mjs - the browser checks of test/suites/web_office.py: the
// client's back office in headless Debian Chromium (/usr/bin/chromium)
// driven by playwright-core (from web/node_modules) against a running
// Switchboard.  One JSON object per line on stdout: {"check": what, "ok":
// bool, "detail": ...}.  Screenshots go to $SHOTS/office-*.png.
//
// Environment: SB_URL, SB_TENANT (the demo client's id), SB_CA / SB_SUB
// "login:password" of the client admin and of Max's sub-account,
// SB_OTHER_EMPLOYEE (an employee of another client), SHOTS, WEB_DIR.
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const env = process.env;
const WEB_DIR = env.WEB_DIR;
const require = createRequire(join(WEB_DIR, "package.json"));
const { chromium } = require("playwright-core");
const URL = env.SB_URL;
const SHOTS = env.SHOTS;
const TID = Number(env.SB_TENANT);
const OTHER = Number(env.SB_OTHER_EMPLOYEE);
const [CA, CA_PW] = env.SB_CA.split(":");
const [SUB, SUB_PW] = env.SB_SUB.split(":");
const cat = {
  de: JSON.parse(readFileSync(join(WEB_DIR, "src/i18n/de.json"), "utf8")),
  en: JSON.parse(readFileSync(join(WEB_DIR, "src/i18n/en.json"), "utf8")),
};
const KEYS = Object.keys(cat.de);
const PLACEHOLDER_ERR =
  "must contain the placeholder [Vorname, Nachname] (or [Vorname] or [Nachname]) where the agent says his name";
const DATE_DE = /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/;

let failed = 0;
function emit(o) {
  process.stdout.write(JSON.stringify(o) + "\n");
}
function check(ok, what, detail = "") {
  if (!ok) failed++;
  emit({ check: what, ok: !!ok, detail: ok ? "" : String(detail) });
  return ok;
}
const norm = (s) => (s ?? "").replace(/\s+/g, " ").trim();

async function waitText(page, sel, want, ms = 10000) {
  const end = Date.now() + ms;
  let got = null;
  while (Date.now() < end) {
    got = norm(await page.locator(sel).first().textContent({ timeout: 1000 }).catch(() => null));
    if (want instanceof RegExp ? want.test(got) : got === want) return got;
    await page.waitForTimeout(100);
  }
  return got;
}
async function texts(page, sel) {
  return (await page.locator(sel).allTextContents()).map(norm);
}
async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `office-${name}.png`), fullPage: true });
}
async function noRawKeys(page, what) {
  const text = await page.locator("body").innerText();
  const raw = KEYS.filter((k) => text.includes(k));
  check(!text.includes("??") && raw.length === 0,
    `${what}: no untranslated key`, text.includes("??") ? text.slice(0, 200) : raw.join(", "));
}
async function login(page, name, pw) {
  await page.fill("#login-name", name);
  await page.fill("#login-password", pw);
  await page.press("#login-password", "Enter");
}
/* the API as the logged-in page sees it: {status, body} */
async function apiGet(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch("/api/v1" + p);
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: r.status, body };
  }, path);
}
async function goNav(page, href, ready) {
  await page.click(`nav a[href="${href}"]`);
  await page.waitForSelector(ready, { timeout: 10000 });
}
const listNames = (page) => texts(page, "#oe-list tbody th[data-col=name]");
async function waitNames(page, want, ms = 10000) {
  const end = Date.now() + ms;
  let got = [];
  while (Date.now() < end) {
    got = await listNames(page);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await page.waitForTimeout(100);
  }
  return got;
}
function csvFile(name, lines) {
  return { name, mimeType: "text/csv", buffer: Buffer.from(lines.join("\r\n") + "\r\n", "utf8") };
}

async function profile(page) {
  await goNav(page, "/office/profile", "#op-form");
  const g1 = "Mustermann AG, guten Tag, mein Name ist [Vorname, Nachname].";
  const end = Date.now() + 10000;
  while (Date.now() < end && (await page.inputValue("#op-greeting")) !== g1) await page.waitForTimeout(100);
  check((await page.inputValue("#op-greeting")) === g1 &&
    (await page.inputValue("#op-instructions")) === "Bitte Rückruf anbieten.",
    "profile: the greeting and instructions in force are in the form");
  const p1 = norm(await page.textContent("#op-preview [data-role=greeting]"));
  check(p1 === "Mustermann AG, guten Tag, mein Name ist Erika Musterfrau.",
    "profile: the preview fills the placeholder with the example agent's name", p1);
  await noRawKeys(page, "profile (de)");
  await shot(page, "01-profile-de");

  // without the placeholder: the server's 422 at the field, nothing saved
  await page.fill("#op-greeting", "Mustermann AG, herzlich willkommen.");
  const live = norm(await page.textContent("#op-preview [data-role=greeting]"));
  check(live === "Mustermann AG, herzlich willkommen.", "profile: the preview follows typing at once", live);
  await page.click("#op-save");
  const ge = await waitText(page, "#op-greeting-error", PLACEHOLDER_ERR);
  check(ge === PLACEHOLDER_ERR, "profile: without the placeholder the server's error shows at the greeting", ge);
  check(norm(await page.textContent("#op-error")) === "" && norm(await page.textContent("#op-saved")) === "",
    "profile: ... only there (no form error, nothing 'saved')");
  const v1 = await apiGet(page, `/tenants/${TID}/profile/versions`);
  check(v1.status === 200 && v1.body.length === 1 &&
    (await page.locator("#op-history tbody tr").count()) === 1,
    "profile: nothing was saved (the API and the history still have version 1 only)", JSON.stringify(v1));
  await shot(page, "02-profile-placeholder-error-de");

  // with the placeholder: saved as version 2
  const g2 = "Mustermann AG, herzlich willkommen, mein Name ist [Vorname, Nachname].";
  await page.fill("#op-greeting", g2);
  check(norm(await page.textContent("#op-preview [data-role=greeting]")) ===
    "Mustermann AG, herzlich willkommen, mein Name ist Erika Musterfrau.",
    "profile: the preview shows the name in the new greeting");
  await page.click("#op-save");
  const saved = await waitText(page, "#op-saved", /^Version 2 gespeichert, gültig ab \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}\.$/);
  check(/^Version 2 gespeichert, gültig ab \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}\.$/.test(saved),
    "profile: 'Version 2 gespeichert, gültig ab <de-DE date>'", saved);
  check(norm(await page.textContent("#op-greeting-error")) === "", "profile: the greeting's error is gone");
  const row2 = "#op-history tr[data-version='2']";
  await page.waitForSelector(row2, { timeout: 5000 }).catch(() => null);
  const from2 = norm(await page.textContent(`${row2} td[data-col=from]`).catch(() => ""));
  check(norm(await page.textContent(`${row2} td[data-col=state]`).catch(() => "")) === "gültig" &&
    norm(await page.textContent(`${row2} td[data-col=changed]`).catch(() => "")) === "Begrüßung" &&
    DATE_DE.test(from2),
    "profile: version 2 in the history: in force ('gültig'), changed 'Begrüßung', de-DE date", from2);
  check(norm(await page.textContent("#op-history tr[data-version='1'] td[data-col=state]")) === "abgelöst",
    "profile: version 1 is 'abgelöst'");
  check(await texts(page, "#op-history tbody td:first-child").then((x) => x.join(",")) === "2,1",
    "profile: the history lists the newest first");
  const v2 = await apiGet(page, `/tenants/${TID}/profile`);
  check(v2.status === 200 && v2.body.version === 2 && v2.body.settings.greeting === g2,
    "profile: the API has version 2 in force with the new greeting", JSON.stringify(v2.body).slice(0, 200));
  await page.click("#op-history tr[data-version='1'] button");
  const old = await waitText(page, "#op-version-preview-body [data-role=greeting]",
    "Mustermann AG, guten Tag, mein Name ist Erika Musterfrau.");
  check(old === "Mustermann AG, guten Tag, mein Name ist Erika Musterfrau." &&
    norm(await page.textContent("#op-version-preview h2")) === "Vorschau von Version 1",
    "profile: the preview of version 1 shows its old greeting", old);
  await shot(page, "03-profile-history-de");
}

async function employees(page) {
  await goNav(page, "/office/employees", "#oe-list");
  let names = await waitNames(page, ["Erika Musterfrau", "Max Mustermann"]);
  check(JSON.stringify(names) === '["Erika Musterfrau","Max Mustermann"]',
    "employees: the list in phone-book order (Musterfrau before Mustermann)", names);
  await noRawKeys(page, "employees (de)");
  await shot(page, "04-employees-de");

  await page.click("#oe-new");
  await page.waitForSelector("#oe-form");
  await page.fill("#oe-name", "Lisa Lehmann");
  await page.fill("#oe-email", "kaputt");
  await page.click("#oe-save");
  const ee = await waitText(page, "#oe-email-error", "kaputt is not an e-mail address");
  check(ee === "kaputt is not an e-mail address" && new globalThis.URL(page.url()).pathname === "/office/employees/new",
    "employee form: a wrong e-mail shows the server's error at the e-mail field", ee);
  await page.fill("#oe-email", "lisa@mustermann.example");
  await page.check("#oe-sms");
  await page.click("#oe-save");
  const se = await waitText(page, "#oe-sms-error", "needs a mobile number (field mobile)");
  check(se === "needs a mobile number (field mobile)" && norm(await page.textContent("#oe-email-error")) === "",
    "employee form: SMS without a mobile: the server's error at the SMS flag", se);
  const none = await apiGet(page, `/employees?tenant_id=${TID}`);
  check(none.status === 200 && none.body.length === 2, "employee form: nothing was created yet (API)", none.body.length);
  await noRawKeys(page, "employee form (de)");
  await shot(page, "05-employee-form-errors-de");
  await page.uncheck("#oe-sms");
  await page.fill("#oe-position", "Empfang");
  await page.selectOption("#oe-transfer", "all");
  await page.selectOption("#oe-substitute_id", { label: "Max Mustermann" });
  await page.click("#oe-save");
  await page.waitForURL(URL + "/office/employees", { timeout: 10000 }).catch(() => null);
  names = await waitNames(page, ["Lisa Lehmann", "Erika Musterfrau", "Max Mustermann"]);
  check(JSON.stringify(names) === '["Lisa Lehmann","Erika Musterfrau","Max Mustermann"]',
    "employees: Lisa Lehmann created through the form, first in the list (L before M)", names);
  const lisaRow = "#oe-list tbody tr:first-child";
  check(norm(await page.textContent(`${lisaRow} td:nth-child(2)`)) === "Empfang" &&
    norm(await page.textContent(`${lisaRow} td:nth-child(4)`)) === "Mitarbeiter wünscht Durchstellen" &&
    norm(await page.textContent(`${lisaRow} td:nth-child(5)`)) === "Max Mustermann",
    "employees: her row shows position, transfer and substitute");
  const lisaId = Number(await page.getAttribute(lisaRow, "data-employee-id"));
  const lisa = await apiGet(page, `/employees/${lisaId}`);
  check(lisa.status === 200 && lisa.body.email === "lisa@mustermann.example" && lisa.body.transfer === "all" &&
    lisa.body.position === "Empfang" && lisa.body.first_name === "Lisa" && lisa.body.last_name === "Lehmann" &&
    lisa.body.sms === false && typeof lisa.body.substitute_id === "number",
    "employees: the API has her as the form said", JSON.stringify(lisa.body).slice(0, 300));
  await shot(page, "06-employees-created-de");

  await page.click(`${lisaRow} a`);
  await page.waitForSelector("#oe-form");
  await page.waitForFunction(() => document.querySelector("#oe-name")?.value === "Lisa Lehmann");
  await page.fill("#oe-position", "Zentrale");
  await page.click("#oe-save");
  await page.waitForURL(URL + "/office/employees", { timeout: 10000 }).catch(() => null);
  const pos = await waitText(page, `${lisaRow} td:nth-child(2)`, "Zentrale");
  check(pos === "Zentrale", "employees: edited (position Zentrale)", pos);

  await page.click(`${lisaRow} a`);
  await page.waitForSelector("#oe-delete");
  await page.click("#oe-delete");
  const conf = norm(await page.textContent("#oe-confirm-text"));
  check(conf === "Lisa Lehmann wirklich löschen? Das lässt sich nicht rückgängig machen.",
    "employees: deleting asks first", conf);
  check((await apiGet(page, `/employees/${lisaId}`)).status === 200, "employees: ... and has not deleted yet");
  await shot(page, "07-employee-delete-confirm-de");
  await page.click("#oe-delete-yes");
  await page.waitForURL(URL + "/office/employees", { timeout: 10000 }).catch(() => null);
  names = await waitNames(page, ["Erika Musterfrau", "Max Mustermann"]);
  const gone = await apiGet(page, `/employees/${lisaId}`);
  check(JSON.stringify(names) === '["Erika Musterfrau","Max Mustermann"]' && gone.status === 404,
    "employees: confirmed, she is gone (list, API 404)", `${names} ${gone.status}`);
}

async function csv(page) {
  const bad = csvFile("fehler.csv", [
    "Name;E-Mail;Mobilnummer;SMS-Benachrichtigung;Durchstellen",
    "Anna Alt;anna@mustermann.example;;nein;nein",
    "Bert Bad;kaputt;0170 12;vielleicht;nein",
    "Carla Chaos;carla@mustermann.example;;nein;immer",
  ]);
  await page.setInputFiles("#oi-file", bad);
  await page.click("#oi-submit");
  const fail = await waitText(page, "#oi-failure", "Die Datei hat 4 Fehler; es wurde nichts gespeichert.");
  check(fail === "Die Datei hat 4 Fehler; es wurde nichts gespeichert.",
    "import: a file with errors: '4 Fehler; nichts gespeichert'", fail);
  const rows = await page.locator("#oi-errors tbody tr").evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
  const want = [
    ["3", "email", "kaputt is not an e-mail address"],
    ["3", "mobile", "0170 12 is not a mobile number; write it as +49170123456789"],
    ["3", "sms", "\"vielleicht\": write ja or nein"],
    ["4", "transfer", "\"immer\": write nein, alle or VIP"],
  ];
  check(JSON.stringify(rows) === JSON.stringify(want),
    "import: every error listed by line, column and message", JSON.stringify(rows));
  check(JSON.stringify(await texts(page, "#oi-errors thead th")) === '["Zeile","Spalte","Fehler"]',
    "import: the error table's German headings");
  const after = await apiGet(page, `/employees?tenant_id=${TID}`);
  check(after.status === 200 && after.body.length === 2 &&
    JSON.stringify(await listNames(page)) === '["Erika Musterfrau","Max Mustermann"]',
    "import: nothing was imported (API: still 2 employees; the list unchanged)", after.body.length);
  await noRawKeys(page, "import errors (de)");
  await shot(page, "08-import-errors-de");

  const good = csvFile("mitarbeiter.csv", [
    "Name;E-Mail;Durchwahl;Durchstellen;Vertreter",
    "Bert Bauer;bert@mustermann.example;31;alle;",
    "Anna Alt;anna@mustermann.example;30;nein;Bert Bauer",
  ]);
  await page.setInputFiles("#oi-file", good);
  check((await page.locator("#oi-errors").count()) === 0, "import: choosing a new file clears the old errors");
  await page.click("#oi-submit");
  const done = await waitText(page, "#oi-result", "Import gespeichert: 2 neu, 0 geändert.");
  check(done === "Import gespeichert: 2 neu, 0 geändert.", "import: a correct file: '2 neu, 0 geändert'", done);
  const names = await waitNames(page, ["Anna Alt", "Bert Bauer", "Erika Musterfrau", "Max Mustermann"]);
  check(JSON.stringify(names) === '["Anna Alt","Bert Bauer","Erika Musterfrau","Max Mustermann"]',
    "import: the employees appear in the list, in phone-book order", names);
  check(norm(await page.textContent("#oe-list tbody tr:first-child td:nth-child(5)")) === "Bert Bauer",
    "import: Anna's substitute is Bert (named in the same file)");
  await shot(page, "09-import-done-de");

  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 10000 }), page.click("#oe-export")]);
  const body = readFileSync(await dl.path(), "utf8");
  const anna = (await apiGet(page, `/employees?tenant_id=${TID}`)).body.find((e) => e.name === "Anna Alt");
  const bert = (await apiGet(page, `/employees?tenant_id=${TID}`)).body.find((e) => e.name === "Bert Bauer");
  const lines = body.split("\r\n");
  check(dl.suggestedFilename() === `employees-${TID}.csv`, "export: the download is employees-<id>.csv", dl.suggestedFilename());
  check(lines[0] === "\ufeffID;Name;E-Mail;CC;Position;Zuständigkeit;Mobilnummer;SMS-Benachrichtigung;Vertreter;Durchwahl;Durchstellnummer;Durchstellen;VIP-SMS",
    "export: UTF-8 with BOM, the German header line", JSON.stringify(lines[0]));
  check(lines[1] === `${anna.id};Anna Alt;anna@mustermann.example;;;;;nein;Bert Bauer;30;;nein;nein` &&
    lines[2] === `${bert.id};Bert Bauer;bert@mustermann.example;;;;;nein;;31;;alle;nein` &&
    lines.length === 6 && lines[5] === "",
    "export: the rows in phone-book order with the imported values, CRLF", JSON.stringify(lines));
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const args = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...args, "--disable-dev-shm-usage"],
  });
  try {
    const ctx = await browser.newContext({
      locale: "de-DE",
      timezoneId: "Europe/Berlin",
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => check(false, "no script error on the page", e.message));

    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await login(page, CA, CA_PW);
    await page.waitForURL(URL + "/start", { timeout: 10000 });
    const nav = await page.locator("nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    check(JSON.stringify(nav) === '["/start","/office/dashboard","/office/profile","/office/employees","/office/calendar","/office/callers","/office/oncall","/office/notes"]',
      "the client admin logs in: Start, Dashboard, Unternehmen, Mitarbeiter, Termine, VIP, Bereitschaft, Notizen in the navigation", JSON.stringify(nav));
    check(JSON.stringify(await texts(page, "nav a")) === '["Start","Dashboard","Unternehmen","Mitarbeiter","Termine","VIP und Listen","Bereitschaft","Anrufnotizen"]',
      "the navigation's German texts");

    await profile(page);
    await employees(page);
    await csv(page);

    // another client's employee by URL: not found, and the API says 404
    await page.goto(URL + `/office/employees/${OTHER}`);
    const nf = await waitText(page, "#oe-load-error", cat.de["office.notfound"]);
    const api404 = await apiGet(page, `/employees/${OTHER}`);
    check(nf === "Nicht gefunden: Diesen Eintrag gibt es bei Ihnen nicht." &&
      (await page.locator("#oe-form").count()) === 0 &&
      api404.status === 404 && api404.body.error === `employee ${OTHER} not found`,
      "another client's employee id in the URL: 'Nicht gefunden', no form (API 404)", `${nf} ${JSON.stringify(api404)}`);
    await shot(page, "10-other-client-notfound-de");

    // English
    await page.goto(URL + "/office/employees");
    await page.waitForSelector("#oe-list");
    await page.selectOption("#lang-switch", "en");
    check(norm(await page.textContent("#oe-title")) === "Employees" &&
      norm(await page.textContent("#oe-new")) === "New employee" &&
      norm(await page.textContent("#oi-title")) === "Import employees" &&
      JSON.stringify(await texts(page, "nav a")) === '["Start","Dashboard","Company","Employees","Appointments","VIPs and lists","On call","Call notes"]',
      "English: the employees screen and the navigation");
    await noRawKeys(page, "employees (en)");
    await shot(page, "11-employees-en");
    await page.click("#oe-new");
    await page.waitForSelector("#oe-form");
    check(norm(await page.textContent("label[for=oe-name]")) === "Employee's name",
      "English: the employee form");
    await noRawKeys(page, "employee form (en)");
    await shot(page, "12-employee-form-en");
    await goNav(page, "/office/profile", "#op-history tr[data-version='2']");
    check(norm(await page.textContent("#op-title")) === "Company profile" &&
      norm(await page.textContent("#op-history tr[data-version='2'] td[data-col=state]")) === "in force" &&
      norm(await page.textContent("#op-save")) === "Save as a new version",
      "English: the profile screen, the version's state 'in force'");
    const fromEn = norm(await page.textContent("#op-history tr[data-version='2'] td[data-col=from]"));
    check(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/.test(fromEn),
      "English: dates in the English form", fromEn);
    await noRawKeys(page, "profile (en)");
    await shot(page, "13-profile-en");
    await page.selectOption("#lang-switch", "de");

    // the sub-account: only its absence screen
    await page.click("text=Abmelden");
    await page.waitForURL(URL + "/login", { timeout: 10000 });
    await login(page, SUB, SUB_PW);
    await page.waitForURL(URL + "/office/absence", { timeout: 10000 });
    const subNav = await page.locator("nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    check(JSON.stringify(subNav) === '["/office/absence"]' &&
      JSON.stringify(await texts(page, "nav a")) === '["Abwesenheit"]',
      "the sub-account lands on its absence screen, the only entry of the navigation", JSON.stringify(subNav));
    const who = await waitText(page, "#oa-name", "Max Mustermann");
    check(who === "Max Mustermann", "the sub-account's screen is Max's", who);
    await page.fill("#oa-text", "Bis 18 Uhr im Außendienst.");
    await page.click("#oa-save");
    const ok = await waitText(page, "#oa-saved", /^Gespeichert am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}\.$/);
    check(/^Gespeichert am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}\.$/.test(ok), "the sub-account saves its absence info (de-DE time)", ok);
    await noRawKeys(page, "absence (de)");
    await shot(page, "14-subaccount-absence-de");
    await page.selectOption("#lang-switch", "en");
    check(norm(await page.textContent("#oa-title")) === "My absence info", "English: the absence screen");
    await noRawKeys(page, "absence (en)");
    await shot(page, "15-subaccount-absence-en");
    await page.selectOption("#lang-switch", "de");

    await page.goto(URL + "/office/employees");
    const forb = await waitText(page, "#oe-load-error", cat.de["office.forbidden"]);
    const api403 = await apiGet(page, `/employees?tenant_id=${TID}`);
    check(forb === "Diese Ansicht ist für Ihren Zugang nicht freigegeben." &&
      (await page.locator("#oe-list").count()) === 0 &&
      !(await page.locator("body").innerText()).includes("Erika") && api403.status === 403,
      "the sub-account typing /office/employees: no data, 'nicht freigegeben' (API 403)", `${forb} ${api403.status}`);
    await shot(page, "16-subaccount-employees-refused-de");
    await page.goto(URL + "/office/profile");
    const forbP = await waitText(page, "#op-load-error", cat.de["office.forbidden"]);
    const apiP = await apiGet(page, `/tenants/${TID}/profile`);
    check(forbP === cat.de["office.forbidden"] && (await page.locator("#op-form").count()) === 0 &&
      apiP.status === 403,
      "the sub-account typing /office/profile: no data (API 403)", `${forbP} ${apiP.status}`);
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(failed ? 1 : 0),
  (e) => {
    check(false, "the browser script ran to its end", e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : e);
    process.exit(1);
  },
);
