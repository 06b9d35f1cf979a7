// admin.mjs - the browser checks of test/suites/web_admin.py: the
// operator's administration in headless Debian Chromium, and axe-core on
// the main screens.  One JSON object per line on stdout (common.mjs).
// Screenshots go to $SHOTS/admin-*.png.
//
// Environment: SB_URL, SB_TENANT (the demo client), SB_ERIKA (its
// employee), SB_OP / SB_CA / SB_AG "login:password" of the operator, the
// client admin and Erika's agent login, SB_AXE (axe.min.js), SHOTS,
// WEB_DIR.
import { readFileSync } from "node:fs";
import { check, launch, login, noRawKeys, norm, run, shot, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const TID = Number(env.SB_TENANT);
const ERIKA = Number(env.SB_ERIKA);
const [OP, OP_PW] = env.SB_OP.split(":");
const [CA, CA_PW] = env.SB_CA.split(":");
const [AG, AG_PW] = env.SB_AG.split(":");
const AXE = readFileSync(env.SB_AXE, "utf8");
const T = 10000;

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
const pick = (o, keys) => Object.fromEntries(keys.map((k) => [k, o?.[k]]));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/* axe-core in the page (evaluated, so the page's CSP stays as it is):
 * no violation of impact "serious" or "critical" */
async function axe(page, what) {
  await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ")),
      })),
    };
  });
  check(res.passes > 10, `axe: ${what}: axe ran (${res.passes} rules passed)`, res.passes);
  const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = res.violations.filter((v) => !bad.includes(v)).map((v) => `${v.id} (${v.impact})`);
  if (minor.length) process.stdout.write(`axe ${what}: lesser findings: ${minor.join(", ")}\n`);
  check(bad.length === 0, `axe: ${what}: no serious or critical violation`, JSON.stringify(bad));
}

const row = (text) => `#admin-list tbody tr:has(th:text-is("${text}"))`;
async function openRow(page, text) {
  await page.waitForSelector(row(text), { timeout: T });
  await page.click(`${row(text)} a`);
  await page.waitForSelector("#admin-form", { timeout: T });
}
async function area(page, key) {
  await page.click(`.admin-nav a[href="/admin/${key}"]`);
  await page.waitForSelector("#admin-list, #admin-empty", { timeout: T });
}
async function option(page, sel, label) {
  await page.waitForSelector(`${sel} option:text-is("${label}")`, { state: "attached", timeout: T });
  await page.selectOption(sel, { label });
}
async function confirmDelete(page) {
  await page.click("#admin-delete");
  await page.waitForSelector("#admin-confirm-text", { timeout: T });
  const q = norm(await page.textContent("#admin-confirm-text"));
  await page.click("#admin-delete-yes");
  await page.waitForSelector("#admin-list, #admin-empty", { timeout: T });
  return q;
}

