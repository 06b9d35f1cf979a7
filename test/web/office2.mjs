// office2.mjs - the browser checks of test/suites/web_office2.py: the back
// office's week view, VIP and caller lists, on-call schedules, dashboard
// with charts and notes, in headless Debian Chromium driven by
// playwright-core.  One JSON line per check (common.mjs); screenshots
// $SHOTS/office2-*.png.
//
// Environment: SB_URL, SB_CA / SB_SUB "login:password", SB_ENV (JSON from
// the suite: ids, this week's Monday, the Berlin dates and the UTC times
// the API must keep for the form's inputs), SHOTS, WEB_DIR.
import { cat, check, launch, login, noRawKeys, norm, run, shot as shot0, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const E = JSON.parse(env.SB_ENV);
const [CA, CA_PW] = env.SB_CA.split(":");
const [SUB, SUB_PW] = env.SB_SUB.split(":");
const T = 10000;
const shot = (page, name) => shot0(page, "office2-" + name);
const texts = async (page, sel) => (await page.locator(sel).allTextContents()).map(norm);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

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
  await page.waitForSelector(ready, { timeout: T });
}
/* poll f() until it is truthy (or ms pass); its last value */
async function until(page, f, ms = T) {
  const end = Date.now() + ms;
  let v;
  while (Date.now() < end) {
    v = await f();
    if (v) return v;
    await page.waitForTimeout(100);
  }
  return v;
}
const addDays = (d, n) => {
  const t = new Date(d + "T12:00:00Z");
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
};

