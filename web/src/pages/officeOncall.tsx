// The client's on-call schedules (Bereitschaft): each weekly (or N-day)
// rotation with its members in turn, who is on duty when — the next
// changes as the server computes them (GET .../now, walked from "until" to
// "until") — and the overrides (dated swaps) with create, edit and delete.
// Schedules themselves are created and edited here too; the API's errors
// show at the field they name.
import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { fmt, t, tDyn } from "../i18n";
import { errorOf, Field, fieldError, formError, LoadError, val, type FieldError } from "./officeShared";
import { berlinDate, berlinToMs, iso, msToBerlin } from "./officeTime";

interface Emp {
  id: number;
  name: string;
}
interface Schedule {
  id: number;
  name: string;
  handoff_day: string;
  handoff_time: string;
  start_date: string;
  rotation_days: number;
  members: { employee_id: number }[];
}
interface Override {
  id: number;
  schedule_id: number;
  employee_id: number;
  starts_at: string;
  ends_at: string;
  note: string | null;
}
interface Now {
  employee_id: number | null;
  name: string | null;
  source: string;
  from: string | null;
  until: string | null;
}
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const PLAN_STEPS = 8;

/* The next changes of a schedule from now: [{from, until, name, source}] */
async function plan(id: number): Promise<Now[]> {
  const out: Now[] = [];
  let at: string | null = null;
  for (let i = 0; i < PLAN_STEPS; i++) {
    const q: string = at ? `?at=${encodeURIComponent(at)}` : "";
    const n: Now = await api<Now>("GET", `/oncall_schedules/${id}/now${q}`);
    out.push(n);
    if (!n.until) break;
    at = n.until;
  }
  return out;
}

