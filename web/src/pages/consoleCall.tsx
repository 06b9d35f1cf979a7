// The call actions of the agent console (issue 19, H2): hold and resume,
// a transfer with consultation to an employee of the pop (the server
// tries the employee, the substitute, the person on call: the chain's
// progress is shown live from the "consult" events), a blind transfer,
// hang up.  A desk phone cannot be answered from here: the agent is told
// to answer on the phone.  Shortcuts: Alt+H hold/resume, Alt+T consult,
// Alt+B blind, Alt+K complete, Alt+X hang up (not Alt+E: the browser's
// menu on Windows and Linux; console.tsx binds them to
// the buttons by id).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { SbEvent } from "../events";
import { t, tDyn } from "../i18n";
import type { CallState } from "./consolePop";
import type { Pop } from "./consoleTypes";

/* One step of the consultation chain as the events tell it. */
export interface ChainStep {
  consult_id: number | null;
  step: string | null; // employee, substitute, oncall
  employee_id: number | null;
  state: string; // ringing, failed, answered, declined, exhausted, ...
  message: string | null;
  sip_code: number | null;
  key?: string;
}

/* The chain of a call from its "consult" events (class call). */
export function chainOf(events: SbEvent[], recordId: number): ChainStep[] {
  const steps: ChainStep[] = [];
  for (const ev of events) {
    if (ev.class !== "call" || ev.type !== "consult") continue;
    if (Number(ev.record_id) !== recordId) continue;
    const s: ChainStep = {
      consult_id: ev.consult_id == null ? null : Number(ev.consult_id),
      step: (ev.step as string) ?? null,
      employee_id: ev.employee_id == null ? null : Number(ev.employee_id),
      state: String(ev.state),
      message: (ev.message as string) ?? null,
      sip_code: ev.sip_code == null ? null : Number(ev.sip_code),
    };
    /* one line per attempt; the end of the chain a line of its own */
    const key = s.state === "exhausted" ? "x" : String(ev.attempt);
    s.key = key;
    const i = steps.findIndex((x) => x.key === key);
    if (i >= 0) steps[i] = { ...steps[i], ...s, message: s.message ?? steps[i].message };
    else steps.push(s);
  }
  return steps;
}

type Phase = "idle" | "consulting" | "done";

