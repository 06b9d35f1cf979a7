// webrtc.mjs - the browser checks of test/suites/webrtc.py: the console's
// browser phone (WebRTC terminated by Switchboard) in headless Chromium
// with a fake microphone playing $SB_TONE_WAV (1000 Hz), against real
// SIP calls of a baresip phone (440 Hz).  What the browser hears is
// measured with a WebAudio AnalyserNode on the remote stream (getStats
// audio levels stay 0 headless).  One JSON line per check; {"ready": x}
// asks the suite for its side, which answers with a line on stdin:
//   ready "incoming"   the suite lets baresip call the agent -> "dialled"
//   ready "talking"    the suite checks baresip hears 1000 Hz, hangs up
//                      from baresip -> "hungup"
//   ready "outgoing"   the browser dials $SB_CALLEE; the suite makes
//                      sure baresip answers -> "ok"
//   ready "out-talking" the suite checks baresip hears 1000 Hz -> "heard"
//   ready "out-hungup" the browser hung up: the suite checks baresip's
//                      call ended -> "ok"
// Environment: SB_URL, SB_AGENT "login:password", SB_CALLER (the number
// baresip shows), SB_CALLEE (the extension to dial), SB_TONE_WAV, SHOTS.
import { cat, check, emit, launchWithMic, line, login, noRawKeys, norm, peak, run, shot, waitFor, waitText } from "./common.mjs";

const env = process.env;
const URL = env.SB_URL;
const [AGENT, AGENT_PW] = env.SB_AGENT.split(":");

const mediaUp = () => window.sbPhone?.call?.media === "up";
const noCall = () => window.sbPhone && !window.sbPhone.call;

