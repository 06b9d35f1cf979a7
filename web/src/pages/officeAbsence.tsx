// A sub-account's one screen (seeds/001 "Subaccount"): its own employee's
// absence info ("Abwesenheitsinfo"), which it keeps itself, and its
// appointments ("Termine") that replace it while they run, in de-DE dates.
import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { fmt, t } from "../i18n";
import { OfficeCalendar } from "./officeCalendar";
import { errorOf, Field, fieldError, formError, LoadError, val, type FieldError } from "./officeShared";

interface Absence {
  employee_id: number;
  text: string | null;
  updated_at: string | null;
}
interface Appointment {
  id: number;
  starts_at: string;
  ends_at: string;
  text: string;
}

export function OfficeAbsence({ session }: { session: Session }) {
  const eid = session.employee_id;
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [updated, setUpdated] = useState<string | null>(null);
  const [apps, setApps] = useState<Appointment[]>([]);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState(false);

  const reloadApps = () =>
    api<Appointment[]>("GET", `/appointments?employee_id=${eid}`).then(setApps, setLoadErr);
  useEffect(() => {
    (async () => {
      try {
        const [e, a, ap] = await Promise.all([
          api<{ name: string }>("GET", `/employees/${eid}`),
          api<Absence>("GET", `/employees/${eid}/absence_info`),
          api<Appointment[]>("GET", `/appointments?employee_id=${eid}`),
        ]);
        setName(e.name);
        setText(a.text ?? "");
        setUpdated(a.updated_at);
        setApps(ap);
      } catch (x) {
        setLoadErr(x);
      }
    })();
  }, [eid]);

  if (eid === null || loadErr)
    return (
      <section aria-labelledby="oa-title">
        <h1 id="oa-title">{t("office.absence.title")}</h1>
        <LoadError e={loadErr} id="oa-load-error" />
      </section>
    );

  const save = async (e: Event) => {
    e.preventDefault();
    setErr(null);
    setSaved(false);
    try {
      const a = await api<Absence>("PUT", `/employees/${eid}/absence_info`, { text });
      setUpdated(a.updated_at);
      setSaved(true);
    } catch (x) {
      setErr(fieldError(x));
    }
  };

  return (
    <section aria-labelledby="oa-title" class="office">
      <h1 id="oa-title">{t("office.absence.title")}</h1>
      <p id="oa-name">{name}</p>
      <form onSubmit={save} id="oa-form">
        <Field id="oa-text" label={t("office.absence.text")} hint={t("office.absence.hint")} error={errorOf(err, "text")}>
          <textarea id="oa-text" rows={3} value={text} onInput={(e) => setText(val(e))} />
        </Field>
        <p class="error" role="alert">
          {formError(err, ["text"])}
        </p>
        <p class="ok" role="status" id="oa-saved">
          {saved && updated ? t("office.absence.saved", { time: fmt.dateTime(Date.parse(updated)) }) : ""}
        </p>
        <button type="submit" id="oa-save">
          {t("office.save")}
        </button>
      </form>
      <h2 id="oa-apps-title">{t("office.absence.appointments")}</h2>
      {apps.length === 0 ? (
        <p class="muted">{t("office.absence.no_appointments")}</p>
      ) : (
        <table aria-labelledby="oa-apps-title" id="oa-apps">
          <thead>
            <tr>
              <th>{t("office.absence.from")}</th>
              <th>{t("office.absence.until")}</th>
              <th>{t("office.absence.text")}</th>
            </tr>
          </thead>
          <tbody>
            {apps.map((a) => (
              <tr key={a.id}>
                <td>{fmt.dateTime(Date.parse(a.starts_at))}</td>
                <td>{fmt.dateTime(Date.parse(a.ends_at))}</td>
                <td>{a.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <OfficeCalendar session={session} own={eid} onChange={reloadApps} />
    </section>
  );
}
