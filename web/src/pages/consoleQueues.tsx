// The agent console's queues (issue 19, H2): for each queue the agent
// serves, the callers waiting now (GET /queues/:id/waiting at page load,
// again on each "joined"/"left" event of that queue) and the callbacks
// waiting for their turn (GET /callbacks?queue_id=&state=requested), one
// of which he may take out of its turn (POST /callbacks/:id/take: his
// phone rings, then the customer is dialled).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { fmt, t } from "../i18n";
import type { AgentQueue } from "./consoleTypes";

export interface WaitingCaller {
  position: number;
  record_id: number | null;
  callback_id: number | null;
  number: string | null;
  client: { id: number; name: string } | null;
  vip: string | null;
  offered: boolean;
  arrived_at: string | null;
  joined_at: string | null;
}
interface Callback {
  id: number;
  queue_id: number;
  number: string;
  state: string;
  attempts: number;
  arrived_at: string;
  next_at: string | null;
}

export function QueuePanel({
  queues,
  now,
  changed,
}: {
  queues: AgentQueue[];
  now: number;
  changed: { queue: number; n: number } | null; // a queue event came
}) {
  const [waiting, setWaiting] = useState<Map<number, WaitingCaller[]>>(
    new Map(),
  );
  const [callbacks, setCallbacks] = useState<Callback[]>([]);
  const [err, setErr] = useState("");
  const [taken, setTaken] = useState("");
  const ids = queues.map((q) => q.queue_id).join(",");

  /* Each read takes a ticket (per queue for its callers, one for the
   * callbacks); only the answer to the newest one is shown.  Two queue
   * events close together (joined, then left) start two reads, and on a
   * busy machine their answers can come back the other way round: the
   * older one must not win. */
  const seq = useRef(0);
  const queueTicket = useRef(new Map<number, number>());
  const cbTicket = useRef(0);

  const loadQueue = async (q: number) => {
    const mine = ++seq.current;
    queueTicket.current.set(q, mine);
    try {
      const list = await api<WaitingCaller[]>("GET", `/queues/${q}/waiting`);
      if (queueTicket.current.get(q) !== mine) return; // a newer read
      setWaiting((old) => new Map(old).set(q, list));
    } catch {
      /* the counts stay as they were */
    }
  };
  const loadCallbacks = async () => {
    const mine = ++cbTicket.current;
    const all: Callback[] = [];
    for (const q of queues) {
      try {
        all.push(
          ...(await api<Callback[]>(
            "GET",
            `/callbacks?queue_id=${q.queue_id}&state=requested`,
          )),
        );
      } catch {
        /* shown without that queue's */
      }
    }
    if (mine !== cbTicket.current) return; // a newer read is on its way
    all.sort((a, b) => Date.parse(a.arrived_at) - Date.parse(b.arrived_at));
    setCallbacks(all);
  };

  useEffect(() => {
    for (const q of queues) void loadQueue(q.queue_id);
    void loadCallbacks();
  }, [ids]);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!changed) return;
    void loadQueue(changed.queue);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void loadCallbacks(), 300);
  }, [changed?.n]);

  const take = async (cb: Callback) => {
    setErr("");
    setTaken("");
    try {
      await api("POST", `/callbacks/${cb.id}/take`, {});
      setTaken(t("console.cb.taken", { number: cb.number }));
      void loadCallbacks();
    } catch (e) {
      setErr(e instanceof ApiError ? e.message : t("error.network"));
    }
  };

  if (queues.length === 0)
    return <p class="muted">{t("console.no_queues")}</p>;
  return (
    <>
      <table aria-labelledby="cs-queues" id="cs-queue-table">
        <thead>
          <tr>
            <th scope="col">{t("console.col.queue")}</th>
            <th scope="col" class="num">{t("console.col.waiting")}</th>
            <th scope="col" class="num">{t("console.col.longest")}</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => {
            const w = waiting.get(q.queue_id) ?? [];
            let first = Infinity;
            for (const c of w)
              if (c.arrived_at) first = Math.min(first, Date.parse(c.arrived_at));
            return (
              <tr key={q.queue_id} data-queue-id={q.queue_id}>
                <th scope="row">{q.name}</th>
                <td class="num" data-col="waiting">{fmt.number(w.length)}</td>
                <td class="num" data-col="longest">
                  {first === Infinity ? "–" : fmt.duration(Math.max(0, now - first))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ul class="cs-waiting" id="cs-waiting" aria-label={t("console.wait.list")}>
        {queues.flatMap((q) =>
          (waiting.get(q.queue_id) ?? []).map((c) => (
            <li
              key={`${q.queue_id}-${c.callback_id ?? c.record_id}`}
              data-record-id={c.record_id ?? ""}
              data-callback-id={c.callback_id ?? ""}
            >
              <span class="muted">{q.name} · {c.position}.</span>{" "}
              {c.callback_id
                ? t("console.wait.callback", { number: c.number ?? "" })
                : c.number ?? t("console.pop.anonymous")}
              {c.vip && <strong> {t("console.wait.vip", { name: c.vip })}</strong>}
              {c.client && <span class="muted"> ({c.client.name})</span>}
              {c.arrived_at && (
                <span class="muted cs-timer">
                  {" "}
                  {fmt.duration(Math.max(0, now - Date.parse(c.arrived_at)))}
                </span>
              )}
            </li>
          )),
        )}
      </ul>
      <h2 id="cs-callbacks">{t("console.cb.title")}</h2>
      {callbacks.length === 0 ? (
        <p class="muted" id="cs-no-callbacks">{t("console.cb.none")}</p>
      ) : (
        <table aria-labelledby="cs-callbacks" id="cs-callback-table">
          <thead>
            <tr>
              <th scope="col">{t("console.cb.number")}</th>
              <th scope="col">{t("console.cb.since")}</th>
              <th scope="col">
                <span class="sr-only">{t("console.cb.action")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {callbacks.map((cb) => (
              <tr key={cb.id} data-callback-id={cb.id}>
                <th scope="row">
                  {cb.number}
                  <div class="muted">
                    {queues.find((q) => q.queue_id === cb.queue_id)?.name ?? ""}
                    {cb.attempts > 0 &&
                      ` · ${t("console.cb.attempts", { n: cb.attempts })}`}
                  </div>
                </th>
                <td>{fmt.dateTime(Date.parse(cb.arrived_at))}</td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    data-take={cb.id}
                    aria-label={t("console.cb.take_label", { number: cb.number })}
                    onClick={() => void take(cb)}
                  >
                    {t("console.cb.take")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {taken && <p role="status" id="cs-cb-taken">{taken}</p>}
      {err && <p class="error" role="alert" id="cs-cb-error">{err}</p>}
    </>
  );
}