async function main() {
  const { browser, page } = await launchWithMic(URL, env.SB_TONE_WAV);
  try {
    await page.goto(URL + "/");
    await page.waitForSelector("#login-name");
    await login(page, AGENT, AGENT_PW);
    await page.waitForURL(URL + "/console", { timeout: 10000 }).catch(() => null);
    const st = await waitText(page, "#wp-state", "Bereit", 10000);
    check(st === "Bereit", "the console's browser phone connects (Bereit)", st);
    await noRawKeys(page, "console with the browser phone (de)");

    // ---- (a) a SIP phone calls the agent: the browser rings ----------
    emit({ ready: "incoming" });
    check((await line()) === "dialled", "the suite placed the call");
    const rang = await page.waitForSelector("#wp-answer", { timeout: 15000 }).catch(() => null);
    check(rang !== null, "the browser rings: an answer button");
    const peer = norm(await page.textContent("#wp-peer").catch(() => ""));
    check(peer.includes(env.SB_CALLER), `the caller is shown (${env.SB_CALLER})`, peer);
    check(norm(await page.textContent("#wp-stage").catch(() => "")) === "Es klingelt",
      "the call's stage: Es klingelt");
    await shot(page, "webrtc-01-ringing");
    await page.click("#wp-answer");
    const up = await waitFor(page, mediaUp, 15000);
    check(up, "the agent answers: DTLS-SRTP up (media state up)",
      await page.evaluate(() => JSON.stringify(window.sbPhone?.call)));
    check(await waitText(page, "#wp-stage", "Verbunden", 5000) === "Verbunden",
      "the call's stage: Verbunden");
    await page.waitForTimeout(800);
    const f1 = await peak(page);
    check(Math.abs(f1 - 440) <= 15, "the browser hears baresip's 440 Hz (WebAudio peak)", `${f1} Hz`);
    await shot(page, "webrtc-02-talking");
    emit({ ready: "talking" });
    check((await line()) === "hungup", "baresip heard the browser and hung up");
    check(await waitFor(page, noCall, 10000), "the hang-up from the SIP side ends the browser's call");
    const ended = await waitText(page, "#wp-ended", /^Gespräch beendet/, 3000);
    check(/^Gespräch beendet/.test(ended ?? ""), "the console says the call ended", ended);

    // ---- (f) the agent declines a ringing call ---------------------------
    emit({ ready: "decline" });
    check((await line()) === "dialled", "the suite placed the call to decline");
    const dr = await page.waitForSelector("#wp-answer", { timeout: 15000 }).catch(() => null);
    check(dr !== null && norm(await page.textContent("#wp-hangup").catch(() => "")) === "AblehnenAlt+X",
      "it rings with a decline button (Ablehnen)");
    await page.click("#wp-hangup");
    check(await waitFor(page, noCall, 3000), "declined: the browser has no call");
    emit({ ready: "declined" });
    check((await line()) === "ok", "the caller's call ended");

    // ---- (e) a queue call rings the browser, with the screen pop -------
    emit({ ready: "queue" });
    check((await line()) === "dialled", "the suite placed the queue call");
    const qr = await page.waitForSelector("#wp-answer", { timeout: 20000 }).catch(() => null);
    check(qr !== null, "the queue offers the call to the agent's browser: it rings");
    const client = await waitText(page, "#pop-client", "Mustermann AG", 5000);
    check(client === "Mustermann AG", "the screen pop shows the client while the browser rings", client);
    await shot(page, "webrtc-04-queue-ringing");
    await page.keyboard.press("Alt+r"); // the keyboard answers
    check(await waitFor(page, mediaUp, 15000), "the agent answers the queue call with Alt+R: media up");
    await page.waitForTimeout(800);
    const f3 = await peak(page);
    check(Math.abs(f3 - 440) <= 15, "the browser hears the queue caller's 440 Hz", `${f3} Hz`);
    emit({ ready: "queue-talking" });
    check((await line()) === "hungup", "the queue caller heard the agent and hung up");
    check(await waitFor(page, noCall, 10000), "the queue call ends in the browser too");

    // ---- (b) the browser calls the SIP phone -------------------------
    emit({ ready: "outgoing" });
    check((await line()) === "ok", "the suite is ready for the browser's call");
    await page.fill("#wp-number", env.SB_CALLEE);
    await page.click("#wp-dial");
    const up2 = await waitFor(page, mediaUp, 15000);
    check(up2, "the browser's call: DTLS-SRTP up");
    check(await waitText(page, "#wp-stage", "Verbunden", 15000) === "Verbunden",
      "baresip answered: Verbunden");
    await page.waitForTimeout(800);
    const f2 = await peak(page);
    check(Math.abs(f2 - 440) <= 15, "the browser hears the callee's 440 Hz", `${f2} Hz`);
    // mute with Alt+M: the microphone's track is off, and on again
    await page.keyboard.press("Alt+m");
    const muted = await page.evaluate(() => window.sbPhone?.call?.muted === true &&
      document.querySelector("#wp-mute")?.getAttribute("aria-pressed") === "true");
    check(muted && norm(await page.textContent("#wp-mute")) === "Stumm ausAlt+M",
      "Alt+M mutes (the button pressed: Stumm aus)", await page.textContent("#wp-mute"));
    await page.keyboard.press("Alt+m");
    check(await page.evaluate(() => window.sbPhone?.call?.muted === false), "Alt+M again: not muted");
    // a key from the keypad goes out as a telephone-event
    await page.click('#wp-keypad button[data-key="5"]');
    // and a key by message: a phone's SIP INFO to the bridged phone
    await page.waitForTimeout(600);
    await page.evaluate(() => window.sbPhone.send({ type: "dtmf", call: window.sbPhone.call.id, digit: "7" }));
    emit({ ready: "out-talking" });
    check((await line()) === "heard", "the callee heard the browser's 1000 Hz");
    await page.keyboard.press("Alt+x");
    check(await waitFor(page, noCall, 5000), "the agent hangs up in the browser with Alt+X");
    emit({ ready: "out-hungup" });
    check((await line()) === "ok", "the callee's call ended too");

    // ---- (c) a forged fingerprint: the server refuses DTLS ------------
    const forged = await page.evaluate(async (to) => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/phone`);
      const got = [];
      await new Promise((r) => (ws.onopen = r));
      ws.onmessage = (m) => got.push(JSON.parse(m.data));
      const pc = new RTCPeerConnection();
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      mic.getTracks().forEach((t) => pc.addTrack(t, mic));
      await pc.setLocalDescription(await pc.createOffer());
      // another certificate's fingerprint in what the server gets
      const sdp = pc.localDescription.sdp.replace(/a=fingerprint:sha-256 [0-9A-F:]+/,
        "a=fingerprint:sha-256 " + Array(32).fill("AB").join(":"));
      ws.send(JSON.stringify({ type: "call", to, sdp }));
      const end = Date.now() + 10000;
      while (Date.now() < end && !got.some((m) => m.type === "hangup")) {
        const a = got.find((m) => m.type === "answer");
        if (a && !pc.remoteDescription)
          await pc.setRemoteDescription({ type: "answer", sdp: a.sdp });
        await new Promise((r) => setTimeout(r, 100));
      }
      pc.close();
      mic.getTracks().forEach((t) => t.stop());
      ws.close();
      return got.map((m) => m.type + (m.state ? ":" + m.state : ""));
    }, env.SB_CALLEE);
    check(forged.includes("media:refused") && forged.includes("hangup") && !forged.includes("media:up"),
      "a forged a=fingerprint: the server refuses the DTLS session (media refused, hangup)",
      forged.join(" "));

    // ---- errors as JSON with a reason --------------------------------
    const errs = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/phone`);
      const got = [];
      await new Promise((r) => (ws.onopen = r));
      ws.onmessage = (m) => got.push(JSON.parse(m.data));
      ws.send("not json");
      ws.send(JSON.stringify({ type: "call", to: "1001" }));
      ws.send(JSON.stringify({ type: "accept", call: 99, sdp: "v=0" }));
      ws.send(JSON.stringify({ type: "dtmf", call: 99, digit: "5" }));
      ws.send(JSON.stringify({ type: "bogus" }));
      await new Promise((r) => setTimeout(r, 800));
      ws.close();
      return got.filter((m) => m.type === "error").map((m) => m.reason);
    });
    check(JSON.stringify(errs) === JSON.stringify([
      "a JSON object is expected", "sdp: an SDP offer is required",
      "call: no such incoming call", "call: no such call", "type: unknown"]),
    "bad messages are answered with errors naming the field", JSON.stringify(errs));
    await shot(page, "webrtc-03-idle");

    // ---- English -------------------------------------------------------
    await page.selectOption("#lang-switch", "en");
    const enTitle = await waitText(page, "#wp-title", cat.en["console.phone.title"], 3000);
    check(enTitle === "Browser phone" &&
      norm(await page.textContent("#wp-state")) === cat.en["console.phone.state.ready"] &&
      norm(await page.textContent("label[for=wp-number]")) === cat.en["console.phone.number"],
    "English: the phone panel's texts", `${enTitle} / ${await page.textContent("#wp-state")}`);
    await noRawKeys(page, "console with the browser phone (en)");
    await shot(page, "webrtc-05-idle-en");
    await page.selectOption("#lang-switch", "de");

    // ---- logging out ends the phone (seen at its next ping, <= 15 s) ----
    const closed = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/phone`);
      await new Promise((r) => (ws.onopen = r));
      const done = new Promise((r) => (ws.onclose = (e) => r(`${e.code} ${e.reason}`)));
      const s = await (await fetch("/api/v1/sessions/current")).json();
      const out = await fetch("/api/v1/sessions/current",
        { method: "DELETE", headers: { "X-CSRF-Token": s.csrf_token } });
      const why = await Promise.race([done, new Promise((r) => setTimeout(() => r("still open"), 25000))]);
      return `${out.status} ${why}`;
    }).catch((e) => String(e));
    check(closed === "204 1008 token revoked",
      "after the logout the phone's socket is closed: 1008 token revoked", closed);
  } finally {
    await browser.close();
  }
}

run(main);