async function calendar(page) {
  await goNav(page, "/office/calendar", "#oc-grid");
  const tue = addDays(E.monday, 1), wed = addDays(E.monday, 2), thu = addDays(E.monday, 3);
  const row = (eid) => `#oc-grid tr[data-employee-id="${eid}"]`;
  const chips = (eid, day) => texts(page, `${row(eid)} td[data-day="${day}"] .oc-app`);
  await page.waitForSelector(`${row(E.max)} .oc-app`, { timeout: T });
  const mx = [await chips(E.max, E.monday), await chips(E.max, tue), await chips(E.max, wed),
    await chips(E.max, thu), await chips(E.max, addDays(E.monday, 4))];
  check(same(mx, [[], ["09:00–… Messe in Köln"], ["…–… Messe in Köln"], ["…–17:00 Messe in Köln"], []]),
    "week view: Max's appointment in the three Berlin days it touches (09:00 Tue to 17:00 Thu)", JSON.stringify(mx));
  const info = norm(await page.textContent(`${row(E.erika)} [data-role=absence-info]`));
  check(info === "Nur vormittags im Hause.", "week view: Erika's absence info in her row", info);
  const week = norm(await page.textContent("#oc-week"));
  check(/^Woche vom \d{2}\.\d{2}\.\d{4} bis \d{2}\.\d{2}\.\d{4}$/.test(week) &&
    week.startsWith(`Woche vom ${E.monday.slice(8, 10)}.${E.monday.slice(5, 7)}.`),
    "week view: this week from Monday, dates in de-DE form", week);
  await noRawKeys(page, "week view (de)");
  await shot(page, "01-calendar-de");

  // the admin keeps Erika's absence info from her row
  await page.click(`${row(E.erika)} .oc-info-edit`);
  await page.waitForSelector("#oc-info-form");
  check((await page.inputValue("#oc-info-text")) === "Nur vormittags im Hause.", "week view: the absence info form shows Erika's text");
  await page.fill("#oc-info-text", "Nur nachmittags im Hause.");
  await page.click("#oc-info-save");
  const ni = await waitText(page, `${row(E.erika)} [data-role=absence-info]`, "Nur nachmittags im Hause.", T);
  const ai = await apiGet(page, `/employees/${E.erika}/absence_info`);
  check(ni === "Nur nachmittags im Hause." && ai.body.text === "Nur nachmittags im Hause." &&
    (await page.locator("#oc-info-form").count()) === 0,
    "week view: Erika's absence info changed from her row, in the API", `${ni} ${JSON.stringify(ai.body)}`);

  // create for Erika on Wednesday: first the server's error at "Bis"
  await page.click(`${row(E.erika)} td[data-day="${wed}"] .oc-add`);
  await page.waitForSelector("#oc-form");
  check((await page.inputValue("#oc-employee")) === String(E.erika) &&
    (await page.inputValue("#oc-starts")) === `${wed}T09:00`,
    "week view: '+' in Erika's Wednesday opens the form for her, 09:00 that day");
  await page.fill("#oc-ends", `${wed}T08:00`);
  await page.fill("#oc-text", "Zahnarzt");
  await page.click("#oc-save");
  const ee = await waitText(page, "#oc-ends-error", "must be after starts_at", T);
  check(ee === "must be after starts_at", "week view: an end before the start shows the server's error at 'Bis'", ee);
  await shot(page, "02-calendar-error-de");
  await page.fill("#oc-ends", `${wed}T12:00`);
  await page.click("#oc-save");
  await page.waitForSelector(`${row(E.erika)} td[data-day="${wed}"] .oc-app`, { timeout: T });
  const c1 = await chips(E.erika, wed);
  let api = await apiGet(page, `/appointments?employee_id=${E.erika}`);
  const a = api.body[0] ?? {};
  check(same(c1, ["09:00–12:00 Zahnarzt"]) && api.body.length === 1 && a.starts_at === E.wed9 &&
    a.ends_at === E.wed12 && a.text === "Zahnarzt",
    "week view: the new appointment shows, and the API has it at the UTC times of 09:00-12:00 Berlin",
    `${JSON.stringify(c1)} ${JSON.stringify(api.body)} want ${E.wed9}`);
  // edit
  await page.click(`${row(E.erika)} .oc-app[data-app-id="${a.id}"]`);
  await page.waitForSelector("#oc-form");
  check((await page.inputValue("#oc-starts")) === `${wed}T09:00` && (await page.inputValue("#oc-ends")) === `${wed}T12:00`,
    "week view: the form shows the appointment in Berlin time");
  await page.fill("#oc-text", "Zahnarzt, danach erreichbar");
  await page.click("#oc-save");
  await waitText(page, `${row(E.erika)} td[data-day="${wed}"] .oc-app`, "09:00–12:00 Zahnarzt, danach erreichbar", T);
  api = await apiGet(page, `/appointments/${a.id}`);
  check(api.status === 200 && api.body.text === "Zahnarzt, danach erreichbar",
    "week view: the edit is in the API", JSON.stringify(api));
  // delete
  await page.click(`${row(E.erika)} .oc-app[data-app-id="${a.id}"]`);
  await page.click("#oc-delete");
  await page.click("#oc-delete-yes");
  await until(page, async () => (await page.locator(`${row(E.erika)} .oc-app`).count()) === 0);
  api = await apiGet(page, `/appointments/${a.id}`);
  check(api.status === 404 && (await page.locator(`${row(E.erika)} .oc-app`).count()) === 0,
    "week view: deleted after the confirmation, the API says 404", JSON.stringify(api));
  // next week: Max's appointment is not there
  await page.click("#oc-next");
  // the week's appointments read (data-loaded), not only its header drawn
  await until(page, async () => (await page.getAttribute("#oc-week", "data-loaded")) === addDays(E.monday, 7));
  check((await page.locator(".oc-app").count()) === 0, "week view: the next week has no appointments");
  await page.click("#oc-today");
}