async function tenants(page) {
  await page.click('nav a[href="/admin"]');
  await page.waitForSelector(row("Mustermann AG"), { timeout: T });
  check(new globalThis.URL(page.url()).pathname === "/admin/tenants",
    "the navigation's Verwaltung opens the clients list", page.url());
  check(norm(await page.textContent("#admin-title")) === "Kunden" &&
    norm(await page.textContent(`${row("Mustermann AG")} td[data-col=central_number]`)) === "+4922182829900",
    "clients: the demo client with its central number");
  await noRawKeys(page, "admin clients (de)");
  await shot(page, "admin-01-tenants-de");
  await axe(page, "admin clients list");

  // a wrong area code: the server's error at the field, nothing created
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await page.fill("#ad-name", "Beispiel GmbH");
  await page.selectOption("#ad-language", "en");
  await page.fill("#ad-area_code", "030");
  await page.fill("#ad-central_number", "030 1234500");
  await page.click("#admin-save");
  const want = 'must be 1 to 6 digits without the leading 0, like "221"';
  const got = await waitText(page, "#ad-area_code-error", want, T);
  check(got === want, "clients: area code 030 shows the server's error at the area-code field", got);
  check(await page.getAttribute("#ad-area_code-error", "role") === "alert" &&
    norm(await page.textContent("#admin-error")) === "",
    "clients: the error is announced at the field, not at the form");
  await shot(page, "admin-02-tenant-error-de");
  await axe(page, "admin client form with an error");
  let r = await apiGet(page, "/tenants");
  check(r.status === 200 && r.body.length === 1, "clients: the API has no new client after the error", JSON.stringify(r.body));

  await page.fill("#ad-area_code", "30");
  await page.click("#admin-save");
  await page.waitForSelector(row("Beispiel GmbH"), { timeout: T });
  r = await apiGet(page, "/tenants");
  const t2 = r.body.find((t) => t.name === "Beispiel GmbH");
  check(t2 && same(pick(t2, ["name", "language", "country_code", "area_code", "central_number"]),
    { name: "Beispiel GmbH", language: "en", country_code: "49", area_code: "30", central_number: "+49301234500" }),
  "clients: created, the API has exactly the form's fields", JSON.stringify(t2));

  await openRow(page, "Beispiel GmbH");
  check(await page.inputValue("#ad-central_number") === "+49301234500" &&
    await page.inputValue("#ad-language") === "en",
    "clients: the edit form shows the stored values");
  await page.fill("#ad-name", "Beispiel GmbH & Co. KG");
  await page.fill("#ad-central_number", "");
  await page.click("#admin-save");
  await page.waitForSelector(row("Beispiel GmbH & Co. KG"), { timeout: T });
  r = await apiGet(page, `/tenants/${t2.id}`);
  check(r.status === 200 && r.body.name === "Beispiel GmbH & Co. KG" && r.body.area_code === "30" &&
    r.body.language === "en" && r.body.central_number === null,
  "clients: renamed and central number cleared, the API agrees (other fields kept)", JSON.stringify(r.body));

  await openRow(page, "Beispiel GmbH & Co. KG");
  const q = await confirmDelete(page);
  check(q === "„Beispiel GmbH & Co. KG“ wirklich löschen?", "clients: delete asks first, naming the client", q);
  r = await apiGet(page, `/tenants/${t2.id}`);
  check(r.status === 404, "clients: deleted (API 404)", r.status);
}

async function numberBlocks(page) {
  await area(page, "number_blocks");
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await option(page, "#ad-tenant_id", "Mustermann AG");
  await page.fill("#ad-first", "0221 82830000");
  await page.fill("#ad-last", "0221 82830099");
  await noRawKeys(page, "admin number block form (de)");
  await page.click("#admin-save");
  await page.waitForSelector(row("+4922182830000"), { timeout: T });
  check(norm(await page.textContent(`${row("+4922182830000")} td[data-col=size]`)) === "100",
    "number blocks: 0221 82830000 to ...99 created, the list shows 100 numbers");
  let r = await apiGet(page, `/number_blocks?tenant_id=${TID}`);
  const blk = r.body.find((b) => b.first === "+4922182830000");
  check(blk && blk.last === "+4922182830099" && blk.size === 100 && blk.tenant_id === TID,
    "number blocks: in the API, normalised to E.164", JSON.stringify(blk));
  // overlapping: the server's error at the field it names, nothing created
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await option(page, "#ad-tenant_id", "Mustermann AG");
  await page.fill("#ad-first", "0221 82830050");
  await page.fill("#ad-last", "0221 82830150");
  await page.click("#admin-save");
  const want = "+4922182830050..+4922182830150 overlaps an existing block";
  const got = await waitText(page, "#ad-first-error", want, T);
  check(got === want, "number blocks: an overlapping block shows the server's error at 'Erste Rufnummer'", got);
  r = await apiGet(page, `/number_blocks?tenant_id=${TID}`);
  check(!r.body.some((b) => b.first === "+4922182830050"), "number blocks: nothing saved", JSON.stringify(r.body));
  await area(page, "number_blocks");
  await openRow(page, "+4922182830000");
  check(await page.isDisabled("#ad-first") && await page.isDisabled("#ad-last"),
    "number blocks: a block cannot be changed (fields fixed)");
  await confirmDelete(page);
  r = await apiGet(page, `/number_blocks/${blk?.id}`);
  check(r.status === 404, "number blocks: deleted after the question (API 404)", r.status);
}

