// The client's callers (seeds/001 "VIP-Kunden", seeds/002 "Allow- und
// Block-Listen"): the VIP list with the info the agent sees, the allow list
// (put through directly) and the block list, each a table with a form to
// create, edit and delete an entry; the VIP call guide of the profile in
// force is shown beside the VIPs (it is edited under "Unternehmen").
import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { fmt, t, tDyn } from "../i18n";
import { errorOf, Field, fieldError, formError, LoadError, val, type FieldError } from "./officeShared";
import { berlinToMs, iso, msToBerlin } from "./officeTime";

interface Emp {
  id: number;
  name: string;
}
type Row = Record<string, unknown> & { id: number };
interface Col {
  key: string; // the API's field
  kind: "text" | "tel" | "employee" | "datetime";
}

/* One list of the screen: its API collection, the fields of its form,
 * what every create carries besides (tenant_id, list). */
function ListSection({
  id,
  title,
  hint,
  path,
  query,
  extra,
  cols,
  emps,
  onLoadError,
}: {
  id: string;
  title: string;
  hint: string;
  path: string;
  query: string;
  extra: Record<string, unknown>;
  cols: Col[];
  emps: Emp[];
  onLoadError: (e: unknown) => void;
}) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [form, setForm] = useState<Record<string, string> | null>(null);
  const [editId, setEditId] = useState<number | null>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const fields = cols.map((c) => c.key);

  const load = async () => setRows(await api<Row[]>("GET", `${path}?${query}`));
  useEffect(() => {
    load().catch(onLoadError);
  }, [query]);

  const empty = () => Object.fromEntries(cols.map((c) => [c.key, ""]));
  const open = (r: Row | null) => {
    setErr(null);
    setConfirm(false);
    setEditId(r ? r.id : null);
    if (!r) return setForm(empty());
    const f: Record<string, string> = {};
    for (const c of cols) {
      const v = r[c.key];
      f[c.key] =
        v === null || v === undefined ? "" : c.kind === "datetime" ? msToBerlin(Date.parse(String(v))) : String(v);
    }
    setForm(f);
  };
  const save = async (ev: Event) => {
    ev.preventDefault();
    if (!form) return;
    setBusy(true);
    setErr(null);
    const body: Record<string, unknown> = editId === null ? { ...extra } : {};
    for (const c of cols) {
      const v = form[c.key].trim();
      if (c.kind === "employee") body[c.key] = v ? Number(v) : null;
      else if (c.kind === "datetime") body[c.key] = v ? iso(berlinToMs(v)) : null;
      else if (c.key === "note") body[c.key] = v || null;
      else body[c.key] = v;
    }
    try {
      if (editId === null) await api("POST", path, body);
      else await api("PATCH", `${path}/${editId}`, body);
      setForm(null);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await api("DELETE", `${path}/${editId}`);
      setForm(null);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };
  const cell = (r: Row, c: Col) => {
    const v = r[c.key];
    if (c.kind === "employee")
      return v === null ? t("office.callers.company") : (emps.find((e) => e.id === v)?.name ?? String(v));
    if (c.kind === "datetime") return v ? fmt.dateTime(Date.parse(String(v))) : t("office.callers.never");
    return v === null ? "" : String(v);
  };
  const label = (k: string) => tDyn(`office.callers.field.${k}`);

  return (
    <section aria-labelledby={`${id}-title`} class="oc-section" id={id}>
      <div class="office-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" id={`${id}-new`} onClick={() => open(null)}>
          {t("office.callers.new")}
        </button>
      </div>
      <p class="muted">{hint}</p>
      {rows && rows.length === 0 && <p class="muted">{t("office.callers.none")}</p>}
      {rows && rows.length > 0 && (
        <table id={`${id}-list`} aria-labelledby={`${id}-title`}>
          <thead>
            <tr>
              {cols.map((c) => (
                <th key={c.key}>{label(c.key)}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-id={r.id}>
                {cols.map((c) => (
                  <td key={c.key} data-col={c.key}>
                    {cell(r, c)}
                  </td>
                ))}
                <td>
                  <button type="button" class="link" data-edit={r.id} onClick={() => open(r)}>
                    {t("office.edit")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {form && (
        <form onSubmit={save} novalidate id={`${id}-form`} class="office-form">
          <h3>{editId === null ? t("office.callers.new") : t("office.callers.edit")}</h3>
          {cols.map((c) => (
            <Field key={c.key} id={`${id}-${c.key}`} label={label(c.key)} error={errorOf(err, c.key)}>
              {c.kind === "employee" ? (
                <select
                  id={`${id}-${c.key}`}
                  value={form[c.key]}
                  onChange={(e) => setForm({ ...form, [c.key]: val(e) })}
                >
                  <option value="">{t("office.callers.company")}</option>
                  {emps.map((x) => (
                    <option key={x.id} value={String(x.id)}>
                      {x.name}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={`${id}-${c.key}`}
                  type={c.kind === "datetime" ? "datetime-local" : c.kind}
                  value={form[c.key]}
                  onInput={(e) => setForm({ ...form, [c.key]: val(e) })}
                />
              )}
            </Field>
          ))}
          <p class="error" role="alert" id={`${id}-error`}>
            {formError(err, fields)}
          </p>
          <div class="actions">
            <button type="submit" id={`${id}-save`} disabled={busy}>
              {t("office.save")}
            </button>
            <button type="button" class="secondary" onClick={() => setForm(null)}>
              {t("office.cancel")}
            </button>
            {editId !== null && !confirm && (
              <button type="button" class="danger" id={`${id}-delete`} onClick={() => setConfirm(true)}>
                {t("office.delete")}
              </button>
            )}
          </div>
          {confirm && (
            <div class="confirm" role="alertdialog" aria-labelledby={`${id}-confirm-text`}>
              <p id={`${id}-confirm-text`}>{t("office.callers.confirm_delete", { number: form.number })}</p>
              <button type="button" class="danger" id={`${id}-delete-yes`} disabled={busy} onClick={remove}>
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

export function OfficeCallers({ session }: { session: Session }) {
  const tid = session.tenant_id;
  const [emps, setEmps] = useState<Emp[] | null>(null);
  const [guide, setGuide] = useState("");
  const [loadErr, setLoadErr] = useState<unknown>(null);

  useEffect(() => {
    api<Emp[]>("GET", `/employees?tenant_id=${tid}&sort=name`)
      .then(setEmps)
      .catch(setLoadErr);
    api<{ settings: { vip_call_guide?: string } | null }>("GET", `/tenants/${tid}/profile`)
      .then((p) => setGuide(p.settings?.vip_call_guide ?? ""))
      .catch(() => setGuide(""));
  }, [tid]);

  if (loadErr)
    return (
      <section aria-labelledby="ocl-title">
        <h1 id="ocl-title">{t("office.callers.title")}</h1>
        <LoadError e={loadErr} id="ocl-load-error" />
      </section>
    );
  if (!emps) return <div aria-busy="true" />;
  return (
    <section aria-labelledby="ocl-title" class="office">
      <h1 id="ocl-title">{t("office.callers.title")}</h1>
      <ListSection
        id="ov"
        title={t("office.callers.vips")}
        hint={t("office.callers.vips_hint")}
        path="/vips"
        query={`tenant_id=${tid}`}
        extra={{ tenant_id: tid }}
        cols={[
          { key: "number", kind: "tel" },
          { key: "name", kind: "text" },
          { key: "note", kind: "text" },
          { key: "employee_id", kind: "employee" },
        ]}
        emps={emps}
        onLoadError={setLoadErr}
      />
      <div class="oc-guide" id="ov-guide">
        <h3>{t("office.callers.vip_guide")}</h3>
        <p class="pre" data-role="guide">
          {guide || t("office.callers.no_guide")}
        </p>
      </div>
      <ListSection
        id="oal"
        title={t("office.callers.allow")}
        hint={t("office.callers.allow_hint")}
        path="/caller_lists"
        query={`tenant_id=${tid}&list=allow`}
        extra={{ tenant_id: tid, list: "allow" }}
        cols={[
          { key: "number", kind: "tel" },
          { key: "note", kind: "text" },
          { key: "employee_id", kind: "employee" },
          { key: "expires_at", kind: "datetime" },
        ]}
        emps={emps}
        onLoadError={setLoadErr}
      />
      <ListSection
        id="obl"
        title={t("office.callers.block")}
        hint={t("office.callers.block_hint")}
        path="/caller_lists"
        query={`tenant_id=${tid}&list=block`}
        extra={{ tenant_id: tid, list: "block" }}
        cols={[
          { key: "number", kind: "tel" },
          { key: "note", kind: "text" },
          { key: "expires_at", kind: "datetime" },
        ]}
        emps={emps}
        onLoadError={setLoadErr}
      />
    </section>
  );
}