async function callers(page) {
  await goNav(page, "/office/callers", "#ov-list");
  const vipRow = await texts(page, "#ov-list tbody tr:first-child td[data-col]");
  check(same(vipRow, ["+4930777888", "Dr. Anna Schmitz", "Vorstand", "ganzes Unternehmen"]),
    "VIPs: Dr. Anna Schmitz with number, info and 'ganzes Unternehmen'", JSON.stringify(vipRow));
  const guide = norm(await page.textContent("#ov-guide [data-role=guide]"));
  check(guide === "VIP: sofort mit Namen begrüßen.", "VIPs: the profile's VIP call guide is shown", guide);
  await page.waitForSelector("#oal-list");
  const allow = await texts(page, "#oal-list tbody tr td[data-col]");
  check(same(allow, ["+4989555123", "Steuerberater", "Erika Musterfrau", "unbefristet"]),
    "allow list: +4989555123 to Erika, no end", JSON.stringify(allow));
  await page.waitForSelector("#obl-list");
  await noRawKeys(page, "callers (de)");
  await shot(page, "03-callers-de");

  await page.click("#ov-new");
  await page.fill("#ov-number", "abc");
  await page.fill("#ov-name", "Herr Wichtig");
  await page.fill("#ov-note", "Bitte duzen");
  await page.selectOption("#ov-employee_id", String(E.erika));
  await page.click("#ov-save");
  const ne = await waitText(page, "#ov-number-error", /valid E\.164/, T);
  check(ne === "abc is not a valid E.164 phone number", "VIPs: a wrong number shows the server's error at the number", ne);
  await shot(page, "04-vip-error-de");
  await page.fill("#ov-number", "030 555666");
  await page.click("#ov-save");
  await until(page, async () => (await page.locator("#ov-list tbody tr").count()) === 2);
  let api = await apiGet(page, `/vips?tenant_id=${E.tid}`);
  const v = api.body.find((x) => x.name === "Herr Wichtig") ?? {};
  check(v.number === "+4930555666" && v.employee_id === E.erika && v.note === "Bitte duzen" &&
    (await texts(page, `#ov-list tr[data-id="${v.id}"] td[data-col=employee_id]`))[0] === "Erika Musterfrau",
    "VIPs: created through the form, in the API as +4930555666 for Erika", JSON.stringify(api.body));
  await page.click(`#ov-list button[data-edit="${v.id}"]`);
  check((await page.inputValue("#ov-number")) === "+4930555666", "VIPs: the form shows the stored number");
  await page.fill("#ov-note", "Bitte siezen");
  await page.click("#ov-save");
  await waitText(page, `#ov-list tr[data-id="${v.id}"] td[data-col=note]`, "Bitte siezen", T);
  api = await apiGet(page, `/vips/${v.id}`);
  check(api.body.note === "Bitte siezen", "VIPs: the edit is in the API", JSON.stringify(api.body));
  await page.click(`#ov-list button[data-edit="${v.id}"]`);
  await page.click("#ov-delete");
  await page.click("#ov-delete-yes");
  await until(page, async () => (await page.locator("#ov-list tbody tr").count()) === 1);
  api = await apiGet(page, `/vips/${v.id}`);
  check(api.status === 404, "VIPs: deleted (API 404)", JSON.stringify(api));

  await page.click("#obl-new");
  await page.fill("#obl-number", "0221 999*");
  await page.fill("#obl-note", "Werbung");
  await page.click("#obl-save");
  await until(page, async () => (await page.locator("#obl-list tbody tr").count()) === 2);
  const bl = await texts(page, "#obl-list tbody td[data-col=number]");
  check(same(bl.sort(), ["+49221123*", "+49221999*"]), "block list: the prefix is added as +49221999*", JSON.stringify(bl));
}