async function queueAndNumber(page) {
  await area(page, "queues");
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await option(page, "#ad-tenant_id", "Mustermann AG");
  await page.fill("#ad-name", "Technik");
  await page.selectOption("#ad-strategy", "ring_all");
  await page.waitForSelector(`#ad-members-${ERIKA}`, { timeout: T });
  await page.check(`#ad-members-${ERIKA}`);
  await page.click("#admin-save");
  await page.waitForSelector(row("Technik"), { timeout: T });
  let r = await apiGet(page, `/queues?tenant_id=${TID}`);
  const queue = r.body.find((x) => x.name === "Technik");
  check(queue && queue.strategy === "ring_all" && same(queue.members, [{ employee_id: ERIKA, tier: 0 }]),
    "queues: Technik created with Erika as member (API)", JSON.stringify(queue));
  check(norm(await page.textContent(`${row("Technik")} td[data-col=members]`)) === "Erika Musterfrau",
    "queues: the list names the member");
  check(queue && queue.say_position === true && queue.say_wait === true && queue.announce_every === 60 &&
    queue.no_agents_type === "none" && queue.mailbox_id === null,
    "queues: a new queue keeps the API's defaults (position and wait announced every 60 s, no targets)",
    JSON.stringify(queue));
  // the queue's targets, mailbox and announcements in the form
  await openRow(page, "Technik");
  await page.selectOption("#ad-no_agents_type", "voicemail");
  await option(page, "#ad-no_agents_id", "Zentrale");
  await option(page, "#ad-mailbox_id", "Zentrale");
  await page.fill("#ad-announce_every", "30");
  await page.uncheck("#ad-say_wait");
  await page.fill("#ad-widen", "20 1");
  await page.selectOption(`#ad-members-${ERIKA}-tier`, "1");
  // a level beyond 10: the server's error at the skills field
  await page.fill("#ad-skills", "de 11 30");
  await page.click("#admin-save");
  const se = await waitText(page, "#ad-skills-error", "min_level: must be 1 to 10", T);
  check(/min_level/.test(se), "queues: skill level 11 shows the server's error at the skills field", se);
  await page.fill("#ad-skills", "de 5 30");
  await noRawKeys(page, "admin queue form (de)");
  await page.click("#admin-save");
  await page.waitForSelector(row("Technik"), { timeout: T });
  r = await apiGet(page, `/queues/${queue?.id}`);
  const mb = (await apiGet(page, `/mailboxes?tenant_id=${TID}`)).body.find((m) => m.name === "Zentrale");
  check(mb && r.body.no_agents_type === "voicemail" && r.body.no_agents_id === mb.id && r.body.mailbox_id === mb.id &&
    r.body.announce_every === 30 && r.body.say_wait === false && r.body.say_position === true &&
    r.body.timeout_type === "none" && r.body.closed_type === "none" &&
    same(r.body.skills, [{ skill: "de", min_level: 5, relax_after: 30 }]) &&
    same(r.body.widen, [{ after: 20, max_tier: 1 }]) && same(r.body.members, [{ employee_id: ERIKA, tier: 1 }]),
    "queues: edited: nobody logged in goes to the mailbox Zentrale, announcements every 30 s without the wait, " +
    "German at level 5 required for 30 s, Erika in tier 1, reached after 20 s (API)",
    JSON.stringify(r.body));
  await openRow(page, "Technik");
  await page.selectOption("#ad-no_agents_type", "none");
  await page.selectOption("#ad-no_agents_id", "");
  await page.click("#admin-save");
  await page.waitForSelector(row("Technik"), { timeout: T });
  r = await apiGet(page, `/queues/${queue?.id}`);
  check(r.body.no_agents_type === "none" && r.body.no_agents_id === null && r.body.mailbox_id === mb?.id,
    "queues: 'Kein Ziel' clears the target (API none), the rest kept", JSON.stringify(r.body));

  await area(page, "numbers");
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await option(page, "#ad-tenant_id", "Mustermann AG");
  await page.fill("#ad-e164", "0221 82829950");
  await page.selectOption("#ad-target_type", "queue");
  await option(page, "#ad-target_id", "Technik");
  await page.fill("#ad-description", "Hotline Technik");
  await noRawKeys(page, "admin number form (de)");
  await shot(page, "admin-03-number-form-de");
  await page.click("#admin-save");
  await page.waitForSelector(row("+4922182829950"), { timeout: T });
  check(norm(await page.textContent(`${row("+4922182829950")} td[data-col=target_type]`)) === "Warteschlange: Technik",
    "numbers: the list shows the target queue by name",
    await page.textContent(`${row("+4922182829950")} td[data-col=target_type]`));
  r = await apiGet(page, `/numbers?tenant_id=${TID}`);
  const num = r.body.find((n) => n.e164 === "+4922182829950");
  check(num && same(pick(num, ["tenant_id", "e164", "active", "target_type", "target_id", "description", "forwarded_calls"]),
    { tenant_id: TID, e164: "+4922182829950", active: true, target_type: "queue", target_id: queue?.id,
      description: "Hotline Technik", forwarded_calls: false }),
  "numbers: created pointing at the queue, the API has exactly the form's fields", JSON.stringify(num));

  await openRow(page, "+4922182829950");
  check(await page.isDisabled("#ad-e164") && await page.isDisabled("#ad-tenant_id"),
    "numbers: the fixed fields (number, client) cannot be edited");
  await page.fill("#ad-description", "Hotline Technik 2");
  await page.uncheck("#ad-active");
  await page.click("#admin-save");
  await page.waitForSelector(`${row("+4922182829950")} td[data-col=description]:text-is("Hotline Technik 2")`, { timeout: T });
  r = await apiGet(page, `/numbers/${num.id}`);
  check(r.body.description === "Hotline Technik 2" && r.body.active === false && r.body.target_type === "queue" &&
    r.body.target_id === queue?.id, "numbers: edited (description, inactive), target kept (API)", JSON.stringify(r.body));

  await openRow(page, "+4922182829950");
  await confirmDelete(page);
  r = await apiGet(page, `/numbers/${num.id}`);
  check(r.status === 404, "numbers: deleted after the question (API 404)", r.status);
}

