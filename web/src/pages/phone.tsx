// The assistants' softphone (issue 19, G1, G2; seeds/000): pick the
// client task the call is booked to (GET /tasks: an assistant lists only
// the active tasks it assists), choose the country (name and prefix, the
// EU first), type the number without the leading 0, call: a click to
// call with task_id (POST /calls) - the assistant's own phone rings
// first, then the number is dialled and the callee sees the client's
// central number.  A number outside the EU is refused by the server (403
// "individual offer"), shown as it says.  The running call is followed
// on the event stream (its record's call events) and can be hung up
// (POST /calls/:id/hangup).  The page connects the browser phone itself
// (PhonePanel, ../phone.ts): an assistant without a desk phone needs no
// other tab.  The server does not mark which browser call is the first
// leg of a click to call (its "invite" carries only the call, from and
// name), so the page answers the one that rings within AUTO_MS after its
// own POST /calls was sent, once, if the assistant ticked "answer in the
// browser automatically" (kept in localStorage; off by default: with a
// desk phone the assistant answers there); any other call rings as usual.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, type Session } from "../api";
import { openEvents, type SbEvent } from "../events";
import { currentLang, t, tDyn } from "../i18n";
import { PhonePanel } from "./consolePhone";
import "./console.css";

const AUTO_MS = 10000;
const AUTO_KEY = "sb.phone.auto";

interface Task {
  id: number;
  tenant_id: number;
  area: string;
  name: string;
  active: boolean;
}
interface CallRec {
  id: number;
  from_number: string;
  to_number: string;
  answered_at: string | null;
}

/* ISO region and country code; the EU's 27 first, then others the
 * server refuses (an individual offer). */
const EU: [string, string][] = [
  ["DE", "49"], ["AT", "43"], ["BE", "32"], ["BG", "359"], ["HR", "385"],
  ["CY", "357"], ["CZ", "420"], ["DK", "45"], ["EE", "372"], ["FI", "358"],
  ["FR", "33"], ["GR", "30"], ["HU", "36"], ["IE", "353"], ["IT", "39"],
  ["LV", "371"], ["LT", "370"], ["LU", "352"], ["MT", "356"], ["NL", "31"],
  ["PL", "48"], ["PT", "351"], ["RO", "40"], ["SK", "421"], ["SI", "386"],
  ["ES", "34"], ["SE", "46"],
];
const OTHER: [string, string][] = [
  ["CH", "41"], ["GB", "44"], ["NO", "47"], ["LI", "423"], ["IS", "354"],
  ["TR", "90"], ["US", "1"], ["CA", "1"], ["AU", "61"],
];

