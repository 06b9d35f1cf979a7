// The client's employees (seeds/001 "Unternehmen > Mitarbeiter"): the list
// in phone-book order (the server's ?sort=name), a form to create or edit
// one (/office/employees/new, /office/employees/:id) with every field and
// flag of the API, deleting after a confirmation, the CSV export and
// import (officeImport.tsx).  Errors show at the field the server names.
import { useEffect, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { t, tDyn } from "../i18n";
import { navigate } from "../router";
import { OfficeImport } from "./officeImport";
import {
  checked,
  errorOf,
  Field,
  fieldError,
  formError,
  LoadError,
  val,
  type FieldError,
} from "./officeShared";

export interface Employee {
  id: number;
  tenant_id: number;
  name: string;
  first_name: string;
  last_name: string;
  email: string | null;
  cc: string | null;
  position: string | null;
  responsibility: string | null;
  mobile: string | null;
  sms: boolean;
  substitute_id: number | null;
  extension: string | null;
  transfer_number: string | null;
  transfer: string;
  vip_sms: boolean;
  personal_number: string | null;
  show_personal_number: boolean;
}

const TEXTS = [
  "name",
  "email",
  "cc",
  "position",
  "responsibility",
  "mobile",
  "extension",
  "transfer_number",
  "personal_number",
] as const;
type TextField = (typeof TEXTS)[number];
const FLAGS = ["sms", "vip_sms", "show_personal_number"] as const;
type Flag = (typeof FLAGS)[number];
const FORM_FIELDS = [...TEXTS, ...FLAGS, "substitute_id", "transfer", "first_name", "last_name"];

type Form = Record<TextField, string> &
  Record<Flag, boolean> & { substitute_id: string; transfer: string };

function formOf(e: Employee | null): Form {
  const f = {} as Form;
  for (const k of TEXTS) f[k] = (e?.[k] as string | null) ?? "";
  for (const k of FLAGS) f[k] = !!e?.[k];
  f.substitute_id = e?.substitute_id ? String(e.substitute_id) : "";
  f.transfer = e?.transfer ?? "none";
  return f;
}

export function OfficeEmployees({ session, path }: { session: Session; path: string }) {
  const tid = session.tenant_id;
  const [list, setList] = useState<Employee[] | null>(null);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const m = /^\/office\/employees\/(new|\d+)$/.exec(path);
  const which = m ? m[1] : null;

  const load = async () => {
    try {
      setList(await api<Employee[]>("GET", `/employees?tenant_id=${tid}&sort=name`));
      setLoadErr(null);
    } catch (e) {
      setLoadErr(e);
    }
  };
  useEffect(() => {
    load();
  }, [tid]);

  if (loadErr)
    return (
      <section aria-labelledby="oe-title">
        <h1 id="oe-title">{t("office.employees.title")}</h1>
        <LoadError e={loadErr} id="oe-load-error" />
      </section>
    );
  if (which)
    return (
      <EmployeeForm
        tid={tid!}
        which={which}
        all={list ?? []}
        onDone={async () => {
          await load();
          navigate("/office/employees");
        }}
      />
    );
  return (
    <section aria-labelledby="oe-title" class="office">
      <div class="office-head">
        <h1 id="oe-title">{t("office.employees.title")}</h1>
        <div class="actions">
          <button type="button" id="oe-new" onClick={() => navigate("/office/employees/new")}>
            {t("office.employees.new")}
          </button>
          <a class="button secondary" id="oe-export" href={`/api/v1/tenants/${tid}/employees.csv`} download>
            {t("office.employees.export")}
          </a>
        </div>
      </div>
      {list && list.length === 0 && <p class="muted">{t("office.employees.none")}</p>}
      {list && list.length > 0 && (
        <table id="oe-list" aria-labelledby="oe-title">
          <thead>
            <tr>
              <th>{t("office.employees.col.name")}</th>
              <th>{t("office.employees.col.position")}</th>
              <th>{t("office.employees.col.extension")}</th>
              <th>{t("office.employees.col.transfer")}</th>
              <th>{t("office.employees.col.substitute")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id} data-employee-id={e.id}>
                <th data-col="name">{e.name}</th>
                <td>{e.position ?? ""}</td>
                <td>{e.extension ?? ""}</td>
                <td>{tDyn(`office.transfer.${e.transfer}`)}</td>
                <td>{list.find((x) => x.id === e.substitute_id)?.name ?? ""}</td>
                <td>
                  <a
                    href={`/office/employees/${e.id}`}
                    onClick={(ev) => {
                      ev.preventDefault();
                      navigate(`/office/employees/${e.id}`);
                    }}
                  >
                    {t("office.edit")}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <OfficeImport tid={tid!} onImported={load} />
    </section>
  );
}

function EmployeeForm({
  tid,
  which,
  all,
  onDone,
}: {
  tid: number;
  which: string;
  all: Employee[];
  onDone: () => void;
}) {
  const isNew = which === "new";
  const [emp, setEmp] = useState<Employee | null>(null);
  const [f, setF] = useState<Form>(formOf(null));
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);

  useEffect(() => {
    if (isNew) return;
    api<Employee>("GET", `/employees/${which}`)
      .then((e) => {
        setEmp(e);
        setF(formOf(e));
      })
      .catch(setLoadErr);
  }, [which]);

  const title = isNew ? t("office.employees.new") : t("office.employees.edit");
  if (loadErr)
    return (
      <section aria-labelledby="oe-form-title">
        <h1 id="oe-form-title">{title}</h1>
        <LoadError e={loadErr} id="oe-load-error" />
      </section>
    );
  if (!isNew && !emp) return <div aria-busy="true" />;

  const save = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setErr(null);
    const body: Record<string, unknown> = isNew ? { tenant_id: tid } : {};
    for (const k of TEXTS) body[k] = f[k].trim() === "" ? null : f[k].trim();
    if (body.name === null) body.name = ""; // the server names the field
    for (const k of FLAGS) body[k] = f[k];
    body.substitute_id = f.substitute_id ? Number(f.substitute_id) : null;
    body.transfer = f.transfer;
    try {
      if (isNew) await api("POST", "/employees", body);
      else await api("PATCH", `/employees/${which}`, body);
      onDone();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await api("DELETE", `/employees/${which}`);
      onDone();
    } catch (x) {
      setErr(fieldError(x));
      setConfirm(false);
    } finally {
      setBusy(false);
    }
  };
  const text = (k: TextField, type = "text") => (
    <Field
      id={`oe-${k}`}
      label={tDyn(`office.employee.${k}`)}
      error={errorOf(err, k) || (k === "name" ? errorOf(err, "first_name") || errorOf(err, "last_name") : "")}
    >
      <input
        id={`oe-${k}`}
        type={type}
        value={f[k]}
        onInput={(e) => setF({ ...f, [k]: val(e) })}
      />
    </Field>
  );
  const flag = (k: Flag) => (
    <div class="field check">
      <input
        type="checkbox"
        id={`oe-${k}`}
        checked={f[k]}
        onChange={(e) => setF({ ...f, [k]: checked(e) })}
      />
      <label for={`oe-${k}`}>{tDyn(`office.employee.${k}`)}</label>
      <p class="error field-error" id={`oe-${k}-error`}>
        {errorOf(err, k)}
      </p>
    </div>
  );

  return (
    <section aria-labelledby="oe-form-title" class="office">
      <h1 id="oe-form-title">{title}</h1>
      <form onSubmit={save} novalidate id="oe-form" class="office-form">
        {text("name")}
        <p class="muted">{t("office.employee.name_hint")}</p>
        {text("email", "email")}
        {text("cc")}
        {text("position")}
        {text("responsibility")}
        {text("mobile", "tel")}
        {flag("sms")}
        <Field id="oe-substitute_id" label={t("office.employee.substitute_id")} error={errorOf(err, "substitute_id")}>
          <select
            id="oe-substitute_id"
            value={f.substitute_id}
            onChange={(e) => setF({ ...f, substitute_id: val(e) })}
          >
            <option value="">{t("office.employee.no_substitute")}</option>
            {all
              .filter((x) => String(x.id) !== which)
              .map((x) => (
                <option value={String(x.id)} key={x.id}>
                  {x.name}
                </option>
              ))}
          </select>
        </Field>
        <h2>{t("office.employee.transfer_section")}</h2>
        {text("extension")}
        {text("transfer_number", "tel")}
        <Field id="oe-transfer" label={t("office.employee.transfer")} error={errorOf(err, "transfer")}>
          <select id="oe-transfer" value={f.transfer} onChange={(e) => setF({ ...f, transfer: val(e) })}>
            {["none", "all", "vip"].map((x) => (
              <option value={x} key={x}>
                {tDyn(`office.transfer.${x}`)}
              </option>
            ))}
          </select>
        </Field>
        {flag("vip_sms")}
        {text("personal_number", "tel")}
        {flag("show_personal_number")}
        <p class="error" role="alert" id="oe-error">
          {formError(err, FORM_FIELDS)}
        </p>
        <div class="actions">
          <button type="submit" id="oe-save" disabled={busy}>
            {t("office.save")}
          </button>
          <button type="button" class="secondary" onClick={() => navigate("/office/employees")}>
            {t("office.back")}
          </button>
          {!isNew && !confirm && (
            <button type="button" class="danger" id="oe-delete" onClick={() => setConfirm(true)}>
              {t("office.delete")}
            </button>
          )}
        </div>
        {confirm && (
          <div class="confirm" role="alertdialog" aria-labelledby="oe-confirm-text">
            <p id="oe-confirm-text">{t("office.employees.confirm_delete", { name: emp?.name ?? "" })}</p>
            <button type="button" class="danger" id="oe-delete-yes" disabled={busy} onClick={remove}>
              {t("office.delete_yes")}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirm(false)}>
              {t("office.cancel")}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}