async function device(page) {
  await area(page, "devices");
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await option(page, "#ad-tenant_id", "Mustermann AG");
  await option(page, "#ad-employee_id", "Erika Musterfrau");
  await page.fill("#ad-username", "erika.web");
  await page.fill("#ad-name", "Softclient");
  // too short: the server's error at the password field
  await page.fill("#ad-password", "kurz");
  await page.click("#admin-save");
  const want = "must be at least 8 characters";
  const got = await waitText(page, "#ad-password-error", want, T);
  check(got === want, "devices: a short password shows the server's error at the password field", got);
  await page.click("#ad-password-generate");
  const pw = await page.inputValue("#ad-password");
  check(/^[A-Za-z0-9]{16}$/.test(pw), "devices: a 16-character password is generated", pw);
  await page.click("#admin-save");
  await page.waitForSelector("#admin-once", { timeout: T });
  check(norm(await page.textContent("#admin-once-password")) === pw &&
    norm(await page.textContent("#admin-once-username")) === "erika.web",
  "devices: after the create the password is shown once with the user name");
  await shot(page, "admin-04-device-once-de");
  await page.click("#admin-once-done");
  await page.waitForSelector(row("erika.web"), { timeout: T });
  const body = norm(await page.locator("body").innerText());
  check(!body.includes(pw), "devices: the list does not show the password");
  let r = await apiGet(page, `/devices?tenant_id=${TID}`);
  const dev = r.body.find((d) => d.username === "erika.web");
  check(dev && same(pick(dev, ["tenant_id", "employee_id", "username", "name", "srtp"]),
    { tenant_id: TID, employee_id: ERIKA, username: "erika.web", name: "Softclient", srtp: "auto" }) &&
    !("password" in dev), "devices: created, the API has exactly the form's fields (no password)", JSON.stringify(dev));

  await openRow(page, "erika.web");
  check(await page.inputValue("#ad-password") === "", "devices: the edit form shows no password");
  await page.fill("#ad-name", "Softclient 2");
  await page.selectOption("#ad-srtp", "optional");
  await page.click("#admin-save");
  await page.waitForSelector(`${row("erika.web")} td[data-col=name]:text-is("Softclient 2")`, { timeout: T });
  r = await apiGet(page, `/devices/${dev.id}`);
  check(r.body.name === "Softclient 2" && r.body.srtp === "optional" && r.body.employee_id === ERIKA,
    "devices: edited (name, srtp), the API agrees", JSON.stringify(r.body));
  await openRow(page, "erika.web");
  await confirmDelete(page);
  r = await apiGet(page, `/devices/${dev.id}`);
  check(r.status === 404, "devices: deleted after the question (API 404)", r.status);
}

