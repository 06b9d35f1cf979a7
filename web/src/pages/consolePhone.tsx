// The browser phone panel of the agent console: the agent's audio in the
// browser (WebRTC to our server, ../phone.ts) instead of a desk phone.
// Connect state, an incoming call with answer/decline, dialling out,
// hang-up, mute and a keypad (RFC 4733 telephone-events).
import { useEffect, useRef, useState } from "preact/hooks";
import { Softphone } from "../phone";
import { t, tDyn } from "../i18n";

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

declare global {
  interface Window {
    sbPhone?: Softphone; // for the browser tests: its remote stream
  }
}

/* autoAnswer: asked when a call rings in; true answers it at once (the
 * assistants' page, /phone: the call that rings right after its own
 * click to call is that call's first leg, see phone.tsx). */
export function PhonePanel({ autoAnswer }: { autoAnswer?: () => boolean } = {}) {
  const [, setTick] = useState(0);
  const [error, setError] = useState("");
  const [ended, setEnded] = useState("");
  const [number, setNumber] = useState("");
  const phone = useRef<Softphone | null>(null);
  const audio = useRef<HTMLAudioElement | null>(null);

  useEffect(() => {
    const p = new Softphone(
      () => setTick((n) => n + 1),
      (reason) => setError(reason),
      (reason) => setEnded(reason),
    );
    phone.current = p;
    window.sbPhone = p;
    return () => {
      p.stop();
      window.sbPhone = undefined;
    };
  }, []);

  // Alt+R answer, Alt+X decline or hang up, Alt+M mute (console.tsx
  // lists them with its own).  Alt+X is the console's hang-up once it
  // shows the call's actions (consoleCall.tsx, through the API): then it
  // is left to it.
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const ph = phone.current;
      const call = ph?.call;
      if (!e.altKey || e.ctrlKey || e.metaKey || !ph || !call) return;
      const k = e.key.toLowerCase();
      if (k === "r") void ph.answer();
      else if (k === "x" && !document.getElementById("call-hangup"))
        ph.hangup();
      else if (k === "m" && call.stage === "talking") ph.mute(!call.muted);
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, []);

  const p = phone.current;
  const c = p?.call ?? null;
  useEffect(() => {
    if (audio.current && audio.current.srcObject !== (p?.remote ?? null))
      audio.current.srcObject = p?.remote ?? null;
  });

  const answered = useRef(0);
  useEffect(() => {
    if (!p || !c || c.dir !== "in" || c.stage !== "ringing" || answered.current === c.id) return;
    if (autoAnswer?.()) {
      answered.current = c.id;
      void p.answer();
    }
  });

  const state = p?.state ?? "connecting";
  return (
    <section class="ph" aria-labelledby="wp-title" id="wp">
      <h2 id="wp-title">{t("console.phone.title")}</h2>
      <p class="muted">
        <span class={`dot ${state === "ready" ? "live" : state}`} aria-hidden="true" />
        <span id="wp-state">{tDyn(`console.phone.state.${state}`)}</span>
      </p>
      {error && (
        <p class="error" role="alert" id="wp-error">
          {t("console.phone.error", { reason: error })}
        </p>
      )}
      <audio ref={audio} autoplay id="wp-audio" />
      {c ? (
        <div class="ph-call" id="wp-call" aria-live="polite">
          <p id="wp-peer">
            {c.dir === "in" ? t("console.phone.from") : t("console.phone.to")}{" "}
            <strong>{c.name ? `${c.name} (${c.peer})` : c.peer}</strong>
          </p>
          <p id="wp-stage">{tDyn(`console.phone.stage.${c.dir}.${c.stage}`)}</p>
          {c.media && c.media !== "up" && (
            <p class="error" id="wp-media">{tDyn(`console.phone.media.${c.media}`)}</p>
          )}
          <div role="group" aria-label={t("console.phone.actions")} class="ph-actions">
            {c.dir === "in" && c.stage === "ringing" && (
              <button type="button" id="wp-answer" onClick={() => void p?.answer()}>
                {t("console.phone.answer")}
                <kbd class="cs-kbd" aria-hidden="true">Alt+R</kbd>
              </button>
            )}
            <button type="button" id="wp-hangup" class="danger" onClick={() => p?.hangup()}>
              {c.dir === "in" && c.stage === "ringing" ? t("console.phone.decline") : t("console.phone.hangup")}
              <kbd class="cs-kbd" aria-hidden="true">Alt+X</kbd>
            </button>
            <button
              type="button"
              id="wp-mute"
              class="secondary"
              aria-pressed={c.muted}
              disabled={c.stage !== "talking"}
              onClick={() => p?.mute(!c.muted)}
            >
              {c.muted ? t("console.phone.unmute") : t("console.phone.mute")}
              <kbd class="cs-kbd" aria-hidden="true">Alt+M</kbd>
            </button>
          </div>
          {c.stage === "talking" && (
            <div class="ph-keypad" role="group" aria-label={t("console.phone.keypad")} id="wp-keypad">
              {KEYS.map((k) => (
                <button type="button" class="secondary" key={k} data-key={k} onClick={() => p?.dtmf(k)}>
                  {k}
                </button>
              ))}
            </div>
          )}
        </div>
      ) : (
        <form
          class="ph-dial"
          onSubmit={(e) => {
            e.preventDefault();
            setError("");
            setEnded("");
            if (number.trim()) void p?.dial(number.trim());
          }}
        >
          {ended && (
            <p class="muted" id="wp-ended">
              {t("console.phone.ended", { reason: ended })}
            </p>
          )}
          <label for="wp-number">{t("console.phone.number")}</label>
          <input
            id="wp-number"
            inputMode="tel"
            autoComplete="off"
            maxLength={32}
            value={number}
            onInput={(e) => setNumber((e.target as HTMLInputElement).value)}
          />
          <button type="submit" id="wp-dial" disabled={state !== "ready"}>
            {t("console.phone.dial")}
          </button>
        </form>
      )}
    </section>
  );
}
