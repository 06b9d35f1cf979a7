// phone.mjs - the browser checks of test/suites/web_phone.py: the
// assistants' page /phone with its own browser phone (issue 19, G1, G2),
// headless Chromium with a fake microphone playing $SB_TONE_WAV (1000 Hz);
// the callee is a baresip on the carrier's side (440 Hz).  What the
// browser hears is measured with a WebAudio AnalyserNode on the remote
// stream.  One JSON line per check; {"ready": x} asks the suite for its
// side, which answers with a line on stdin:
//   ready "talking"  (n: 1 or 2) the callee answered: the suite checks
//                    what it got (From, P-Asserted-Identity, 1000 Hz) -> "ok"
//   ready "hungup"   (n, record_id) the page hung up: the suite checks
//                    the record and the callee's end -> "ok"
// Environment: SB_URL, SB_AGENT "login:password", SB_NUMBER (typed, without
// the 0), SB_DIALLED (E.164), SB_TONE_WAV, SHOTS.
import { cat, check, emit, launchWithMic, line, login, noRawKeys, norm, peak, run, shot, waitFor, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const [AGENT, AGENT_PW] = env.SB_AGENT.split(":");

const mediaUp = () => window.sbPhone?.call?.media === "up" && window.sbPhone.call.stage === "talking";
const noCall = () => window.sbPhone && !window.sbPhone.call;

/* one click to call from the page; manual: answer with the panel's button */
async function oneCall(page, n, manual) {
  await page.fill("#ph-number", env.SB_NUMBER);
  check(norm(await page.textContent("#ph-e164")) === env.SB_DIALLED,
    `call ${n}: the page shows the number it dials`, await page.textContent("#ph-e164"));
  await page.click("#ph-call");
  if (manual) {
    const rang = await page.waitForSelector("#wp-answer", { timeout: 15000 }).catch(() => null);
    check(rang !== null && norm(await page.textContent("#wp-stage")) === "Es klingelt",
      `call ${n}: the browser phone on the same page rings (Es klingelt)`,
      await page.textContent("#wp-stage").catch(() => ""));
    // the ringing comes on the phone's socket, the record in the answer to
    // POST /calls: on a busy machine either may be first
    const asks = await waitText(page, "#ph-state", cat.de["phone.phase.calling"], 10000);
    check(asks === cat.de["phone.phase.calling"], `call ${n}: the page asks to answer`, asks);
    await page.click("#wp-answer");
  } // else nobody clicks: the page answers its own call
  check(await waitFor(page, mediaUp, 20000) &&
    await page.evaluate(() => window.sbPhone?.call?.dir === "in"),
  `call ${n}: the browser phone answered its leg, DTLS-SRTP up`,
    await page.evaluate(() => JSON.stringify(window.sbPhone?.call)));
  const st = await waitText(page, "#ph-state", cat.de["phone.phase.answered"], 20000);
  check(st === cat.de["phone.phase.answered"], `call ${n}: the callee answered: Verbunden`, st);
  const rid = Number(await page.getAttribute("#ph-call-box", "data-record-id"));
  emit({ ready: "talking", n, record_id: rid });
  check((await line()) === "ok", `call ${n}: the suite checked the callee`);
  await page.waitForTimeout(500);
  const f = await peak(page);
  check(Math.abs(f - 440) <= 15, `call ${n}: the browser hears the callee's 440 Hz`, `${f} Hz`);
  await shot(page, `phone-0${n}-talking`);
  await page.click("#ph-hangup");
  const ended = await waitText(page, "#ph-state", cat.de["phone.phase.ended"], 10000);
  check(ended === cat.de["phone.phase.ended"], `call ${n}: hung up from the page: Anruf beendet`, ended);
  check(await waitFor(page, noCall, 10000), `call ${n}: the browser phone's call ends too`);
  emit({ ready: "hungup", n, record_id: rid });
  check((await line()) === "ok", `call ${n}: the suite checked the record`);
}

async function main() {
  const { browser, page } = await launchWithMic(URL, env.SB_TONE_WAV);
  try {
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await login(page, AGENT, AGENT_PW);
    await page.waitForURL(URL + "/console", { timeout: 10000 }).catch(() => null);
    await page.goto(URL + "/phone");
    const title = await waitText(page, "#ph-title", cat.de["phone.title"], 10000);
    check(title === cat.de["phone.title"], "the assistants' page /phone", title);
    const st = await waitText(page, "#wp-state", "Bereit", 10000);
    check(st === "Bereit", "its own browser phone connects (Bereit)", st);
    const dup = await page.evaluate(() => {
      const seen = new Set();
      const d = [];
      for (const e of document.querySelectorAll("[id]")) {
        if (seen.has(e.id)) d.push(e.id);
        seen.add(e.id);
      }
      return d;
    });
    check(dup.length === 0, "no element id twice on the page (page and phone panel)", dup.join(","));
    check(await page.isChecked("#ph-auto") === false, "automatic answer is off at first");
    await noRawKeys(page, "phone page with the browser phone (de)");
    await shot(page, "phone-00-ready");

    // ---- 1: the assistant answers in the browser by hand ---------------
    await oneCall(page, 1, true);

    // ---- 2: answered automatically (ticked; kept over a reload) --------
    await page.check("#ph-auto");
    await page.reload();
    check(await waitText(page, "#wp-state", "Bereit", 10000) === "Bereit", "after a reload: Bereit");
    check(await page.isChecked("#ph-auto"), "the automatic answer is kept over a reload");
    await oneCall(page, 2, false);

    // ---- English -------------------------------------------------------
    await page.selectOption("#lang-switch", "en");
    const en = await waitText(page, "#wp-title", cat.en["console.phone.title"], 3000);
    const lbl = norm(await page.textContent("label:has(#ph-auto)"));
    check(en === cat.en["console.phone.title"] && lbl === cat.en["phone.auto_answer"] &&
      norm(await page.textContent("#ph-title")) === cat.en["phone.title"],
    "English: the page's and the phone panel's texts", `${en} / ${lbl}`);
    await noRawKeys(page, "phone page with the browser phone (en)");
    await page.selectOption("#lang-switch", "de");
    await page.uncheck("#ph-auto");
  } finally {
    await browser.close();
  }
}

run(main);