function ScheduleCard({
  s,
  emps,
  onEdit,
}: {
  s: Schedule;
  emps: Emp[];
  onEdit: () => void;
}) {
  const [steps, setSteps] = useState<Now[] | null>(null);
  const [ovs, setOvs] = useState<Override[]>([]);
  const [form, setForm] = useState<{ id: number | null; employee_id: string; starts: string; ends: string; note: string } | null>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmId, setConfirmId] = useState<number | null>(null);
  const name = (id: number | null) => emps.find((e) => e.id === id)?.name ?? (id === null ? "" : String(id));

  const load = async () => {
    const [p, o] = await Promise.all([plan(s.id), api<Override[]>("GET", `/oncall_schedules/${s.id}/overrides`)]);
    setSteps(p);
    setOvs(o);
  };
  useEffect(() => {
    load().catch((x) => setErr(fieldError(x)));
  }, [s]);

  const save = async (ev: Event) => {
    ev.preventDefault();
    if (!form) return;
    setBusy(true);
    setErr(null);
    const body: Record<string, unknown> = {
      employee_id: form.employee_id ? Number(form.employee_id) : null,
      starts_at: iso(berlinToMs(form.starts)),
      ends_at: iso(berlinToMs(form.ends)),
      note: form.note.trim() || null,
    };
    try {
      if (form.id === null) await api("POST", "/oncall_overrides", { schedule_id: s.id, ...body });
      else await api("PATCH", `/oncall_overrides/${form.id}`, body);
      setForm(null);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: number) => {
    setErr(null);
    setBusy(true);
    try {
      await api("DELETE", `/oncall_overrides/${id}`);
      setForm(null);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
      setConfirmId(null);
    }
  };
  const today = berlinDate(Date.now());
  const id = `oo-${s.id}`;
  const when = (iso?: string) => (iso ? fmt.dateTime(Date.parse(iso)) : "");

  return (
    <article class="oo-card" id={id} data-schedule-id={s.id} aria-labelledby={`${id}-title`}>
      <div class="office-head">
        <h2 id={`${id}-title`}>{s.name}</h2>
        <button type="button" class="secondary" data-role="edit-schedule" onClick={onEdit}>
          {t("office.edit")}
        </button>
      </div>
      <p class="muted" data-role="rule">
        {t("office.oncall.rule", {
          days: s.rotation_days,
          day: tDyn(`office.oncall.day.${s.handoff_day}`),
          time: s.handoff_time,
          start: fmt.date(berlinToMs(s.start_date) + 12 * 3600e3),
        })}{" "}
        {t("office.oncall.members", { names: s.members.map((m) => name(m.employee_id)).join(" → ") })}
      </p>
      <h3>{t("office.oncall.plan")}</h3>
      <table class="oo-plan" data-role="plan">
        <thead>
          <tr>
            <th>{t("office.oncall.from")}</th>
            <th>{t("office.oncall.until")}</th>
            <th>{t("office.oncall.who")}</th>
            <th>{t("office.oncall.source")}</th>
          </tr>
        </thead>
        <tbody>
          {(steps ?? []).map((n, i) => (
            <tr key={i} data-source={n.source} data-employee-id={n.employee_id ?? ""}>
              <td>{n.from ? fmt.dateTime(Date.parse(n.from)) : "—"}</td>
              <td>{n.until ? fmt.dateTime(Date.parse(n.until)) : "—"}</td>
              <td data-col="who">{n.name ?? t("office.oncall.nobody")}</td>
              <td>{tDyn(`office.oncall.source.${n.source}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="office-head">
        <h3>{t("office.oncall.overrides")}</h3>
        <button
          type="button"
          data-role="new-override"
          onClick={() => {
            setErr(null);
            setForm({ id: null, employee_id: String(emps[0]?.id ?? ""), starts: `${today}T18:00`, ends: `${today}T23:00`, note: "" });
          }}
        >
          {t("office.oncall.new_override")}
        </button>
      </div>
      {ovs.length === 0 ? (
        <p class="muted">{t("office.oncall.no_overrides")}</p>
      ) : (
        <table data-role="overrides">
          <thead>
            <tr>
              <th>{t("office.oncall.from")}</th>
              <th>{t("office.oncall.until")}</th>
              <th>{t("office.oncall.who")}</th>
              <th>{t("office.oncall.note")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {ovs.map((o) => (
              <tr key={o.id} data-override-id={o.id}>
                <td>{fmt.dateTime(Date.parse(o.starts_at))}</td>
                <td>{fmt.dateTime(Date.parse(o.ends_at))}</td>
                <td data-col="who">{name(o.employee_id)}</td>
                <td>{o.note ?? ""}</td>
                <td>
                  <button
                    type="button"
                    class="link"
                    data-edit={o.id}
                    onClick={() => {
                      setErr(null);
                      setForm({
                        id: o.id,
                        employee_id: String(o.employee_id),
                        starts: msToBerlin(Date.parse(o.starts_at)),
                        ends: msToBerlin(Date.parse(o.ends_at)),
                        note: o.note ?? "",
                      });
                    }}
                  >
                    {t("office.edit")}
                  </button>{" "}
                  <button type="button" class="link danger" data-delete={o.id} onClick={() => setConfirmId(o.id)}>
                    {t("office.delete")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirmId !== null && (
        <div class="confirm" role="alertdialog" aria-labelledby={`${id}-confirm-text`}>
          <p id={`${id}-confirm-text`}>
            {t("office.oncall.confirm_delete", {
              name: name(ovs.find((o) => o.id === confirmId)?.employee_id ?? null),
              from: when(ovs.find((o) => o.id === confirmId)?.starts_at),
            })}
          </p>
          <button type="button" class="danger" data-role="delete-yes" disabled={busy} onClick={() => remove(confirmId)}>
            {t("office.delete_yes")}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirmId(null)}>
            {t("office.cancel")}
          </button>
        </div>
      )}
      {form && (
        <form onSubmit={save} novalidate class="office-form" data-role="override-form">
          <Field id={`${id}-employee`} label={t("office.oncall.who")} error={errorOf(err, "employee_id")}>
            <select id={`${id}-employee`} value={form.employee_id} onChange={(e) => setForm({ ...form, employee_id: val(e) })}>
              {emps.map((x) => (
                <option key={x.id} value={String(x.id)}>
                  {x.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id={`${id}-starts`} label={t("office.oncall.from")} error={errorOf(err, "starts_at")} hint={t("office.calendar.zone")}>
            <input id={`${id}-starts`} type="datetime-local" value={form.starts} onInput={(e) => setForm({ ...form, starts: val(e) })} />
          </Field>
          <Field id={`${id}-ends`} label={t("office.oncall.until")} error={errorOf(err, "ends_at")}>
            <input id={`${id}-ends`} type="datetime-local" value={form.ends} onInput={(e) => setForm({ ...form, ends: val(e) })} />
          </Field>
          <Field id={`${id}-note`} label={t("office.oncall.note")} error={errorOf(err, "note")}>
            <input id={`${id}-note`} type="text" value={form.note} onInput={(e) => setForm({ ...form, note: val(e) })} />
          </Field>
          <div class="actions">
            <button type="submit" data-role="save-override" disabled={busy}>
              {t("office.save")}
            </button>
            <button type="button" class="secondary" onClick={() => setForm(null)}>
              {t("office.cancel")}
            </button>
          </div>
        </form>
      )}
      <p class="error" role="alert" data-role="error">
        {formError(err, form ? ["employee_id", "starts_at", "ends_at", "note"] : [])}
      </p>
    </article>
  );
}

interface SForm {
  id: number | null;
  name: string;
  handoff_day: string;
  handoff_time: string;
  start_date: string;
  rotation_days: string;
  members: string[];
}
const SFIELDS = ["name", "handoff_day", "handoff_time", "start_date", "rotation_days", "members"];

export function OfficeOncall({ session }: { session: Session }) {
  const tid = session.tenant_id;
  const [emps, setEmps] = useState<Emp[] | null>(null);
  const [list, setList] = useState<Schedule[] | null>(null);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [form, setForm] = useState<SForm | null>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => setList(await api<Schedule[]>("GET", `/oncall_schedules?tenant_id=${tid}`));
  useEffect(() => {
    Promise.all([api<Emp[]>("GET", `/employees?tenant_id=${tid}&sort=name`).then(setEmps), load()]).catch(setLoadErr);
  }, [tid]);

  if (loadErr)
    return (
      <section aria-labelledby="oo-title">
        <h1 id="oo-title">{t("office.oncall.title")}</h1>
        <LoadError e={loadErr} id="oo-load-error" />
      </section>
    );
  if (!emps || !list) return <div aria-busy="true" />;

  const open = (s: Schedule | null) => {
    setErr(null);
    setForm(
      s
        ? {
            id: s.id,
            name: s.name,
            handoff_day: s.handoff_day,
            handoff_time: s.handoff_time,
            start_date: s.start_date,
            rotation_days: String(s.rotation_days),
            members: s.members.map((m) => String(m.employee_id)),
          }
        : { id: null, name: "", handoff_day: "mon", handoff_time: "08:00", start_date: "", rotation_days: "7", members: [] },
    );
  };
  const save = async (ev: Event) => {
    ev.preventDefault();
    if (!form) return;
    setBusy(true);
    setErr(null);
    const body: Record<string, unknown> = {
      name: form.name.trim(),
      handoff_day: form.handoff_day,
      handoff_time: form.handoff_time,
      start_date: form.start_date,
      rotation_days: Number(form.rotation_days),
      members: form.members.filter((m) => m).map((m) => ({ employee_id: Number(m) })),
    };
    try {
      if (form.id === null) await api("POST", "/oncall_schedules", { tenant_id: tid, ...body });
      else await api("PATCH", `/oncall_schedules/${form.id}`, body);
      setForm(null);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!form || form.id === null) return;
    try {
      await api("DELETE", `/oncall_schedules/${form.id}`);
      setForm(null);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    }
  };
  const set = (k: keyof SForm) => (e: Event) => setForm({ ...form!, [k]: val(e) });

  return (
    <section aria-labelledby="oo-title" class="office">
      <div class="office-head">
        <h1 id="oo-title">{t("office.oncall.title")}</h1>
        <button type="button" id="oo-new" onClick={() => open(null)}>
          {t("office.oncall.new")}
        </button>
      </div>
      {form && (
        <form onSubmit={save} novalidate id="oo-form" class="office-form">
          <h2>{form.id === null ? t("office.oncall.new") : t("office.oncall.edit")}</h2>
          <Field id="oo-name" label={t("office.oncall.name")} error={errorOf(err, "name")}>
            <input id="oo-name" type="text" value={form.name} onInput={set("name")} />
          </Field>
          <Field id="oo-rotation_days" label={t("office.oncall.rotation_days")} error={errorOf(err, "rotation_days")}>
            <input id="oo-rotation_days" type="number" min={1} max={364} value={form.rotation_days} onInput={set("rotation_days")} />
          </Field>
          <Field id="oo-handoff_day" label={t("office.oncall.handoff_day")} error={errorOf(err, "handoff_day")}>
            <select id="oo-handoff_day" value={form.handoff_day} onChange={set("handoff_day")}>
              {DAYS.map((d) => (
                <option key={d} value={d}>
                  {tDyn(`office.oncall.day.${d}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="oo-handoff_time" label={t("office.oncall.handoff_time")} error={errorOf(err, "handoff_time")}>
            <input id="oo-handoff_time" type="time" value={form.handoff_time} onInput={set("handoff_time")} />
          </Field>
          <Field id="oo-start_date" label={t("office.oncall.start_date")} error={errorOf(err, "start_date")}>
            <input id="oo-start_date" type="date" value={form.start_date} onInput={set("start_date")} />
          </Field>
          <fieldset id="oo-members">
            <legend>{t("office.oncall.members_label")}</legend>
            {form.members.map((m, i) => (
              <div class="field check" key={i}>
                <label for={`oo-member-${i}`}>{t("office.oncall.turn", { n: i + 1 })}</label>
                <select
                  id={`oo-member-${i}`}
                  value={m}
                  onChange={(e) => setForm({ ...form, members: form.members.map((x, j) => (j === i ? val(e) : x)) })}
                >
                  {emps.map((x) => (
                    <option key={x.id} value={String(x.id)}>
                      {x.name}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setForm({ ...form, members: form.members.filter((_, j) => j !== i) })}
                >
                  {t("office.oncall.remove_member")}
                </button>
              </div>
            ))}
            <button
              type="button"
              class="secondary"
              id="oo-add-member"
              onClick={() => setForm({ ...form, members: [...form.members, String(emps[0]?.id ?? "")] })}
            >
              {t("office.oncall.add_member")}
            </button>
            <p class="error field-error" id="oo-members-error">
              {errorOf(err, "members")}
            </p>
          </fieldset>
          <p class="error" role="alert" id="oo-error">
            {formError(err, SFIELDS)}
          </p>
          <div class="actions">
            <button type="submit" id="oo-save" disabled={busy}>
              {t("office.save")}
            </button>
            <button type="button" class="secondary" onClick={() => setForm(null)}>
              {t("office.cancel")}
            </button>
            {form.id !== null && (
              <button type="button" class="danger" id="oo-delete" onClick={remove}>
                {t("office.oncall.delete")}
              </button>
            )}
          </div>
        </form>
      )}
      {list.length === 0 && <p class="muted">{t("office.oncall.none")}</p>}
      {list.map((s) => (
        <ScheduleCard key={s.id} s={s} emps={emps} onEdit={() => open(s)} />
      ))}
    </section>
  );
}
