// common.mjs - what the browser scripts of test/web share: playwright-core
// from web/node_modules, the catalogues, one JSON line per check on stdout
// ({"check", "ok", "detail"}), waiting for a text, screenshots, the check
// for untranslated keys, the login through the page, and lines from the
// suite on stdin (the suite's side of a call: "answered", ...).
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const WEB_DIR = process.env.WEB_DIR;
const require = createRequire(join(WEB_DIR, "package.json"));
export const { chromium } = require("playwright-core");
export const cat = {
  de: JSON.parse(readFileSync(join(WEB_DIR, "src/i18n/de.json"), "utf8")),
  en: JSON.parse(readFileSync(join(WEB_DIR, "src/i18n/en.json"), "utf8")),
};
const KEYS = Object.keys(cat.de);

export const result = { failed: 0 };
export function emit(o) {
  process.stdout.write(JSON.stringify(o) + "\n");
}
export function check(ok, what, detail = "") {
  if (!ok) result.failed++;
  emit({ check: what, ok: !!ok, detail: ok ? "" : String(detail) });
  return ok;
}
/* the text with every kind of space as one plain space */
export const norm = (s) => (s ?? "").replace(/\s+/g, " ").trim();

/* the text of sel once it is want (or what it is after ms) */
export async function waitText(page, sel, want, ms) {
  const end = Date.now() + ms;
  let got = null;
  while (Date.now() < end) {
    got = norm(await page.locator(sel).first().textContent({ timeout: 1000 }).catch(() => null));
    if (want instanceof RegExp ? want.test(got ?? "") : got === want) return got;
    await page.waitForTimeout(100);
  }
  return got;
}

export async function shot(page, name) {
  mkdirSync(process.env.SHOTS, { recursive: true });
  await page.screenshot({ path: join(process.env.SHOTS, name + ".png"), fullPage: true });
}

/* No untranslated key on the page: no "??key??" of t(), no catalogue key
 * shown as it is. */
export async function noRawKeys(page, what) {
  const text = await page.locator("body").innerText();
  const raw = KEYS.filter((k) => text.includes(k));
  check(!text.includes("??") && raw.length === 0,
    `${what}: no untranslated key`, text.includes("??") ? text.slice(0, 200) : raw.join(", "));
}

export async function login(page, name, pw) {
  await page.fill("#login-name", name);
  await page.fill("#login-password", pw);
  await page.press("#login-password", "Enter"); // the keyboard submits
}

export async function launch() {
  const args = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...args, "--disable-dev-shm-usage"],
  });
}

/* the strongest frequency the browser hears from the far end [Hz] */
export async function peak(page) {
  return page.evaluate(async () => {
    const s = window.sbPhone?.remote;
    if (!s || !s.getAudioTracks().length) return -1;
    const ac = new AudioContext();
    await ac.resume();
    const an = ac.createAnalyser();
    an.fftSize = 8192;
    ac.createMediaStreamSource(s).connect(an);
    const bins = new Float32Array(an.frequencyBinCount);
    let best = -1;
    let bestDb = -Infinity;
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 100));
      an.getFloatFrequencyData(bins);
      for (let b = 2; b < bins.length; b++) {
        if (bins[b] > bestDb) {
          bestDb = bins[b];
          best = (b * ac.sampleRate) / an.fftSize;
        }
      }
    }
    await ac.close();
    return bestDb > -90 ? Math.round(best) : -2;
  });
}

/* poll fn in the page every 100 ms until it is true or ms passed */
export async function waitFor(page, fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await page.evaluate(fn).catch(() => false)) return true;
    await page.waitForTimeout(100);
  }
  return false;
}

/* A Chromium whose fake microphone plays wav, microphone allowed for
 * url, and a de-DE page in Berlin time that fails a check on any script
 * error: { browser, page }. */
export async function launchWithMic(url, wav) {
  const args = process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [];
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...args, "--disable-dev-shm-usage",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--autoplay-policy=no-user-gesture-required"],
  });
  try {
    const ctx = await browser.newContext({
      locale: "de-DE",
      timezoneId: "Europe/Berlin",
      viewport: { width: 1400, height: 1000 },
    });
    await ctx.grantPermissions(["microphone"], { origin: url });
    const page = await ctx.newPage();
    page.on("pageerror", (e) => check(false, "no script error on the page", e.message));
    return { browser, page };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/* The suite's lines on stdin, one at a time: await line() */
const lines = [];
const waiters = [];
let reading = false;
export function line(ms = 60000) {
  if (!reading) {
    reading = true; // read stdin only in a script that asks for lines
    createInterface({ input: process.stdin }).on("line", (l) => {
      const w = waiters.shift();
      if (w) w(l.trim());
      else lines.push(l.trim());
    });
  }
  if (lines.length) return Promise.resolve(lines.shift());
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      const i = waiters.indexOf(resolve);
      if (i >= 0) waiters.splice(i, 1);
      resolve(null);
    }, ms);
    waiters.push((l) => {
      clearTimeout(t);
      resolve(l);
    });
  });
}

/* the end of a script: exit 1 on a failed check or a throw */
export function run(main) {
  main().then(
    () => process.exit(result.failed ? 1 : 0),
    (e) => {
      check(false, "the browser script ran to its end", e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : e);
      process.exit(1);
    },
  );
}