function countryName(code: string): string {
  try {
    return new Intl.DisplayNames([currentLang()], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

type Phase = "idle" | "calling" | "ringing" | "answered" | "ended";

export function Phone({ session }: { session: Session }) {
  const me = session.employee_id;
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [task, setTask] = useState(0);
  const [country, setCountry] = useState("DE");
  const [number, setNumber] = useState("");
  const [err, setErr] = useState("");
  const [rec, setRec] = useState<CallRec | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [busy, setBusy] = useState(false);
  const autoUntil = useRef(0);
  const [auto, setAuto] = useState(() => localStorage.getItem(AUTO_KEY) === "1");
  const recRef = useRef<CallRec | null>(null);
  recRef.current = rec;
  /* The phase the events told of calls the page does not know yet: the
   * events of our call may come before the answer to its POST /calls on a
   * busy machine (another connection); it is taken over with the answer. */
  const early = useRef(new Map<number, Phase>());

  useEffect(() => {
    api<Task[]>("GET", "/tasks")
      .then((l) => {
        const active = l.filter((x) => x.active);
        setTasks(active);
        if (active.length) setTask(active[0].id);
      })
      .catch((e) => {
        setTasks([]);
        setErr(e instanceof ApiError ? e.message : t("error.load"));
      });
    return openEvents(
      (ev: SbEvent) => {
        if (ev.class !== "call") return;
        const p: Phase | null =
          ev.type === "bridged"
            ? "answered"
            : ev.type === "answered"
              ? "ringing"
              : ev.type === "ended"
                ? "ended"
                : null;
        if (!p) return;
        const id = Number(ev.record_id);
        const r = recRef.current;
        if (r && id === r.id) setPhase(p);
        else if (!r || id > r.id) {
          const e = early.current;
          if (e.get(id) !== "ended") e.set(id, p);
          if (e.size > 50) e.delete(e.keys().next().value as number);
        }
      },
      () => undefined,
    );
  }, []);

  const prefix = [...EU, ...OTHER].find(([c]) => c === country)?.[1] ?? "49";
  const digits = number.replace(/[^0-9]/g, "");
  const leadingZero = /^\s*0/.test(number);
  const e164 = `+${prefix}${digits.replace(/^0+/, "")}`;

  const call = async (e: Event) => {
    e.preventDefault();
    if (busy || me === null) return;
    if (!task) {
      setErr(t("phone.need_task"));
      return;
    }
    if (!digits) {
      setErr(t("phone.need_number"));
      return;
    }
    setBusy(true);
    setErr("");
    autoUntil.current = auto ? Date.now() + AUTO_MS : 0;
    try {
      const r = await api<CallRec>("POST", "/calls", {
        from: { type: "employee", id: me },
        to: e164,
        task_id: task,
      });
      recRef.current = r; // its events from now on
      setRec(r);
      setPhase(early.current.get(r.id) ?? "calling");
      early.current.clear();
    } catch (x) {
      autoUntil.current = 0;
      setErr(x instanceof ApiError ? x.message : t("error.network"));
    } finally {
      setBusy(false);
    }
  };
  const autoAnswer = () => {
    const ok = Date.now() < autoUntil.current;
    autoUntil.current = 0; /* once */
    return ok;
  };
  const hangup = async () => {
    if (!rec) return;
    setBusy(true);
    try {
      await api("POST", `/calls/${rec.id}/hangup`, {});
      setPhase("ended");
    } catch (x) {
      setErr(x instanceof ApiError ? x.message : t("error.network"));
    } finally {
      setBusy(false);
    }
  };

  const live = rec && phase !== "ended";
  const option = ([c, p]: [string, string]) => (
    <option key={c} value={c}>
      {countryName(c)} (+{p})
    </option>
  );
  return (
    <section aria-labelledby="ph-title" class="phone">
      <h1 id="ph-title">{t("phone.title")}</h1>
      <p class="muted">{t("phone.intro")}</p>
      {me === null && (
        <p class="error" role="alert" id="ph-no-employee">
          {t("console.no_employee")}
        </p>
      )}
      <form id="ph-form" class="ph-form" onSubmit={call}>
        <div class="cs-field">
          <label for="ph-task">{t("phone.task")}</label>
          <select
            id="ph-task"
            value={String(task)}
            disabled={!!live}
            onChange={(e) => setTask(Number((e.target as HTMLSelectElement).value))}
          >
            {tasks?.length === 0 && <option value="0">{t("phone.no_tasks")}</option>}
            {(tasks ?? []).map((x) => (
              <option key={x.id} value={String(x.id)}>
                {x.name} – {tDyn(`phone.area.${x.area}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="cs-field">
          <label for="ph-country">{t("phone.country")}</label>
          <select
            id="ph-country"
            value={country}
            disabled={!!live}
            onChange={(e) => setCountry((e.target as HTMLSelectElement).value)}
          >
            <optgroup label={t("phone.eu")}>{EU.map(option)}</optgroup>
            <optgroup label={t("phone.non_eu")}>{OTHER.map(option)}</optgroup>
          </select>
        </div>
        <div class="cs-field">
          <label for="ph-number">{t("phone.number")}</label>
          <div class="ph-number">
            <span class="ph-prefix" id="ph-prefix">+{prefix}</span>
            <input
              id="ph-number"
              inputMode="tel"
              autoComplete="off"
              maxLength={20}
              value={number}
              disabled={!!live}
              aria-describedby="ph-number-hint"
              onInput={(e) => setNumber((e.target as HTMLInputElement).value)}
            />
          </div>
          <p class="muted" id="ph-number-hint">
            {leadingZero ? t("phone.zero_dropped") : t("phone.number_hint")}
          </p>
        </div>
        <p>
          <span class="muted">{t("phone.dials")} </span>
          <strong id="ph-e164">{digits ? e164 : "–"}</strong>
        </p>
        <p>
          <label>
            <input
              type="checkbox"
              id="ph-auto"
              checked={auto}
              onChange={(e) => {
                const on = (e.target as HTMLInputElement).checked;
                setAuto(on);
                localStorage.setItem(AUTO_KEY, on ? "1" : "0");
              }}
            />{" "}
            {t("phone.auto_answer")}
          </label>
        </p>
        <div class="cs-actions">
          <button type="submit" id="ph-call" disabled={busy || !!live || me === null}>
            {t("phone.call")}
          </button>
          <button
            type="button"
            id="ph-hangup"
            class="danger"
            disabled={busy || !live}
            onClick={() => void hangup()}
          >
            {t("phone.hangup")}
          </button>
        </div>
      </form>
      {rec && (
        <div class="cs-block" id="ph-call-box" aria-live="polite" data-record-id={rec.id}>
          <h2>{t("phone.running")}</h2>
          <p id="ph-state" data-phase={phase}>
            {phase === "idle" ? "" : tDyn(`phone.phase.${phase}`)}
          </p>
          <p class="muted" id="ph-call-line">
            {t("phone.line", { to: rec.to_number, from: rec.from_number })}
          </p>
        </div>
      )}
      {err && (
        <p class="error" role="alert" id="ph-error">
          {err}
        </p>
      )}
      {me !== null && <PhonePanel autoAnswer={autoAnswer} />}
    </section>
  );
}