async function trunkAndAgent(page) {
  await area(page, "trunks");
  await page.click("#admin-new");
  await page.waitForSelector("#admin-form", { timeout: T });
  await page.fill("#ad-name", "Carrier B");
  await page.fill("#ad-host", "192.0.2.10");
  await page.fill("#ad-port", "5070");
  await page.selectOption("#ad-transport", "tcp");
  await page.fill("#ad-password", "s3cret-pass");
  await page.click("#admin-save");
  await page.waitForSelector(row("Carrier B"), { timeout: T });
  check(norm(await page.textContent(`${row("Carrier B")} td[data-col=host]`)) === "192.0.2.10:5070 (tcp)",
    "trunks: the list shows address, port and transport");
  await openRow(page, "Carrier B");
  check(await page.inputValue("#ad-password") === "" &&
    norm(await page.textContent("#ad-has-password")) === "Ein Passwort ist gespeichert.",
  "trunks: the form says a password is stored and shows none");
  await axe(page, "admin trunk form");
  await page.click("#admin-save"); // nothing changed: back to the list
  await page.waitForSelector(row("Carrier B"), { timeout: T });

  await area(page, "agents");
  await openRow(page, "Erika Musterfrau");
  await page.fill("#ad-skills", "de 9, en x");
  await page.click("#admin-save");
  const e = await waitText(page, "#ad-skills-error", /^skills\[1\]\.level: /, T);
  check(/^skills\[1\]\.level: /.test(e ?? ""), "agents: a bad level shows the server's error at the skills field", e);
  await page.fill("#ad-skills", "de 9, en 5");
  await page.click("#admin-save");
  await page.waitForSelector(`${row("Erika Musterfrau")} td[data-col=skills]:text-is("de 9, en 5")`, { timeout: T });
  check(true, "agents: the list shows Erika's new skills");

  // the operator steers Erika's state
  await openRow(page, "Erika Musterfrau");
  const state = async () => (await apiGet(page, `/agents/${ERIKA}`)).body;
  const shown = async (want) =>
    (await page.waitForSelector(`#aa-state[data-state="${want}"]`, { timeout: T }).catch(() => null)) !== null;
  const s0 = await state();
  if (s0.state !== "logged_out") {
    await page.click("#aa-logout");
    await shown("logged_out");
  }
  await page.click("#aa-login");
  check(await shown("available") && (await state()).state === "available" &&
    norm(await page.textContent("#aa-state")) === "Verfügbar",
  "agents: 'Anmelden' logs Erika in (API available, page Verfügbar)");
  await page.click("#aa-pause");
  const pe = await waitText(page, "#aa-error", "reason: is required for pause", T);
  check(pe === "reason: is required for pause" && (await state()).state === "available",
    "agents: a pause without a reason shows the server's error, the state stays", pe);
  await page.fill("#aa-reason", "Schulung");
  await page.click("#aa-pause");
  const sp = (await shown("paused")) && await state();
  check(sp && sp.state === "paused" && sp.reason === "Schulung" &&
    norm(await page.textContent("#aa-state")) === "Pause (Schulung)",
  "agents: 'Pause' with the reason Schulung (API and page)", JSON.stringify(sp));
  await page.click("#aa-unpause");
  check(await shown("available") && (await state()).state === "available", "agents: 'Pause beenden': available again");
  await page.click("#aa-logout");
  check(await shown("logged_out") && (await state()).state === "logged_out", "agents: 'Abmelden': logged out (API)");
  await axe(page, "admin agent form with its state");
}

