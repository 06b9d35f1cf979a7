// The operator's live wallboard (issue 19, "The operator"): per queue the
// callers waiting now, the longest wait, the service level of today; the
// agents by state.  Loaded from the API (queues, their statistics of today,
// agents, clients), then kept up to date from the event stream without a
// reload: a caller joining or leaving a queue changes its count at once
// (and the queue's statistics are read again for the service level), an
// agent's state event moves the agent.  After the stream was down,
// everything is loaded again (events may have been missed).
//
// "Waiting now" and "longest wait now" are live; the wait of a caller who
// was already waiting when the page loaded is counted from the moment the
// page saw it (the API has no live wait per caller yet).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { openEvents, type SbEvent, type StreamState } from "../events";
import { fmt, t, tDyn } from "../i18n";

interface Queue {
  id: number;
  tenant_id: number;
  name: string;
  service_level: number;
}
interface Figures {
  offered: number;
  answered: number;
  answered_within_sl: number;
  abandoned: number;
  timeouts: number;
  waiting: number;
  service_level_permille: number | null;
  longest_wait_ms: number | null;
}
interface Agent {
  employee_id: number;
  tenant_id: number;
  name: string;
  state: string;
  reason: string | null;
  since: string | null;
}
interface Tenant {
  id: number;
  name: string;
}
interface Live {
  q: Queue;
  fig: Figures | null;
  waiting: number;
  callers: Map<string, number>; // call -> [ms] when the page saw it join
  longestToday: number | null;
}

const STATES = [
  "available",
  "ringing",
  "on_call",
  "wrapup",
  "paused",
  "logged_out",
] as const;

function callerKey(ev: SbEvent): string {
  return ev.call_id ? String(ev.call_id) : `callback:${ev.callback_id}`;
}

