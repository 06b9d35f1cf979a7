// The client's call notes (seeds/001 "Statistik > Anruferdaten"): newest
// first, for a range of Berlin days, each with its delivery status per
// channel (mail, SMS, Web Push, webhook: the outbox rows of GET
// /notes/:id/deliveries, a failure with its generic reason) and who of the
// employees opened and acknowledged it (the note's reads).
import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { fmt, t, tDyn } from "../i18n";
import { errorOf, Field, fieldError, formError, LoadError, val, type FieldError } from "./officeShared";
import { addDays, berlinDate, berlinToMs, iso } from "./officeTime";

interface Note {
  id: number;
  caller_name: string;
  caller_number: string | null;
  concern: string;
  urgent: boolean;
  employee_ids: number[];
  created_at: string;
  agent: string;
  reads: { employee_id: number; opened_at: string | null; acknowledged_at: string | null }[];
}
interface Delivery {
  outbox_id: number;
  channel: string;
  employee_id: number | null;
  state: string;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
}
const LIMIT = 50;

export function OfficeNotes({ session }: { session: Session }) {
  const tid = session.tenant_id;
  const today = berlinDate(Date.now());
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [more, setMore] = useState(false); // the last page was full: older ones may follow
  const [range, setRange] = useState("");
  const [dels, setDels] = useState<Record<number, Delivery[]>>({});
  const [names, setNames] = useState<Record<number, string>>({});
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [err, setErr] = useState<FieldError | null>(null);

  // one page of LIMIT notes, newest first, from offset on; the deliveries
  // of each are fetched beside it
  const page = async (q: string, offset: number) => {
    const ns = await api<Note[]>("GET", `/notes?${q}&limit=${LIMIT}&offset=${offset}`);
    const ds = await Promise.all(ns.map((n) => api<Delivery[]>("GET", `/notes/${n.id}/deliveries`)));
    const m: Record<number, Delivery[]> = {};
    ns.forEach((n, i) => (m[n.id] = ds[i]));
    return { ns, m };
  };

  const load = async (ev?: Event) => {
    ev?.preventDefault();
    setErr(null);
    const since = iso(berlinToMs(from));
    const until = iso(berlinToMs(addDays(to, 1)));
    if (!since) return setErr({ field: "since", message: t("office.notes.bad_date") });
    if (!until) return setErr({ field: "until", message: t("office.notes.bad_date") });
    const q = `since=${since}&until=${until}`;
    try {
      const { ns, m } = await page(q, 0);
      setDels(m);
      setNotes(ns);
      setRange(q);
      setMore(ns.length === LIMIT);
    } catch (x) {
      if (!notes) setLoadErr(x);
      else setErr(fieldError(x));
    }
  };

  // the next page of the range shown (offset paging: notes saved meanwhile
  // are newer than the range's end only if "to" is before today; a note
  // already shown is never listed twice)
  const loadMore = async () => {
    if (!notes) return;
    try {
      const { ns, m } = await page(range, notes.length);
      const seen = new Set(notes.map((n) => n.id));
      setDels({ ...dels, ...m });
      setNotes([...notes, ...ns.filter((n) => !seen.has(n.id))]);
      setMore(ns.length === LIMIT);
    } catch (x) {
      setErr(fieldError(x));
    }
  };
  useEffect(() => {
    api<{ id: number; name: string }[]>("GET", `/employees?tenant_id=${tid}`)
      .then((es) => setNames(Object.fromEntries(es.map((e) => [e.id, e.name]))))
      .catch(() => setNames({}));
    load();
  }, [tid]);

  if (loadErr)
    return (
      <section aria-labelledby="on-title">
        <h1 id="on-title">{t("office.notes.title")}</h1>
        <LoadError e={loadErr} id="on-load-error" />
      </section>
    );
  const who = (id: number | null) => (id === null ? t("office.notes.webhook") : names[id] ?? `#${id}`);
  const when = (s: string | null) => (s ? fmt.dateTime(Date.parse(s)) : "");

  return (
    <section aria-labelledby="on-title" class="office">
      <h1 id="on-title">{t("office.notes.title")}</h1>
      <form onSubmit={load} novalidate class="od-range" id="on-range">
        <Field id="on-from" label={t("office.dash.from")} error={errorOf(err, "since")}>
          <input id="on-from" type="date" value={from} onInput={(e) => setFrom(val(e))} />
        </Field>
        <Field id="on-to" label={t("office.dash.to")} error={errorOf(err, "until")}>
          <input id="on-to" type="date" value={to} onInput={(e) => setTo(val(e))} />
        </Field>
        <button type="submit" id="on-show">
          {t("office.notes.show")}
        </button>
      </form>
      <p class="error" role="alert" id="on-error">
        {formError(err, ["since", "until"])}
      </p>
      {notes && notes.length === 0 && <p class="muted">{t("office.notes.none")}</p>}
      {notes && notes.length > 0 && (
        <table id="on-list" aria-labelledby="on-title">
          <thead>
            <tr>
              <th>{t("office.notes.col.time")}</th>
              <th>{t("office.notes.col.note")}</th>
              <th>{t("office.notes.col.delivery")}</th>
              <th>{t("office.notes.col.read")}</th>
            </tr>
          </thead>
          <tbody>
            {notes.map((n) => (
              <tr key={n.id} data-note-id={n.id}>
                <td>{when(n.created_at)}</td>
                <td>
                  {n.urgent && <strong class="urgent">{t("office.dash.urgent")} </strong>}
                  <strong>{n.caller_name}</strong>
                  {n.caller_number && <span> · {n.caller_number}</span>}
                  <p class="pre" data-role="concern">
                    {n.concern}
                  </p>
                  <small class="muted">
                    {t("office.notes.for", { names: n.employee_ids.map((e) => who(e)).join(", ") })}
                  </small>
                </td>
                <td>
                  <ul class="plain" data-role="deliveries">
                    {(dels[n.id] ?? []).map((d) => (
                      <li key={d.outbox_id} data-channel={d.channel} data-state={d.state}>
                        <span class="tag">{tDyn(`office.notes.channel.${d.channel}`)}</span> {who(d.employee_id)}:{" "}
                        <span class={"state-" + d.state}>{tDyn(`office.notes.state.${d.state}`)}</span>
                        {d.sent_at && <small class="muted"> {when(d.sent_at)}</small>}
                        {d.last_error && <small class="error"> ({d.last_error})</small>}
                      </li>
                    ))}
                    {(dels[n.id] ?? []).length === 0 && <li class="muted">{t("office.notes.no_delivery")}</li>}
                  </ul>
                </td>
                <td>
                  <ul class="plain" data-role="reads">
                    {n.employee_ids.map((e) => {
                      const r = n.reads.find((x) => x.employee_id === e);
                      const st = r?.acknowledged_at ? "acknowledged" : r?.opened_at ? "opened" : "unread";
                      return (
                        <li key={e} data-employee-id={e} data-read={st}>
                          {who(e)}: {tDyn(`office.notes.read.${st}`)}
                          {st !== "unread" && (
                            <small class="muted"> {when(r!.acknowledged_at ?? r!.opened_at)}</small>
                          )}
                        </li>
                      );
                    })}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {notes && more && (
        <p>
          <button type="button" id="on-more" onClick={loadMore}>
            {t("office.notes.more")}
          </button>
        </p>
      )}
    </section>
  );
}