export function CallActions({
  pop,
  call,
  events,
}: {
  pop: Pop;
  call: CallState;
  events: SbEvent[];
}) {
  const id = pop.record_id;
  const [held, setHeld] = useState(false);
  const [target, setTarget] = useState<number>(pop.employees[0]?.id ?? 0);
  const [phase, setPhase] = useState<Phase>("idle");
  const [message, setMessage] = useState("");
  const [err, setErr] = useState("");
  const [info, setInfo] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setHeld(false);
    setPhase("idle");
    setErr("");
    setInfo("");
    setMessage("");
    setTarget(pop.employees[0]?.id ?? 0);
  }, [id]);

  const chain = chainOf(events, id);
  const last = chain[chain.length - 1];
  const answered = chain.find((s) => s.state === "answered");
  const over =
    last &&
    (last.state === "exhausted" || last.state === "declined" ||
      last.state === "cancelled" || last.state === "taken");
  /* the chain ended by itself: nobody took it, or the employee declined */
  useEffect(() => {
    if (phase === "consulting" && over) setPhase("done");
  }, [phase, over]);

  const name = (emp: number | null) =>
    pop.employees.find((e) => e.id === emp)?.name ?? (emp ? `#${emp}` : "");

  const run = async (f: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setErr("");
    try {
      await f();
    } catch (e) {
      setErr(e instanceof ApiError ? e.message : t("error.network"));
    } finally {
      setBusy(false);
    }
  };

  const hold = () =>
    run(async () => {
      const r = await api<{ on_hold: boolean }>(
        "POST",
        `/calls/${id}/${held ? "resume" : "hold"}`,
        {},
      );
      setHeld(r.on_hold);
    });
  const consult = () =>
    run(async () => {
      await api("POST", `/calls/${id}/transfer`, {
        mode: "attended",
        escalate: true,
        to: { type: "employee", id: target },
      });
      setHeld(false);
      setInfo("");
      setPhase("consulting");
    });
  const blind = () =>
    run(async () => {
      await api("POST", `/calls/${id}/transfer`, {
        mode: "blind",
        to: { type: "employee", id: target },
      });
      setInfo(t("console.call.blind_done", { name: name(target) }));
    });
  const complete = () =>
    run(async () => {
      await api("POST", `/calls/${id}/transfer/complete`, {});
      setPhase("done");
      setInfo(t("console.call.completed"));
    });
  const cancel = (declined: boolean) =>
    run(async () => {
      const body: Record<string, unknown> = declined
        ? { declined: true, message: message.trim() || undefined }
        : {};
      await api("POST", `/calls/${id}/transfer/cancel`, body);
      setPhase("done");
      setInfo(
        declined ? t("console.call.declined_note") : t("console.call.cancelled"),
      );
    });
  const hangup = () =>
    run(async () => {
      await api("POST", `/calls/${id}/hangup`, {});
      setInfo(t("console.call.hung_up"));
    });

  if (call === "ringing")
    return (
      <p class="cs-hint" id="call-answer-hint" role="note">
        {t("console.call.answer_on_phone")}
      </p>
    );
  if (call === "ended")
    return info ? (
      <p class="muted" id="call-info">
        {info}
      </p>
    ) : null;

  const consulting = phase === "consulting";
  const stepText = (s: ChainStep) => {
    const who = name(s.employee_id);
    const step = s.step ? tDyn(`console.chain.step.${s.step}`) : "";
    switch (s.state) {
      case "ringing":
        return t("console.chain.ringing", { step, name: who });
      case "answered":
        return t("console.chain.answered", { step, name: who });
      case "failed":
        return t("console.chain.failed", { step, name: who });
      case "declined":
        return s.message
          ? t("console.chain.declined_msg", { name: who, message: s.message })
          : t("console.chain.declined", { name: who });
      case "exhausted":
        return t("console.chain.exhausted");
      default:
        return `${step} ${who}: ${s.state}`;
    }
  };

  return (
    <section class="cs-block cs-call" aria-labelledby="call-h" id="call-actions">
      <h3 id="call-h">{t("console.call.title")}</h3>
      <div class="cs-actions" role="group" aria-label={t("console.call.title")}>
        <button
          type="button"
          id="call-hold"
          class="secondary"
          disabled={busy || consulting}
          aria-pressed={held}
          onClick={() => void hold()}
        >
          {held ? t("console.call.resume") : t("console.call.hold")}
          <kbd class="cs-kbd" aria-hidden="true">Alt+H</kbd>
        </button>
        <button type="button" id="call-hangup" class="danger" disabled={busy}
          onClick={() => void hangup()}>
          {t("console.call.hangup")}
          <kbd class="cs-kbd" aria-hidden="true">Alt+X</kbd>
        </button>
        {held && (
          <span id="call-held" class="cs-badge ringing" role="status">
            {t("console.call.on_hold")}
          </span>
        )}
      </div>
      <div class="cs-transfer">
        <label for="call-target">{t("console.call.target")}</label>
        <select
          id="call-target"
          value={String(target)}
          disabled={busy || consulting}
          onChange={(e) => setTarget(Number((e.target as HTMLSelectElement).value))}
        >
          {pop.employees.map((e) => (
            <option key={e.id} value={String(e.id)}>
              {e.name}
              {e.availability?.text ? ` – ${e.availability.text}` : ""}
            </option>
          ))}
        </select>
        <div class="cs-actions">
          <button type="button" id="call-consult" disabled={busy || consulting || !target}
            onClick={() => void consult()}>
            {t("console.call.consult")}
            <kbd class="cs-kbd" aria-hidden="true">Alt+T</kbd>
          </button>
          <button type="button" id="call-blind" class="secondary"
            disabled={busy || consulting || !target} onClick={() => void blind()}>
            {t("console.call.blind")}
            <kbd class="cs-kbd" aria-hidden="true">Alt+B</kbd>
          </button>
        </div>
      </div>
      {chain.length > 0 && (
        <ol class="cs-chain" id="call-chain" aria-live="polite">
          {chain.map((s, i) => (
            <li key={i} data-state={s.state} data-step={s.step ?? ""}>
              {stepText(s)}
            </li>
          ))}
        </ol>
      )}
      {consulting && (
        <div class="cs-actions" id="call-consulting">
          <button type="button" id="call-complete" disabled={busy || !answered}
            onClick={() => void complete()}>
            {t("console.call.complete")}
            <kbd class="cs-kbd" aria-hidden="true">Alt+K</kbd>
          </button>
          <button type="button" id="call-cancel" class="secondary" disabled={busy}
            onClick={() => void cancel(false)}>
            {t("console.call.cancel")}
          </button>
        </div>
      )}
      {(consulting && answered) || (last?.state === "declined" && !last.message) ? (
        <div class="cs-field">
          <label for="call-message">{t("console.call.message")}</label>
          <input
            id="call-message"
            maxLength={500}
            value={message}
            onInput={(e) => setMessage((e.target as HTMLInputElement).value)}
          />
          <button type="button" id="call-declined" class="secondary" disabled={busy}
            onClick={() => void cancel(true)}>
            {t("console.call.declined")}
          </button>
        </div>
      ) : null}
      {last && (last.state === "exhausted" || last.state === "declined") && (
        <p class="cs-hint" id="call-take-note" role="alert">
          {t("console.call.take_note")}
        </p>
      )}
      {info && (
        <p class="muted" id="call-info" role="status">
          {info}
        </p>
      )}
      {err && (
        <p class="error" id="call-error" role="alert">
          {err}
        </p>
      )}
    </section>
  );
}
