// Absence info and appointments of the client's employees (seeds/001
// "Abwesenheitsinfo", "Termine") as a week: one row per employee (phone-book
// order) with the permanent absence info, one column per Berlin day from
// Monday, each appointment as a chip in the days it touches.  A chip or
// "New appointment" opens the form below; the API checks (ends after
// starts, text 1-255) and its error shows at the field it names.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { fmt, t } from "../i18n";
import { errorOf, Field, fieldError, formError, LoadError, val, type FieldError } from "./officeShared";
import { addDays, berlinDate, berlinToMs, iso, mondayOf, msToBerlin } from "./officeTime";

interface Emp {
  id: number;
  name: string;
}
export interface Appointment {
  id: number;
  employee_id: number;
  starts_at: string;
  ends_at: string;
  text: string;
}
interface Form {
  id: number | null;
  employee_id: string;
  starts: string; // datetime-local, Berlin
  ends: string;
  text: string;
}
const FIELDS = ["employee_id", "starts_at", "ends_at", "text"];

/* own: a sub-account's employee (its absence screen shows only that row,
 * without the absence info, which that screen keeps); onChange: after an
 * appointment was saved or deleted. */
export function OfficeCalendar({
  session,
  own,
  onChange,
}: {
  session: Session;
  own?: number;
  onChange?: () => void;
}) {
  const tid = session.tenant_id;
  const [week, setWeek] = useState(mondayOf(berlinDate(Date.now())));
  const [emps, setEmps] = useState<Emp[] | null>(null);
  const [infos, setInfos] = useState<Record<number, string | null>>({});
  const [apps, setApps] = useState<Appointment[]>([]);
  const [appsWeek, setAppsWeek] = useState(""); // the week apps are of
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [info, setInfo] = useState<{ id: number; text: string } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const days = [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(week, i));
  const bounds = [...days, addDays(week, 7)].map((d) => berlinToMs(d));

  /* Each read takes a ticket; only the answer to the newest one is shown:
   * two clicks on the week buttons close together start two reads whose
   * answers a busy machine can return the other way round. */
  const ticket = useRef(0);
  const loadApps = async () => {
    const mine = ++ticket.current;
    const who = own ? `employee_id=${own}` : `tenant_id=${tid}`;
    const q = `${who}&since=${iso(bounds[0])}&until=${iso(bounds[7])}`;
    const list = await api<Appointment[]>("GET", `/appointments?${q}`);
    if (mine !== ticket.current) return; // a newer read is on its way
    setApps(list);
    setAppsWeek(week);
  };
  useEffect(() => {
    (async () => {
      try {
        if (own) {
          setEmps([await api<Emp>("GET", `/employees/${own}`)]);
          return;
        }
        const es = await api<Emp[]>("GET", `/employees?tenant_id=${tid}&sort=name`);
        const ai = await Promise.all(
          es.map((e) => api<{ text: string | null }>("GET", `/employees/${e.id}/absence_info`)),
        );
        const m: Record<number, string | null> = {};
        es.forEach((e, i) => (m[e.id] = ai[i].text));
        setInfos(m);
        setEmps(es);
      } catch (x) {
        setLoadErr(x);
      }
    })();
  }, [tid, own]);
  useEffect(() => {
    loadApps().catch(setLoadErr);
  }, [tid, week]);
  /* an opened form comes into view (it is below the week) */
  const opened = form ? `a${form.id ?? "new"}${form.employee_id}` : info ? `i${info.id}` : "";
  useEffect(() => {
    formRef.current?.scrollIntoView?.({ block: "nearest" });
  }, [opened]);

  if (loadErr)
    return (
      <section aria-labelledby="oc-title">
        <h1 id="oc-title">{t("office.calendar.title")}</h1>
        <LoadError e={loadErr} id="oc-load-error" />
      </section>
    );
  if (!emps) return <div aria-busy="true" />;

  const open = (f: Form) => {
    setErr(null);
    setConfirm(false);
    setInfo(null);
    setForm(f);
  };
  const openInfo = (e: Emp) => {
    setErr(null);
    setForm(null);
    setInfo({ id: e.id, text: infos[e.id] ?? "" });
  };
  const saveInfo = async (ev: Event) => {
    ev.preventDefault();
    if (!info) return;
    setBusy(true);
    setErr(null);
    try {
      const r = await api<{ text: string | null }>("PUT", `/employees/${info.id}/absence_info`, { text: info.text });
      setInfos({ ...infos, [info.id]: r.text });
      setInfo(null);
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const openNew = (eid: number, day: string) =>
    open({ id: null, employee_id: String(eid), starts: `${day}T09:00`, ends: `${day}T17:00`, text: "" });
  const openApp = (a: Appointment) =>
    open({
      id: a.id,
      employee_id: String(a.employee_id),
      starts: msToBerlin(Date.parse(a.starts_at)),
      ends: msToBerlin(Date.parse(a.ends_at)),
      text: a.text,
    });

  const save = async (ev: Event) => {
    ev.preventDefault();
    if (!form) return;
    setBusy(true);
    setErr(null);
    const body: Record<string, unknown> = {
      starts_at: iso(berlinToMs(form.starts)),
      ends_at: iso(berlinToMs(form.ends)),
      text: form.text,
    };
    try {
      if (form.id === null)
        await api("POST", "/appointments", { employee_id: Number(form.employee_id), ...body });
      else await api("PATCH", `/appointments/${form.id}`, body);
      setForm(null);
      await loadApps();
      onChange?.();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!form || form.id === null) return;
    setBusy(true);
    try {
      await api("DELETE", `/appointments/${form.id}`);
      setForm(null);
      await loadApps();
      onChange?.();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };

  const chip = (a: Appointment, i: number) => {
    const s = Date.parse(a.starts_at);
    const e = Date.parse(a.ends_at);
    const from = s >= bounds[i] ? fmt.hm(s) : "…";
    const until = e <= bounds[i + 1] ? fmt.hm(e) : "…";
    return (
      <li key={a.id}>
        <button
          type="button"
          class="oc-app"
          data-app-id={a.id}
          title={`${fmt.dateTime(s)} – ${fmt.dateTime(e)}: ${a.text}`}
          onClick={() => openApp(a)}
        >
          <span class="oc-time">
            {from}–{until}
          </span>{" "}
          {a.text}
        </button>
      </li>
    );
  };

  return (
    <section aria-labelledby="oc-title" class="office">
      <div class="office-head">
        {own ? (
          <h2 id="oc-title">{t("office.calendar.own_title")}</h2>
        ) : (
          <h1 id="oc-title">{t("office.calendar.title")}</h1>
        )}
        <div class="actions">
          <button type="button" class="secondary" id="oc-prev" onClick={() => setWeek(addDays(week, -7))}>
            {t("office.calendar.prev")}
          </button>
          <button type="button" class="secondary" id="oc-today" onClick={() => setWeek(mondayOf(berlinDate(Date.now())))}>
            {t("office.calendar.today")}
          </button>
          <button type="button" class="secondary" id="oc-next" onClick={() => setWeek(addDays(week, 7))}>
            {t("office.calendar.next")}
          </button>
          <button type="button" id="oc-new" onClick={() => emps[0] && openNew(emps[0].id, days[0])}>
            {t("office.calendar.new")}
          </button>
        </div>
      </div>
      <p id="oc-week" data-week={week} data-loaded={appsWeek}>
        {t("office.calendar.week", { from: fmt.date(bounds[0]), to: fmt.date(bounds[6]) })}
      </p>
      <p class="muted">{t("office.calendar.hint")}</p>
      <div class="oc-scroll">
        <table id="oc-grid" class="oc-grid" aria-labelledby="oc-title">
          <thead>
            <tr>
              <th scope="col">{t("office.calendar.employee")}</th>
              {days.map((d, i) => (
                <th scope="col" key={d} data-day={d}>
                  {fmt.day(bounds[i] + 12 * 3600e3)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {emps.map((e) => (
              <tr key={e.id} data-employee-id={e.id}>
                <th scope="row">
                  <span class="oc-name">{e.name}</span>
                  <small class="muted oc-info" data-role="absence-info">
                    {infos[e.id] ?? ""}
                  </small>
                  {!own && (
                    <button
                      type="button"
                      class="link oc-info-edit"
                      aria-label={t("office.calendar.info_edit_for", { name: e.name })}
                      onClick={() => openInfo(e)}
                    >
                      {t("office.calendar.info_edit")}
                    </button>
                  )}
                </th>
                {days.map((d, i) => (
                  <td key={d} data-day={d}>
                    <ul class="oc-apps">
                      {apps
                        .filter(
                          (a) =>
                            a.employee_id === e.id &&
                            Date.parse(a.starts_at) < bounds[i + 1] &&
                            Date.parse(a.ends_at) > bounds[i],
                        )
                        .map((a) => chip(a, i))}
                    </ul>
                    <button
                      type="button"
                      class="oc-add"
                      aria-label={t("office.calendar.add_for", { name: e.name, day: fmt.day(bounds[i] + 12 * 3600e3) })}
                      onClick={() => openNew(e.id, d)}
                    >
                      +
                    </button>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {info && (
        <form onSubmit={saveInfo} novalidate id="oc-info-form" class="office-form" ref={formRef}>
          <h2>{t("office.calendar.info_title", { name: emps.find((x) => x.id === info.id)?.name ?? "" })}</h2>
          <Field id="oc-info-text" label={t("office.absence.text")} hint={t("office.absence.hint")} error={errorOf(err, "text")}>
            <textarea id="oc-info-text" rows={3} value={info.text} onInput={(e) => setInfo({ ...info, text: val(e) })} />
          </Field>
          <p class="error" role="alert" id="oc-info-error">
            {formError(err, ["text"])}
          </p>
          <div class="actions">
            <button type="submit" id="oc-info-save" disabled={busy}>
              {t("office.save")}
            </button>
            <button type="button" class="secondary" onClick={() => setInfo(null)}>
              {t("office.cancel")}
            </button>
          </div>
        </form>
      )}
      {form && (
        <form onSubmit={save} novalidate id="oc-form" ref={formRef} class="office-form" aria-labelledby="oc-form-title">
          <h2 id="oc-form-title">{form.id === null ? t("office.calendar.new") : t("office.calendar.edit")}</h2>
          <Field id="oc-employee" label={t("office.calendar.employee")} error={errorOf(err, "employee_id")}>
            <select
              id="oc-employee"
              value={form.employee_id}
              disabled={form.id !== null}
              onChange={(e) => setForm({ ...form, employee_id: val(e) })}
            >
              {emps.map((x) => (
                <option key={x.id} value={String(x.id)}>
                  {x.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id="oc-starts" label={t("office.calendar.starts")} error={errorOf(err, "starts_at")} hint={t("office.calendar.zone")}>
            <input id="oc-starts" type="datetime-local" value={form.starts} onInput={(e) => setForm({ ...form, starts: val(e) })} />
          </Field>
          <Field id="oc-ends" label={t("office.calendar.ends")} error={errorOf(err, "ends_at")}>
            <input id="oc-ends" type="datetime-local" value={form.ends} onInput={(e) => setForm({ ...form, ends: val(e) })} />
          </Field>
          <Field id="oc-text" label={t("office.calendar.text")} error={errorOf(err, "text")} hint={t("office.calendar.text_hint")}>
            <input id="oc-text" type="text" value={form.text} onInput={(e) => setForm({ ...form, text: val(e) })} />
          </Field>
          <p class="error" role="alert" id="oc-error">
            {formError(err, FIELDS)}
          </p>
          <div class="actions">
            <button type="submit" id="oc-save" disabled={busy}>
              {t("office.save")}
            </button>
            <button type="button" class="secondary" onClick={() => setForm(null)}>
              {t("office.cancel")}
            </button>
            {form.id !== null && !confirm && (
              <button type="button" class="danger" id="oc-delete" onClick={() => setConfirm(true)}>
                {t("office.delete")}
              </button>
            )}
          </div>
          {confirm && (
            <div class="confirm" role="alertdialog" aria-labelledby="oc-confirm-text">
              <p id="oc-confirm-text">{t("office.calendar.confirm_delete", { text: form.text })}</p>
              <button type="button" class="danger" id="oc-delete-yes" disabled={busy} onClick={remove}>
                {t("office.delete_yes")}
              </button>
              <button type="button" class="secondary" onClick={() => setConfirm(false)}>
                {t("office.cancel")}
              </button>
            </div>
          )}
        </form>
      )}
    </section>
  );
}
