// The client's dashboard (seeds/001 "Dashboard", "Statistik > Anruferdaten"):
// the latest accepted calls with their notes shortened by the server, and
// the statistics of a chosen range of Berlin days as charts — calls per
// day and per hour, notes per employee, answered / transferred / notes /
// abandoned, the answer speed (p50, p90).  "Show statistics" asks the API
// (call_stats); a wrong range shows the server's error at the field.
import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { fmt, t, tDyn } from "../i18n";
import { ChartBox } from "./officeChart";
import { errorOf, Field, fieldError, formError, LoadError, val, type FieldError } from "./officeShared";
import { addDays, berlinDate, berlinToMs } from "./officeTime";

interface DashCall {
  id: number;
  from_number: string | null;
  started_at: string;
  answered_at: string | null;
  disposition: string | null;
  forwarded_from: string | null;
  note: { id: number; caller_name: string; concern: string; urgent: boolean; employee_ids: number[] } | null;
}
export interface Stats {
  from: string;
  to: string;
  calls: number;
  answered: number;
  abandoned: number;
  transferred: number;
  notes: number;
  answer_p50_s: number | null;
  answer_p90_s: number | null;
  per_day: { date: string; calls: number; answered: number; abandoned: number; transferred: number; notes: number }[];
  per_hour: { hour: number; calls: number; answered: number }[];
  per_employee: { employee_id: number; name: string; notes: number }[];
}

const noon = (date: string) => berlinToMs(date) + 12 * 3600e3;

function StatsView({ s }: { s: Stats }) {
  const secs = (v: number | null) => (v === null ? "—" : t("office.dash.seconds", { n: fmt.number(v) }));
  return (
    <div id="od-stats" data-from={s.from} data-to={s.to}>
      <dl class="od-figures">
        {(["calls", "answered", "transferred", "notes", "abandoned"] as const).map((k) => (
          <div key={k} data-figure={k}>
            <dt>{tDyn(`office.dash.${k}`)}</dt>
            <dd>{fmt.number(s[k])}</dd>
          </div>
        ))}
        <div data-figure="answer_p50_s">
          <dt>{t("office.dash.p50")}</dt>
          <dd>{secs(s.answer_p50_s)}</dd>
        </div>
        <div data-figure="answer_p90_s">
          <dt>{t("office.dash.p90")}</dt>
          <dd>{secs(s.answer_p90_s)}</dd>
        </div>
      </dl>
      <div class="od-charts">
        <ChartBox
          id="od-chart-day"
          title={t("office.dash.per_day")}
          labels={s.per_day.map((d) => fmt.day(noon(d.date)))}
          series={[
            { label: t("office.dash.calls"), data: s.per_day.map((d) => d.calls) },
            { label: t("office.dash.answered"), data: s.per_day.map((d) => d.answered) },
            { label: t("office.dash.transferred"), data: s.per_day.map((d) => d.transferred) },
            { label: t("office.dash.abandoned"), data: s.per_day.map((d) => d.abandoned) },
            { label: t("office.dash.notes"), data: s.per_day.map((d) => d.notes), type: "line" },
          ]}
        />
        <ChartBox
          id="od-chart-hour"
          title={t("office.dash.per_hour")}
          labels={s.per_hour.map((h) => String(h.hour).padStart(2, "0"))}
          series={[
            { label: t("office.dash.calls"), data: s.per_hour.map((h) => h.calls) },
            { label: t("office.dash.answered"), data: s.per_hour.map((h) => h.answered) },
          ]}
        />
        <ChartBox
          id="od-chart-employee"
          title={t("office.dash.per_employee")}
          labels={s.per_employee.map((e) => e.name)}
          series={[{ label: t("office.dash.notes"), data: s.per_employee.map((e) => e.notes) }]}
          horizontal
        />
        <ChartBox
          id="od-chart-outcome"
          title={t("office.dash.outcome")}
          labels={[t("office.dash.answered"), t("office.dash.transferred"), t("office.dash.notes"), t("office.dash.abandoned")]}
          series={[{ label: t("office.dash.count"), data: [s.answered, s.transferred, s.notes, s.abandoned] }]}
        />
        <ChartBox
          id="od-chart-speed"
          title={t("office.dash.speed")}
          labels={[t("office.dash.p50"), t("office.dash.p90")]}
          series={[{ label: t("office.dash.speed_unit"), data: [s.answer_p50_s ?? 0, s.answer_p90_s ?? 0] }]}
        />
      </div>
    </div>
  );
}

export function OfficeDashboard({ session }: { session: Session }) {
  const tid = session.tenant_id;
  const today = berlinDate(Date.now());
  const [calls, setCalls] = useState<DashCall[] | null>(null);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [stats, setStats] = useState<Stats | null>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);

  const show = async (ev?: Event) => {
    ev?.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      setStats(await api<Stats>("GET", `/tenants/${tid}/call_stats?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`));
    } catch (x) {
      setErr(fieldError(x));
      setStats(null);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    api<{ calls: DashCall[] }>("GET", `/tenants/${tid}/dashboard?limit=20`)
      .then((d) => setCalls(d.calls))
      .catch(setLoadErr);
    show();
  }, [tid]);

  if (loadErr)
    return (
      <section aria-labelledby="od-title">
        <h1 id="od-title">{t("office.dash.title")}</h1>
        <LoadError e={loadErr} id="od-load-error" />
      </section>
    );
  return (
    <section aria-labelledby="od-title" class="office">
      <h1 id="od-title">{t("office.dash.title")}</h1>
      <h2 id="od-calls-title">{t("office.dash.latest")}</h2>
      {calls && calls.length === 0 && <p class="muted">{t("office.dash.no_calls")}</p>}
      {calls && calls.length > 0 && (
        <table id="od-calls" aria-labelledby="od-calls-title">
          <thead>
            <tr>
              <th>{t("office.dash.col.time")}</th>
              <th>{t("office.dash.col.caller")}</th>
              <th>{t("office.dash.col.state")}</th>
              <th>{t("office.dash.col.note")}</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr key={c.id} data-call-id={c.id}>
                <td>{fmt.dateTime(Date.parse(c.started_at))}</td>
                <td>
                  {c.from_number ?? t("office.dash.anonymous")}
                  {c.forwarded_from && (
                    <small class="muted"> {t("office.dash.via", { number: c.forwarded_from })}</small>
                  )}
                </td>
                <td>{c.disposition ? tDyn(`office.dash.disp.${c.disposition}`) : t("office.dash.live")}</td>
                <td data-col="note">
                  {c.note ? (
                    <>
                      {c.note.urgent && <strong class="urgent">{t("office.dash.urgent")} </strong>}
                      <strong>{c.note.caller_name}</strong>: <span data-role="concern">{c.note.concern}</span>
                    </>
                  ) : (
                    <span class="muted">{t("office.dash.no_note")}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="od-stats-title">{t("office.dash.stats")}</h2>
      <form onSubmit={show} novalidate id="od-range" class="od-range">
        <Field id="od-from" label={t("office.dash.from")} error={errorOf(err, "from")}>
          <input id="od-from" type="date" value={from} onInput={(e) => setFrom(val(e))} />
        </Field>
        <Field id="od-to" label={t("office.dash.to")} error={errorOf(err, "to")}>
          <input id="od-to" type="date" value={to} onInput={(e) => setTo(val(e))} />
        </Field>
        <button type="submit" id="od-show" disabled={busy}>
          {t("office.dash.show")}
        </button>
      </form>
      <p class="error" role="alert" id="od-error">
        {formError(err, ["from", "to"])}
      </p>
      {stats && <StatsView s={stats} />}
    </section>
  );
}