async function oncall(page) {
  const card = `#oo-${E.schedule}`;
  await goNav(page, "/office/oncall", `${card} [data-role=plan] tbody tr`);
  await until(page, async () => (await page.locator(`${card} [data-role=plan] tbody tr`).count()) === 8);
  const now = await apiGet(page, `/oncall_schedules/${E.schedule}/now`);
  const first = await page.locator(`${card} [data-role=plan] tbody tr`).first();
  check((await page.locator(`${card} [data-role=plan] tbody tr`).count()) === 8 &&
    norm(await first.locator("[data-col=who]").textContent()) === now.body.name &&
    (await first.getAttribute("data-source")) === "rotation",
    "on-call: the plan's first row is who the API says is on call now, 8 changes ahead", JSON.stringify(now.body));
  const who = await texts(page, `${card} [data-role=plan] tbody [data-col=who]`);
  check(who.every((w, i) => i === 0 || w !== who[i - 1]) &&
    new Set(who).size === 2, "on-call: the plan alternates Max and Erika", JSON.stringify(who));
  await noRawKeys(page, "on-call (de)");
  await shot(page, "05-oncall-de");

  await page.click(`${card} [data-role=new-override]`);
  await page.selectOption(`#oo-${E.schedule}-employee`, String(E.erika));
  await page.fill(`#oo-${E.schedule}-starts`, `${E.today}T18:00`);
  await page.fill(`#oo-${E.schedule}-ends`, `${E.today}T17:00`);
  await page.fill(`#oo-${E.schedule}-note`, "Tausch");
  await page.click(`${card} [data-role=save-override]`);
  const oe = await waitText(page, `#oo-${E.schedule}-ends-error`, "must be after starts_at", T);
  check(oe === "must be after starts_at", "on-call: an override ending before its start shows the error at 'Bis'", oe);
  await page.fill(`#oo-${E.schedule}-ends`, `${E.tomorrow}T08:00`);
  await page.click(`${card} [data-role=save-override]`);
  await page.waitForSelector(`${card} [data-override-id]`, { timeout: T });
  let api = await apiGet(page, `/oncall_overrides?schedule_id=${E.schedule}`);
  const o = api.body[0] ?? {};
  check(api.body.length === 1 && o.employee_id === E.erika && o.starts_at === E.today18 &&
    o.ends_at === E.tomorrow8 && o.note === "Tausch" &&
    norm(await page.textContent(`${card} [data-override-id="${o.id}"] [data-col=who]`)) === "Erika Musterfrau",
    "on-call: the override is in the API at the UTC times of 18:00 today to 08:00 tomorrow Berlin",
    JSON.stringify(api.body));
  await shot(page, "06-oncall-override-de");
  await page.click(`${card} button[data-delete="${o.id}"]`);
  const cq = norm(await page.textContent(`${card} [role=alertdialog] p`));
  check(/^Die Vertretung von Erika Musterfrau ab \d{2}\.\d{2}\.\d{4}, 18:00 wirklich löschen\?$/.test(cq),
    "on-call: deleting an override asks first", cq);
  await page.click(`${card} [data-role=delete-yes]`);
  await until(page, async () => (await page.locator(`${card} [data-override-id]`).count()) === 0);
  api = await apiGet(page, `/oncall_overrides/${o.id}`);
  check(api.status === 404, "on-call: the override deleted (API 404)", JSON.stringify(api));

  await page.click("#oo-new");
  await page.fill("#oo-name", "Leerer Plan");
  await page.fill("#oo-start_date", E.monday);
  await page.click("#oo-save");
  const me = await waitText(page, "#oo-members-error", /member/, T);
  check(me === "at least one member is required", "on-call: a schedule without members shows the error at the members", me);
  api = await apiGet(page, `/oncall_schedules?tenant_id=${E.tid}`);
  check(api.body.length === 1, "on-call: nothing was saved", JSON.stringify(api.body));
}

const chartData = (page, id) =>
  page.$eval(id, (c) => ({
    labels: c.sbChart.data.labels,
    data: c.sbChart.data.datasets.map((d) => d.data),
    kinds: c.sbChart.data.datasets.map((d) => d.type),
  }));

