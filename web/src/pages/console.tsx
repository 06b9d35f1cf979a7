// The agent console (issue 19, H2): the agent's state (log in to his
// queues, available, pause with a reason, wrap-up with its timer), the
// queues he serves and the callers waiting in them, and the screen pop of
// the call offered to him, shown at once from his event stream (the "pop"
// event comes before his desk phone rings), with the note form beside it.
// Frequent actions have keyboard shortcuts (Alt+A, Alt+P, Alt+N, Alt+S;
// on a call Alt+H hold, Alt+T consult, Alt+B blind, Alt+K complete,
// Alt+X hang up: consoleCall.tsx; the browser phone's Alt+R answer,
// Alt+M mute, and Alt+X decline or hang up while the console shows no
// call actions: consolePhone.tsx).
//
// The waiting callers and callbacks of his queues come from the API at
// load and after each queue event (consoleQueues.tsx).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, type Session } from "../api";
import { openEvents, type SbEvent, type StreamState } from "../events";
import { fmt, t, tDyn } from "../i18n";
import { PopView, type CallState } from "./consolePop";
import { NoteForm } from "./consoleNote";
import { CallActions } from "./consoleCall";
import { QueuePanel } from "./consoleQueues";
import { PhonePanel } from "./consolePhone";
import type { Agent, Pop } from "./consoleTypes";
import "./console.css";

const POP_KEY = "switchboard.console.pop"; // the record id of the last pop
/* call actions: the shortcut keys and the buttons they press */
const CALL_KEYS: Record<string, string> = {
  h: "call-hold",
  t: "call-consult",
  b: "call-blind",
  k: "call-complete",
  x: "call-hangup",
};