async function english(page) {
  await page.selectOption("#lang-switch", "en");
  await area(page, "tenants");
  const h = await waitText(page, "#admin-title", "Clients", T);
  check(h === "Clients" && norm(await page.textContent('nav a[href="/admin"]')) === "Administration",
    "English: Clients, Administration", h);
  await noRawKeys(page, "admin clients (en)");
  await area(page, "queues");
  await openRow(page, "Technik");
  check(norm(await page.textContent('label[for="ad-ring_timeout"]')) === "Ring time (s)",
    "English: the queue form's labels");
  await noRawKeys(page, "admin queue form (en)");
  await shot(page, "admin-05-queue-form-en");
  await page.selectOption("#lang-switch", "de");
}

async function forbidden(browser) {
  const ctx = await browser.newContext({ locale: "de-DE", timezoneId: "Europe/Berlin" });
  const page = await ctx.newPage();
  await page.goto(URL + "/");
  await page.waitForSelector("#login-name");
  await login(page, CA, CA_PW);
  await page.waitForSelector('nav a[href="/office/dashboard"]', { timeout: T });
  await page.click('nav a[href="/office/dashboard"]');
  await page.waitForSelector("#od-title", { timeout: T });
  await page.waitForTimeout(1000); // the charts drawn
  await axe(page, "office dashboard");
  await page.click('nav a[href="/office/profile"]');
  await page.waitForSelector("#op-form", { timeout: T });
  await axe(page, "office profile");
  check(await page.locator('nav a[href="/admin"]').count() === 0,
    "client admin: no administration in the navigation");
  await page.goto(URL + "/admin/tenants");
  const h = await waitText(page, "#admin-forbidden-title", "Nicht erlaubt", T);
  check(h === "Nicht erlaubt" && (await page.locator("#admin-list, #admin-form").count()) === 0,
    "client admin: /admin/tenants typed by hand shows the calm 'not allowed' page", h);
  await shot(page, "admin-06-forbidden-de");
  const r = await apiGet(page, "/tenants");
  check(r.status === 403 && r.body.error === "role client_admin may not GET /api/v1/tenants",
    "client admin: the API answers 403 for the list of clients", JSON.stringify(r));
  const r2 = await apiGet(page, "/trunks");
  check(r2.status === 403, "client admin: the API answers 403 for the trunks", r2.status);
  await ctx.close();
}

async function agentConsole(browser) {
  const ctx = await browser.newContext({ locale: "de-DE", timezoneId: "Europe/Berlin" });
  const page = await ctx.newPage();
  await page.goto(URL + "/");
  await page.waitForSelector("#login-name");
  await axe(page, "login");
  await login(page, AG, AG_PW);
  await page.waitForSelector("#cs-title", { timeout: T });
  await waitText(page, "#cs-stream", "Live", T);
  await axe(page, "agent console");
  await ctx.close();
}

run(async () => {
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
    await login(page, OP, OP_PW);
    await page.waitForURL(URL + "/wallboard", { timeout: T }).catch(() => null);
    await page.waitForSelector("main#main h1", { timeout: T });
    await page.waitForTimeout(500);
    await axe(page, "wallboard");
    await tenants(page);
    await numberBlocks(page);
    await queueAndNumber(page);
    await device(page);
    await trunkAndAgent(page);
    await english(page);
    await ctx.close();
    await forbidden(browser);
    await agentConsole(browser);
  } finally {
    await browser.close();
  }
});