async function dashboard(page) {
  await goNav(page, "/office/dashboard", "#od-chart-day");
  const from = addDays(E.today, -6);
  const st = (await apiGet(page, `/tenants/${E.tid}/call_stats?from=${from}&to=${E.today}`)).body;
  const dash = (await apiGet(page, `/tenants/${E.tid}/dashboard?limit=20`)).body;
  await page.waitForSelector("#od-calls tbody tr");
  const rows = await page.locator("#od-calls tbody tr").count();
  const concern = norm(await page.textContent(`#od-calls tr[data-call-id="${E.c1}"] [data-role=concern]`));
  const c1 = dash.calls.find((c) => c.id === E.c1);
  check(rows === 4 && dash.calls.length === 4 && concern === c1.note.concern && concern.endsWith("…") &&
    [...concern].length === 81,
    "dashboard: the 4 latest calls, the note shortened by the server to 80 characters and …", `${rows} ${concern}`);
  const day = await chartData(page, "#od-chart-day");
  check(day.labels.length === 7 && day.data.length === 5 &&
    same(day.data[0], st.per_day.map((d) => d.calls)) && same(day.data[1], st.per_day.map((d) => d.answered)) &&
    same(day.data[2], st.per_day.map((d) => d.transferred)) &&
    same(day.data[3], st.per_day.map((d) => d.abandoned)) && same(day.data[4], st.per_day.map((d) => d.notes)) &&
    day.data[0].reduce((x, y) => x + y, 0) === 4,
    "chart per day: 7 days, calls/answered/transferred/abandoned/notes exactly the API's", JSON.stringify(day));
  check(/^[A-Z][a-z]\., \d{2}\.\d{2}\.$/.test(day.labels[0]), "chart per day: de-DE day labels", day.labels[0]);
  const hour = await chartData(page, "#od-chart-hour");
  check(hour.labels.length === 24 && hour.data[0].length === 24 && same(hour.data[0], st.per_hour.map((h) => h.calls)) &&
    hour.data[0][9] === 1 && hour.data[0][10] === 1 && hour.data[0][14] === 1 && hour.data[0][16] === 1,
    "chart per hour: 24 bars, one call each at 9, 10, 14 and 16 Berlin", JSON.stringify(hour.data[0]));
  const emp = await chartData(page, "#od-chart-employee");
  check(same(emp.labels, ["Erika Musterfrau", "Max Mustermann"]) && same(emp.data, [[2, 1]]),
    "chart per employee: Erika 2 notes, Max 1", JSON.stringify(emp));
  const out = await chartData(page, "#od-chart-outcome");
  check(same(out.data, [[3, 1, 2, 1]]) && out.labels.length === 4,
    "chart answered/transferred/notes/abandoned: 3, 1, 2, 1", JSON.stringify(out));
  const speed = await chartData(page, "#od-chart-speed");
  check(same(speed.data, [[12, 20]]) && st.answer_p50_s === 12 && st.answer_p90_s === 20,
    "chart answer speed: p50 12 s, p90 20 s (the API's)", JSON.stringify(speed));
  const fig = norm(await page.textContent("[data-figure=answer_p90_s] dd"));
  check(norm(await page.textContent("[data-figure=calls] dd")) === "4" && fig === "20 s", "dashboard: the figures", fig);
  await noRawKeys(page, "dashboard (de)");
  await shot(page, "07-dashboard-de");

  await page.fill("#od-from", addDays(E.today, -2));
  await page.click("#od-show");
  const d3 = await until(page, async () => {
    const d = await chartData(page, "#od-chart-day").catch(() => null);
    return d && d.labels.length === 3 ? d : null;
  });
  check(d3 && same(d3.data[0], [0, 2, 0]),
    "dashboard: a range of 3 days redraws the chart with 3 points (yesterday's 2 calls)", JSON.stringify(d3));
  await page.fill("#od-to", addDays(E.today, -3));
  await page.click("#od-show");
  const te = await waitText(page, "#od-to-error", "must not be before from", T);
  check(te === "must not be before from" && (await page.locator("#od-stats").count()) === 0,
    "dashboard: 'to' before 'from' shows the server's error at 'Bis'", te);
  await shot(page, "08-dashboard-error-de");
  await page.fill("#od-to", E.today);
  await page.fill("#od-from", addDays(E.today, -6));
  await page.click("#od-show");
  await page.waitForSelector("#od-stats");
}