export function Console({ session }: { session: Session }) {
  const me = session.employee_id;
  const [agent, setAgent] = useState<Agent | null>(null);
  const [error, setError] = useState("");
  const [stream, setStream] = useState<StreamState>("connecting");
  const [pop, setPop] = useState<Pop | null>(null);
  const [call, setCall] = useState<CallState>("ringing");
  const [queueEv, setQueueEv] = useState<{ queue: number; n: number } | null>(
    null,
  );
  const [callEvents, setCallEvents] = useState<SbEvent[]>([]);
  const [reason, setReason] = useState(t("console.pause.default"));
  const [now, setNow] = useState(Date.now());
  const popRef = useRef<Pop | null>(null);
  popRef.current = pop;

  /* Every request that reads the agent takes a ticket; only the answer
   * to the newest one is shown.  Two state events close together (ringing,
   * then paused again) start two reads, and on a busy machine their answers
   * can come back the other way round: the older one must not win. */
  const ticket = useRef(0);
  const agentFrom = async (req: Promise<Agent>): Promise<Agent | null> => {
    const mine = ++ticket.current;
    const a = await req;
    if (mine === ticket.current) { // else a newer read is on its way
      setAgent(a);
      setError("");
    }
    return a;
  };

  const load = async (): Promise<Agent | null> => {
    if (me === null) return null;
    try {
      return await agentFrom(api<Agent>("GET", `/agents/${me}`));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : t("error.load"));
      return null;
    }
  };

  /* After a reload during a call: the pop of the call the page showed
   * last, again from the API (it has one while the call is offered to him
   * or he is on it). */
  const restore = async (a: Agent | null) => {
    const id = Number(sessionStorage.getItem(POP_KEY));
    if (!a || !id || (a.state !== "ringing" && a.state !== "on_call")) return;
    try {
      const p = await api<Pop>("GET", `/calls/${id}/pop`);
      if (popRef.current) return; // a newer one came meanwhile
      setPop(p);
      setCall(a.state === "on_call" ? "answered" : "ringing");
    } catch {
      sessionStorage.removeItem(POP_KEY);
    }
  };

  const act = async (action: string, body: Record<string, string> = {}) => {
    if (me === null) return;
    try {
      await agentFrom(
        api<Agent>("POST", `/agents/${me}/state`, { action, ...body }),
      );
    } catch (e) {
      setError(e instanceof ApiError ? e.message : t("error.network"));
    }
  };

  /* the one "ready for calls" action of the state he is in */
  const readyAction = (a: Agent | null): string | null =>
    !a
      ? null
      : a.state === "logged_out"
        ? "login"
        : a.state === "paused"
          ? "unpause"
          : a.state === "wrapup"
            ? "end_wrapup"
            : null;

  const onEvent = (ev: SbEvent) => {
    if (ev.class === "agent" && ev.type === "state") {
      const who = ev.agent as { id: number } | undefined;
      if (who?.id !== me) return;
      if (ev.state === "on_call") setCall("answered");
      else if (ev.state !== "ringing")
        setCall((c) => (c === "answered" ? "ended" : c));
      void load(); // wrapup_until, queue, since
    } else if (ev.class === "queue" && ev.type === "pop") {
      if (Number(ev.agent_id) !== me || !ev.pop) return;
      setPop(ev.pop as Pop);
      setCall("ringing");
      setCallEvents([]);
      sessionStorage.setItem(POP_KEY, String((ev.pop as Pop).record_id));
    } else if (ev.class === "queue" && (ev.type === "joined" || ev.type === "left")) {
      const q = Number(ev.queue_id);
      setQueueEv((o) => ({ queue: q, n: (o?.n ?? 0) + 1 }));
      const p = popRef.current;
      if (ev.type === "left" && p && Number(ev.record_id) === p.record_id &&
          ev.reason === "abandoned" && call === "ringing")
        setPop(null); // the caller hung up before he answered
    } else if (ev.class === "call" && ev.type === "consult") {
      const p = popRef.current;
      if (p && Number(ev.record_id) === p.record_id)
        setCallEvents((o) => [...o, ev]);
    }
  };
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  const focusNote = () => {
    const el = document.querySelector<HTMLElement>(
      "#note-form textarea, #note-form input, #note-form select",
    );
    el?.focus();
  };

  useEffect(() => {
    void load().then(restore);
    let wasDown = false;
    const close = openEvents(
      (ev) => onEventRef.current(ev),
      (s) => {
        setStream(s);
        if (s === "down") wasDown = true;
        if (s === "live" && wasDown) {
          wasDown = false;
          void load();
        }
      },
    );
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => {
      close();
      window.clearInterval(tick);
    };
  }, []);

  const agentRef = useRef(agent);
  agentRef.current = agent;
  const reasonRef = useRef(reason);
  reasonRef.current = reason;
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const k = e.key.toLowerCase();
      const a = agentRef.current;
      if (k === "a") {
        const r = readyAction(a);
        if (r) void act(r);
      } else if (k === "p") {
        if (a && a.state !== "logged_out" && a.state !== "paused")
          void act("pause", { reason: reasonRef.current.trim() });
      } else if (k === "n") focusNote();
      else if (k === "s")
        document.querySelector<HTMLFormElement>("#note-form")?.requestSubmit();
      else if (CALL_KEYS[k]) {
        const b = document.getElementById(CALL_KEYS[k]) as HTMLButtonElement | null;
        if (b && !b.disabled) b.click();
      } else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, []);

  if (me === null)
    return (
      <section aria-labelledby="cs-title">
        <h1 id="cs-title">{t("console.title")}</h1>
        <p class="error" role="alert" id="cs-no-employee">
          {t("console.no_employee")}
        </p>
      </section>
    );

  const ready = readyAction(agent);
  const wrapLeft =
    agent?.state === "wrapup" && agent.wrapup_until
      ? Date.parse(agent.wrapup_until) - now
      : null;
  const inState = agent?.since ? now - Date.parse(agent.since) : null;

  return (
    <section aria-labelledby="cs-title" class="console">
      <div class="cs-bar">
        <h1 id="cs-title">{t("console.title")}</h1>
        <div class="cs-state" aria-live="polite">
          <span class={`cs-state-badge ${agent?.state ?? ""}`} id="cs-state">
            {agent ? tDyn(`agent.state.${agent.state}`) : "…"}
            {agent?.reason ? ` (${agent.reason})` : ""}
          </span>
          {wrapLeft !== null ? (
            <span id="cs-wrapup" class="cs-timer">
              {t("console.wrapup_left", { time: fmt.duration(wrapLeft) })}
            </span>
          ) : (
            inState !== null && (
              <span class="muted cs-timer" id="cs-since">
                {t("console.in_state", { time: fmt.duration(inState) })}
              </span>
            )
          )}
        </div>
        <div class="cs-controls" role="group" aria-label={t("console.state_actions")}>
          <button
            type="button"
            id="cs-ready"
            disabled={!ready}
            onClick={() => ready && void act(ready)}
          >
            {ready === "login"
              ? t("console.action.login")
              : ready === "end_wrapup"
                ? t("console.action.end_wrapup")
                : t("console.action.available")}
            <kbd class="cs-kbd" aria-hidden="true">Alt+A</kbd>
          </button>
          <label for="cs-reason" class="sr-only">
            {t("console.pause.reason")}
          </label>
          <input
            id="cs-reason"
            class="cs-reason"
            maxLength={31}
            value={reason}
            placeholder={t("console.pause.reason")}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <button
            type="button"
            id="cs-pause"
            class="secondary"
            disabled={!agent || agent.state === "logged_out" || agent.state === "paused"}
            onClick={() => void act("pause", { reason: reason.trim() })}
          >
            {t("console.action.pause")}
            <kbd class="cs-kbd" aria-hidden="true">Alt+P</kbd>
          </button>
          <button
            type="button"
            id="cs-logout"
            class="secondary"
            disabled={!agent || agent.state === "logged_out"}
            onClick={() => void act("logout")}
          >
            {t("console.action.logout")}
          </button>
        </div>
        <p class="muted cs-streamline">
          <span class={`dot ${stream}`} aria-hidden="true" />
          <span id="cs-stream">{tDyn(`wallboard.stream.${stream}`)}</span>
        </p>
      </div>
      {error && (
        <p class="error" role="alert" id="cs-error">
          {error}
        </p>
      )}

      <p class="sr-only" role="status" aria-live="assertive" id="cs-announce">
        {pop && call === "ringing"
          ? t("console.pop.announce", { client: pop.tenant.name })
          : ""}
      </p>
      <div class="cs-grid">
        <div class="cs-main">
          {pop && <CallActions pop={pop} call={call} events={callEvents} />}
          {pop ? (
            <PopView pop={pop} call={call} />
          ) : (
            <p class="cs-idle muted" id="cs-idle">
              {t("console.idle")}
            </p>
          )}
        </div>
        <aside class="cs-side" aria-label={t("console.side")}>
          <PhonePanel />
          {pop && (
            <NoteForm
              pop={pop}
              onSaved={() => undefined}
            />
          )}
          {pop && (
            <button
              type="button"
              class="secondary"
              id="cs-close-pop"
              onClick={() => setPop(null)}
            >
              {t("console.close_pop")}
            </button>
          )}
          <h2 id="cs-queues">{t("console.queues")}</h2>
          <QueuePanel queues={agent?.queues ?? []} now={now} changed={queueEv} />
          <h2 id="cs-keys">{t("console.keys")}</h2>
          <dl class="cs-dl" aria-labelledby="cs-keys" id="cs-shortcuts">
            <div><dt><kbd>Alt+A</kbd></dt><dd>{t("console.key.ready")}</dd></div>
            <div><dt><kbd>Alt+P</kbd></dt><dd>{t("console.key.pause")}</dd></div>
            <div><dt><kbd>Alt+N</kbd></dt><dd>{t("console.key.note")}</dd></div>
            <div><dt><kbd>Alt+S</kbd></dt><dd>{t("console.key.save")}</dd></div>
            <div><dt><kbd>Alt+H</kbd></dt><dd>{t("console.key.hold")}</dd></div>
            <div><dt><kbd>Alt+T</kbd></dt><dd>{t("console.key.consult")}</dd></div>
            <div><dt><kbd>Alt+B</kbd></dt><dd>{t("console.key.blind")}</dd></div>
            <div><dt><kbd>Alt+K</kbd></dt><dd>{t("console.key.complete")}</dd></div>
            <div><dt><kbd>Alt+X</kbd></dt><dd>{t("console.key.hangup")}</dd></div>
            <div><dt><kbd>Alt+R</kbd></dt><dd>{t("console.key.answer")}</dd></div>
            <div><dt><kbd>Alt+M</kbd></dt><dd>{t("console.key.mute")}</dd></div>
          </dl>
        </aside>
      </div>
    </section>
  );
}