export function Wallboard() {
  const [queues, setQueues] = useState<Map<number, Live>>(new Map());
  const [agents, setAgents] = useState<Map<number, Agent>>(new Map());
  const [tenants, setTenants] = useState<Map<number, string>>(new Map());
  const [stream, setStream] = useState<StreamState>("connecting");
  const [error, setError] = useState<"" | "forbidden" | "failed">("");
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  const pending = useRef(new Map<number, number>()); // queue -> timer
  const closeRef = useRef<(() => void) | null>(null);
  /* Every read takes a ticket; only the answer to the newest one is shown.
   * Events close together start reads whose answers a busy machine can
   * return the other way round: the older one must not win.  loadAll has
   * one ticket (allTicket); a queue's figures, read by loadAll or by
   * refreshSoon, one per queue (statTicket). */
  const seq = useRef(0);
  const allTicket = useRef(0);
  const statTicket = useRef(new Map<number, number>());

  const loadStats = async (q: Queue): Promise<Figures | null> => {
    try {
      const s = await api<{ total: Figures }>("GET", `/queues/${q.id}/stats`);
      return s.total;
    } catch {
      return null;
    }
  };

  const loadAll = async () => {
    const mine = ++seq.current;
    allTicket.current = mine;
    try {
      const [ts, qs, as] = await Promise.all([
        api<Tenant[]>("GET", "/tenants"),
        api<Queue[]>("GET", "/queues"),
        api<Agent[]>("GET", "/agents"),
      ]);
      const figs = await Promise.all(qs.map(loadStats));
      if (mine !== allTicket.current) return; // a newer loadAll is on its way
      setTenants(new Map(ts.map((x) => [x.id, x.name])));
      setQueues((old) => {
        const m = new Map<number, Live>();
        qs.forEach((q, i) => {
          const prev = old.get(q.id);
          if (prev && (statTicket.current.get(q.id) ?? 0) > mine) {
            // figures read after ours: answered (prev has them) or on the way
            m.set(q.id, { ...prev, q });
            return;
          }
          statTicket.current.set(q.id, mine); // older reads are dropped
          m.set(q.id, {
            q,
            fig: figs[i],
            waiting: figs[i]?.waiting ?? 0,
            callers: new Map(),
            longestToday: figs[i]?.longest_wait_ms ?? null,
          });
        });
        return m;
      });
      setAgents(new Map(as.map((a) => [a.employee_id, a])));
      setLoadedAt(Date.now());
      setError("");
    } catch (e) {
      const forbidden = e instanceof ApiError && e.status === 403;
      setError(forbidden ? "forbidden" : "failed");
      if (forbidden) closeRef.current?.(); // nothing to follow live

    }
  };

  /* the statistics of one queue again, a moment after its events */
  const refreshSoon = (id: number) => {
    if (pending.current.has(id)) return;
    pending.current.set(
      id,
      window.setTimeout(async () => {
        pending.current.delete(id);
        const live = queuesRef.current.get(id);
        if (!live) return;
        const mine = ++seq.current;
        statTicket.current.set(id, mine);
        const fig = await loadStats(live.q);
        // no answer, or a newer read of this queue is on its way
        if (!fig || statTicket.current.get(id) !== mine) return;
        setQueues((old) => {
          const m = new Map(old);
          const l = m.get(id);
          if (l)
            m.set(id, {
              ...l,
              fig,
              waiting: fig.waiting,
              longestToday:
                l.longestToday === null && fig.longest_wait_ms === null
                  ? null
                  : Math.max(l.longestToday ?? 0, fig.longest_wait_ms ?? 0),
            });
          return m;
        });
      }, 400),
    );
  };

  const queuesRef = useRef(queues);
  queuesRef.current = queues;

  const onEvent = (ev: SbEvent) => {
    if (ev.class === "queue" && (ev.type === "joined" || ev.type === "left")) {
      const id = Number(ev.queue_id);
      if (!queuesRef.current.has(id)) {
        void loadAll(); // a queue made since the page loaded
        return;
      }
      setQueues((old) => {
        const m = new Map(old);
        const l = m.get(id)!;
        const callers = new Map(l.callers);
        let waiting = l.waiting;
        let longest = l.longestToday;
        if (ev.type === "joined") {
          callers.set(callerKey(ev), Date.parse(ev.time) || Date.now());
          waiting += 1;
        } else {
          callers.delete(callerKey(ev));
          waiting = Math.max(0, waiting - 1);
          const w = Number(ev.wait_ms ?? 0);
          longest = Math.max(longest ?? 0, w);
        }
        m.set(id, { ...l, callers, waiting, longestToday: longest });
        return m;
      });
      refreshSoon(id);
    } else if (ev.class === "agent" && ev.type === "state") {
      const who = ev.agent as { id: number } | undefined;
      if (!who) return;
      setAgents((old) => {
        const a = old.get(who.id);
        if (!a) {
          void loadAll();
          return old;
        }
        const m = new Map(old);
        m.set(who.id, {
          ...a,
          state: String(ev.state),
          reason: (ev.reason as string | null) ?? null,
          since: ev.time,
        });
        return m;
      });
    }
  };

  useEffect(() => {
    void loadAll();
    let wasDown = false;
    const close = (closeRef.current = openEvents(
      (ev) => onEventRef.current(ev),
      (s) => {
        setStream(s);
        if (s === "down") wasDown = true;
        if (s === "live" && wasDown) {
          wasDown = false;
          void loadAll();
        }
      },
    ));
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => {
      close();
      window.clearInterval(tick);
      pending.current.forEach((x) => window.clearTimeout(x));
    };
  }, []);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  const rows = useMemo(
    () =>
      [...queues.values()].sort(
        (a, b) =>
          (tenants.get(a.q.tenant_id) ?? "").localeCompare(
            tenants.get(b.q.tenant_id) ?? "",
          ) || a.q.name.localeCompare(b.q.name),
      ),
    [queues, tenants],
  );

  if (error === "forbidden")
    return (
      <section aria-labelledby="wb-title">
        <h1 id="wb-title">{t("wallboard.title")}</h1>
        <p class="error" role="alert" id="wb-forbidden">
          {t("wallboard.forbidden")}
        </p>
      </section>
    );

  const longestNow = (l: Live): number | null => {
    let min = Infinity;
    l.callers.forEach((at) => (min = Math.min(min, at)));
    return l.waiting > 0 && min !== Infinity ? now - min : null;
  };
  let totalWaiting = 0;
  let within = 0;
  let counted = 0;
  let longestAll: number | null = null;
  rows.forEach((l) => {
    totalWaiting += l.waiting;
    if (l.fig) {
      within += l.fig.answered_within_sl;
      counted += l.fig.answered + l.fig.abandoned + l.fig.timeouts;
    }
    const w = longestNow(l);
    if (w !== null) longestAll = Math.max(longestAll ?? 0, w);
  });
  const byState = new Map<string, Agent[]>();
  agents.forEach((a) => {
    const list = byState.get(a.state) ?? [];
    list.push(a);
    byState.set(a.state, list);
  });
  const sl = (p: number | null | undefined) =>
    p === null || p === undefined ? "–" : fmt.permille(p);

  return (
    <section aria-labelledby="wb-title" class="wallboard">
      <div class="wb-head">
        <h1 id="wb-title">{t("wallboard.title")}</h1>
        <p class="muted" aria-live="polite">
          <span class={`dot ${stream}`} aria-hidden="true" />
          <span id="wb-stream">{tDyn(`wallboard.stream.${stream}`)}</span>
          {loadedAt !== null && (
            <>
              {" · "}
              {t("wallboard.loaded", { time: fmt.time(loadedAt) })}
            </>
          )}
        </p>
      </div>
      {error === "failed" && (
        <p class="error" role="alert">
          {t("error.load")}
        </p>
      )}

      <div class="tiles" role="group" aria-label={t("wallboard.summary")}>
        <div class="tile">
          <span class="tile-label" id="wb-waiting-label">
            {t("wallboard.waiting")}
          </span>
          <span class="tile-value" id="wb-waiting-total" aria-labelledby="wb-waiting-label">
            {fmt.number(totalWaiting)}
          </span>
        </div>
        <div class="tile">
          <span class="tile-label" id="wb-longest-label">
            {t("wallboard.longest_now")}
          </span>
          <span class="tile-value" id="wb-longest" aria-labelledby="wb-longest-label">
            {longestAll === null ? "–" : fmt.duration(longestAll)}
          </span>
        </div>
        <div class="tile">
          <span class="tile-label" id="wb-sl-label">
            {t("wallboard.sl_today")}
          </span>
          <span class="tile-value" id="wb-sl" aria-labelledby="wb-sl-label">
            {counted ? fmt.permille(Math.round((1000 * within) / counted)) : "–"}
          </span>
        </div>
        <div class="tile">
          <span class="tile-label" id="wb-available-label">
            {t("wallboard.available")}
          </span>
          <span class="tile-value" id="wb-available" aria-labelledby="wb-available-label">
            {fmt.number(byState.get("available")?.length ?? 0)}
          </span>
        </div>
      </div>

      <h2 id="wb-queues">{t("wallboard.queues")}</h2>
      {rows.length === 0 ? (
        <p class="muted">{t("wallboard.no_queues")}</p>
      ) : (
        <table aria-labelledby="wb-queues">
          <thead>
            <tr>
              <th scope="col">{t("wallboard.col.client")}</th>
              <th scope="col">{t("wallboard.col.queue")}</th>
              <th scope="col" class="num">{t("wallboard.col.waiting")}</th>
              <th scope="col" class="num">{t("wallboard.col.longest_now")}</th>
              <th scope="col" class="num">{t("wallboard.col.longest_today")}</th>
              <th scope="col" class="num">{t("wallboard.col.sl")}</th>
              <th scope="col" class="num">{t("wallboard.col.answered")}</th>
              <th scope="col" class="num">{t("wallboard.col.abandoned")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => {
              const w = longestNow(l);
              return (
                <tr key={l.q.id} data-queue-id={l.q.id} class={l.waiting ? "busy" : ""}>
                  <td>{tenants.get(l.q.tenant_id) ?? ""}</td>
                  <th scope="row">{l.q.name}</th>
                  <td class="num" data-col="waiting">{fmt.number(l.waiting)}</td>
                  <td class="num" data-col="longest_now">
                    {w === null ? "–" : fmt.duration(w)}
                  </td>
                  <td class="num" data-col="longest_today">
                    {l.longestToday === null ? "–" : fmt.duration(l.longestToday)}
                  </td>
                  <td class="num" data-col="sl">
                    {sl(l.fig?.service_level_permille)}
                  </td>
                  <td class="num" data-col="answered">
                    {fmt.number(l.fig?.answered ?? 0)}
                  </td>
                  <td class="num" data-col="abandoned">
                    {fmt.number(l.fig?.abandoned ?? 0)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h2 id="wb-agents">{t("wallboard.agents")}</h2>
      <ul class="states" aria-labelledby="wb-agents">
        {STATES.map((s) => (
          <li key={s} class={`state ${s}`} data-state={s}>
            <span class="state-count">{fmt.number(byState.get(s)?.length ?? 0)}</span>
            <span class="state-label">{tDyn(`agent.state.${s}`)}</span>
            <ul class="names">
              {(byState.get(s) ?? [])
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((a) => (
                  <li key={a.employee_id} data-agent-id={a.employee_id}>
                    {a.name}
                    {a.reason ? ` (${a.reason})` : ""}
                    {a.since ? (
                      <span class="muted">
                        {" "}
                        {t("wallboard.since", { time: fmt.time(Date.parse(a.since)) })}
                      </span>
                    ) : null}
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