async function notes(page) {
  await goNav(page, "/office/notes", "#on-list");
  for (const n of [E.n1, E.n2]) {
    const api = (await apiGet(page, `/notes/${n}/deliveries`)).body;
    const want = api.map((d) => `${d.channel}:${d.state}`).sort();
    const got = (await page.locator(`#on-list tr[data-note-id="${n}"] [data-role=deliveries] li[data-channel]`)
      .evaluateAll((ls) => ls.map((l) => `${l.dataset.channel}:${l.dataset.state}`))).sort();
    check(same(got, want) && want.length > 0, `notes: note ${n} shows each delivery of the API per channel`,
      `${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
  }
  const d1 = await texts(page, `#on-list tr[data-note-id="${E.n1}"] [data-role=deliveries] li`);
  check(d1.some((x) => /^E-Mail Max Mustermann: zugestellt \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/.test(x)) &&
    d1.some((x) => x.startsWith("SMS Erika Musterfrau: fehlgeschlagen (")),
    "notes: 'E-Mail ... zugestellt' with the de-DE time, 'SMS ... fehlgeschlagen' with the reason", JSON.stringify(d1));
  const reads = await page.locator(`#on-list tr[data-note-id="${E.n1}"] [data-role=reads] li`)
    .evaluateAll((ls) => ls.map((l) => [Number(l.dataset.employeeId), l.dataset.read, l.textContent.trim()]));
  const mx = reads.find((r) => r[0] === E.max) ?? [];
  const er = reads.find((r) => r[0] === E.erika) ?? [];
  check(mx[1] === "acknowledged" && /^Max Mustermann: bestätigt \d{2}\.\d{2}\.\d{4}/.test(mx[2]) &&
    er[1] === "unread" && er[2] === "Erika Musterfrau: ungelesen",
    "notes: Max acknowledged note 1, Erika has not read it", JSON.stringify(reads));
  await noRawKeys(page, "notes (de)");
  await shot(page, "09-notes-de");
  // paging: the day 30 days ago holds 52 notes, a page is 50
  await page.fill("#on-from", E.old);
  await page.fill("#on-to", E.old);
  await page.click("#on-show");
  await page.waitForFunction(() => document.querySelectorAll("#on-list tbody tr").length === 50 &&
    !!document.querySelector("#on-more"), null, { timeout: 10000 }).catch(() => {});
  const first = await page.locator("#on-list tbody tr").evaluateAll((rs) => rs.map((r) => Number(r.dataset.noteId)));
  const names1 = await texts(page, "#on-list tbody tr td:nth-child(2) strong");
  check(first.length === 50 && names1[0] === "Alt 51" && names1[49] === "Alt 02" &&
    (await page.locator("#on-more").count()) === 1,
    "notes: a range of 52 notes shows the newest 50 and 'Ältere Notizen laden'", `${first.length} ${names1[0]} ${names1[49]}`);
  await page.click("#on-more");
  await page.waitForFunction(() => document.querySelectorAll("#on-list tbody tr").length >= 52, null, { timeout: 10000 })
    .catch(() => {});
  const all = await page.locator("#on-list tbody tr").evaluateAll((rs) => rs.map((r) => Number(r.dataset.noteId)));
  const names2 = await texts(page, "#on-list tbody tr td:nth-child(2) strong");
  check(all.length === E.old_notes && new Set(all).size === all.length && names2[50] === "Alt 01" &&
    names2[51] === "Alt 00" && (await page.locator("#on-more").count()) === 0,
    "notes: 'Ältere Notizen laden' adds the 2 older ones, no note twice, then the button is gone",
    `${all.length} ${names2.slice(48).join(",")}`);
}

async function english(page) {
  await page.selectOption("#lang-switch", "en");
  const screens = [
    ["/office/dashboard", "#od-chart-day", "#od-title", "Dashboard"],
    ["/office/calendar", "#oc-grid", "#oc-title", "Absences and appointments"],
    ["/office/callers", "#ov-list", "#ocl-title", "VIP callers, allow and block lists"],
    ["/office/oncall", `#oo-${E.schedule}`, "#oo-title", "On-call schedules"],
    ["/office/notes", "#on-list", "#on-title", "Call notes"],
  ];
  for (const [href, ready, title, want] of screens) {
    await goNav(page, href, ready);
    const got = norm(await page.textContent(title));
    check(got === want, `English: ${href} is '${want}'`, got);
    await noRawKeys(page, `${href} (en)`);
    await shot(page, `10-${href.split("/")[2]}-en`);
  }
  await goNav(page, "/office/dashboard", "#od-chart-day");
  const lab = (await chartData(page, "#od-chart-day")).labels[0];
  check(/^[A-Z][a-z]{2}, \d{2}\/\d{2}$/.test(lab), "English: the chart's day labels in English form", lab);
  const note = norm(await page.textContent(`#od-calls tr[data-call-id="${E.c1}"] [data-col=note]`));
  check(note.startsWith("URGENT Frau Müller:"), "English: the dashboard's note", note);
  await page.selectOption("#lang-switch", "de");
}

async function subaccount(page) {
  await page.click("text=Abmelden");
  await page.waitForURL(URL + "/login", { timeout: T });
  await login(page, SUB, SUB_PW);
  await page.waitForURL(URL + "/office/absence", { timeout: T });
  // its own week: only Max's row, and it enters an appointment itself
  await page.waitForSelector(`#oc-grid tr[data-employee-id="${E.max}"] .oc-app`, { timeout: T });
  const rows = await page.locator("#oc-grid tbody tr").evaluateAll((rs) => rs.map((r) => r.dataset.employeeId));
  check(same(rows, [String(E.max)]) && (await page.locator("#oc-grid .oc-app").count()) === 3 &&
    !(await page.locator("main").innerText()).includes("Erika"),
    "the sub-account's week view: only Max's row, his appointment in 3 days", JSON.stringify(rows));
  const fri = addDays(E.monday, 4);
  await page.click(`#oc-grid tr[data-employee-id="${E.max}"] td[data-day="${fri}"] .oc-add`);
  await page.fill("#oc-text", "Homeoffice");
  await page.click("#oc-save");
  await page.waitForSelector(`#oc-grid td[data-day="${fri}"] .oc-app`, { timeout: T });
  let mine = await apiGet(page, `/appointments?employee_id=${E.max}`);
  const ho = mine.body.find((x) => x.text === "Homeoffice") ?? {};
  const table = await until(page, async () => (await page.locator("#oa-apps tbody tr").count()) === 2);
  check(mine.status === 200 && mine.body.length === 2 && ho.employee_id === E.max && table,
    "the sub-account enters its own appointment (API: Max's), its list shows both", JSON.stringify(mine.body));
  await shot(page, "12-subaccount-week-de");
  await page.click(`#oc-grid .oc-app[data-app-id="${ho.id}"]`);
  await page.click("#oc-delete");
  await page.click("#oc-delete-yes");
  await until(page, async () => (await page.locator(`#oc-grid td[data-day="${fri}"] .oc-app`).count()) === 0);
  mine = await apiGet(page, `/appointments/${ho.id}`);
  check(mine.status === 404, "the sub-account deletes it again (API 404)", JSON.stringify(mine));
  const foreign = await apiGet(page, `/appointments?employee_id=${E.erika}`);
  check(foreign.status === 200 && foreign.body.every((x) => x.employee_id === E.max),
    "the sub-account asking for Erika's appointments gets its own only", JSON.stringify(foreign));
  const screens = [
    ["/office/calendar", "#oc-load-error", `/employees?tenant_id=${E.tid}&sort=name`],
    ["/office/callers", "#ocl-load-error", `/employees?tenant_id=${E.tid}&sort=name`],
    ["/office/oncall", "#oo-load-error", `/oncall_schedules?tenant_id=${E.tid}`],
    ["/office/dashboard", "#od-load-error", `/tenants/${E.tid}/dashboard?limit=20`],
  ];
  for (const [href, sel, path] of screens) {
    await page.goto(URL + href);
    const txt = await waitText(page, sel, cat.de["office.forbidden"], T);
    const api = await apiGet(page, path);
    const body = await page.locator("main").innerText();
    check(txt === cat.de["office.forbidden"] && (await page.getAttribute(sel, "data-status")) === "403" &&
      api.status === 403 && !body.includes("Erika") && !body.includes("Schmitz"),
      `the sub-account typing ${href}: 'nicht freigegeben', no data (API 403)`, `${txt} ${api.status}`);
  }
  const vips = await apiGet(page, `/vips?tenant_id=${E.tid}`);
  const stats = await apiGet(page, `/tenants/${E.tid}/call_stats`);
  check(vips.status === 403 && stats.status === 403, "the sub-account: VIPs and statistics are 403 in the API",
    `${vips.status} ${stats.status}`);
  await shot(page, "11-subaccount-refused-de");
}

async function main() {
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ locale: "de-DE", timezoneId: "Europe/Berlin", viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => check(false, "no script error on the page", e.message));
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await login(page, CA, CA_PW);
    await page.waitForURL(URL + "/start", { timeout: T });
    for (const [name, f] of [["calendar", calendar], ["callers", callers], ["oncall", oncall],
      ["dashboard", dashboard], ["notes", notes], ["english", english], ["subaccount", subaccount]]) {
      try {
        await f(page);
      } catch (e) {
        check(false, `${name}: the steps ran to their end`, e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : e);
        await shot(page, `fail-${name}`).catch(() => null);
        await page.goto(URL + "/start").catch(() => null);
      }
    }
  } finally {
    await browser.close();
  }
}

run(main);
