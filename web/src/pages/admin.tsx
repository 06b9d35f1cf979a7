// The operator's administration (issue 19): clients, numbers, devices,
// trunks, queues and agents, each a list and a form made from its
// description in adminResources.ts.  /admin/<kind> lists, /admin/<kind>/new
// creates, /admin/<kind>/<id> edits and deletes (after a question).  The
// shell offers it to operators only; the API's 403 is the guard, and a
// refused load shows the calm "not allowed" page.
import { useEffect, useState } from "preact/hooks";
import "./admin.css";
import { api, ApiError, type Session } from "../api";
import { t, tDyn } from "../i18n";
import { navigate } from "../router";
import { AgentState } from "./adminAgent";
import {
  errorOf,
  Field,
  fieldError,
  formError,
  LoadError,
  val,
  checked,
  type FieldError,
} from "./officeShared";
import {
  RESOURCES,
  type FieldDef,
  type FormValue,
  type Names,
  type ResourceDef,
  type Row,
} from "./adminResources";

type Form = Record<string, FormValue>;

export function Admin({ session, path }: { session: Session; path: string }) {
  const m = /^\/admin(?:\/([a-z_]+)(?:\/(new|\d+))?)?$/.exec(path);
  const def = m && RESOURCES.find((r) => r.key === (m[1] ?? "tenants"));
  if (session.role !== "operator") return <NotAllowed />;
  if (!m || !def) return <NotAllowed notFound />;
  if (!m[1]) {
    navigate("/admin/tenants", true);
    return null;
  }
  return (
    <div class="admin office">
      <nav aria-label={t("admin.nav")} class="admin-nav">
        <ul>
          {RESOURCES.map((r) => (
            <li key={r.key}>
              <a
                href={`/admin/${r.key}`}
                aria-current={r.key === def.key ? "page" : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/admin/${r.key}`);
                }}
              >
                {tDyn(`admin.${r.key}.title`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {m[2] ? (
        <AdminForm key={def.key + m[2]} def={def} which={m[2]} />
      ) : (
        <AdminList key={def.key} def={def} />
      )}
    </div>
  );
}

/* The calm page for a screen the login may not use (the API says 403). */
export function NotAllowed({ notFound = false }: { notFound?: boolean }) {
  return (
    <section aria-labelledby="admin-forbidden-title" id="admin-forbidden">
      <h1 id="admin-forbidden-title">
        {notFound ? t("notfound.title") : t("admin.forbidden.title")}
      </h1>
      <p>{notFound ? t("notfound.text") : t("admin.forbidden.text")}</p>
    </section>
  );
}

const nameOf = (r: Row): string =>
  String(r.name ?? r.e164 ?? r.username ?? `#${String(r.id ?? "")}`);

/* the names of the records of the lists given: path -> id -> name */
async function loadNames(paths: string[]): Promise<Names> {
  const names: Names = new Map();
  await Promise.all(
    paths.map(async (p) => {
      try {
        const rows = await api<Row[]>("GET", p);
        names.set(p, new Map(rows.map((r) => [Number(r.id ?? r.employee_id), nameOf(r)])));
      } catch {
        names.set(p, new Map()); // shown as "#id"
      }
    }),
  );
  return names;
}

function AdminList({ def }: { def: ResourceDef }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [names, setNames] = useState<Names>(new Map());
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    api<Row[]>("GET", def.path)
      .then(async (rs) => {
        setNames(await loadNames(def.refs(rs)));
        setRows(rs);
      })
      .catch(setErr);
  }, [def.key]);
  const title = tDyn(`admin.${def.key}.title`);
  if (err instanceof ApiError && err.status === 403) return <NotAllowed />;
  return (
    <section aria-labelledby="admin-title">
      <div class="office-head">
        <h1 id="admin-title">{title}</h1>
        {def.create && (
          <a
            class="button"
            id="admin-new"
            href={`/admin/${def.key}/new`}
            onClick={(e) => {
              e.preventDefault();
              navigate(`/admin/${def.key}/new`);
            }}
          >
            {tDyn(`admin.${def.key}.new`)}
          </a>
        )}
      </div>
      {err ? (
        <LoadError e={err} id="admin-load-error" />
      ) : !rows ? (
        <div aria-busy="true" />
      ) : rows.length === 0 ? (
        <p class="muted" id="admin-empty">
          {t("admin.empty")}
        </p>
      ) : (
        <table id="admin-list">
          <caption class="sr-only">{title}</caption>
          <thead>
            <tr>
              {def.columns.map((c) => (
                <th scope="col" key={c.name}>
                  {tDyn(`admin.f.${def.key}.${c.name}`)}
                </th>
              ))}
              <th scope="col">
                <span class="sr-only">{t("admin.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const id = def.idOf(r);
              return (
                <tr key={id} data-id={id}>
                  {def.columns.map((c, i) => {
                    const text = c.show ? c.show(r, names) : String(r[c.name] ?? "");
                    return i === 0 ? (
                      <th scope="row" data-col={c.name} key={c.name}>
                        {text}
                      </th>
                    ) : (
                      <td data-col={c.name} key={c.name}>
                        {text}
                      </td>
                    );
                  })}
                  <td>
                    <a
                      href={`/admin/${def.key}/${id}`}
                      aria-label={`${t("office.edit")}: ${nameOf(r)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/admin/${def.key}/${id}`);
                      }}
                    >
                      {t("office.edit")}
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

/* the form's value of each field for a record (null: a new one) */
function formOf(def: ResourceDef, r: Row | null): Form {
  const f: Form = {};
  for (const d of def.fields) {
    const v = r ? r[d.name] : undefined;
    if (d.kind === "bool") f[d.name] = r ? v === true : d.def ?? d.name === "active";
    else if (d.kind === "select") f[d.name] = r && v !== null ? str(v) : d.nullAs ?? d.options![0];
    else if (d.kind === "password") f[d.name] = "";
    else if (d.kind === "members")
      f[d.name] = ((v as { employee_id: number; tier: number }[]) ?? []).map(
        (x): [number, number] => [x.employee_id, x.tier ?? 0],
      );
    else if (d.kind === "tuples")
      f[d.name] = ((v as Record<string, unknown>[]) ?? [])
        .map((x) => d.keys!.map((k) => str(x[k])).join(" "))
        .join(", ");
    else if (d.kind === "skills")
      f[d.name] = ((v as { name: string; level: number }[]) ?? [])
        .map((s) => `${s.name} ${s.level}`)
        .join(", ");
    else f[d.name] = str(v);
  }
  return f;
}

/* what the API takes for a field's form value (undefined: leave it out) */
function bodyValue(d: FieldDef, v: FormValue, old: Row | null): unknown {
  if (d.kind === "bool") return v;
  if (d.kind === "select" && d.nullAs !== undefined && v === d.nullAs) return old ? null : undefined;
  if (d.kind === "members")
    return (v as [number, number][]).map(([id, tier]) => ({ employee_id: id, tier }));
  const s = String(v).trim();
  if (d.kind === "tuples")
    return s === ""
      ? []
      : s.split(",").map((part) => {
          // "de 5 30": the keys in order; digits are numbers, the server
          // names what is wrong (a missing value takes its default)
          const o: Record<string, unknown> = {};
          part
            .trim()
            .split(/\s+/)
            .forEach((w, i) => {
              if (i < d.keys!.length) o[d.keys![i]] = /^\d+$/.test(w) ? Number(w) : w;
            });
          return o;
        });
  if (d.kind === "skills")
    return s === ""
      ? []
      : s.split(",").map((part) => {
          const [name, level] = part.trim().split(/\s+/);
          return { name: name ?? "", level: /^\d+$/.test(level ?? "") ? Number(level) : level ?? 1 };
        });
  if (s === "") return old ? (d.kind === "password" ? undefined : null) : undefined;
  if (d.kind === "int" || d.kind === "ref") return /^-?\d+$/.test(s) ? Number(s) : s;
  return s;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/* a password to hand out once: 16 letters and digits */
function newPassword(): string {
  const abc = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479";
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => abc[x % abc.length]).join("");
}

function AdminForm({ def, which }: { def: ResourceDef; which: string }) {
  const isNew = which === "new";
  const [row, setRow] = useState<Row | null>(null);
  const [f, setF] = useState<Form>(formOf(def, null));
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [once, setOnce] = useState<{ username: string; password: string } | null>(null);
  const [choices, setChoices] = useState<Map<string, Row[]>>(new Map());

  useEffect(() => {
    if (isNew || !def) return;
    api<Row>("GET", `${def.path}/${which}`)
      .then((r) => {
        setRow(r);
        setF(formOf(def, r));
      })
      .catch(setLoadErr);
  }, [which]);

  /* the choices of the ref and members fields, as the form's tenant and
   * target type say */
  const refPaths = def.fields
    .filter((d) => d.ref)
    .map((d) => d.ref!(f))
    .filter((p): p is string => !!p);
  const refKey = refPaths.join(" ");
  useEffect(() => {
    let live = true;
    Promise.all(
      refPaths.map((p) =>
        api<Row[]>("GET", p)
          .then((rs) => [p, rs] as const)
          .catch(() => [p, [] as Row[]] as const),
      ),
    ).then((all) => live && setChoices(new Map(all)));
    return () => {
      live = false;
    };
  }, [refKey]);

  const back = () => navigate(`/admin/${def.key}`);
  const title = tDyn(isNew ? `admin.${def.key}.new` : `admin.${def.key}.edit`);
  if (loadErr)
    return loadErr instanceof ApiError && loadErr.status === 403 ? (
      <NotAllowed />
    ) : (
      <section aria-labelledby="admin-title">
        <h1 id="admin-title">{title}</h1>
        <LoadError e={loadErr} id="admin-load-error" />
      </section>
    );
  if (!isNew && !row) return <div aria-busy="true" />;

  if (once)
    return (
      <section aria-labelledby="admin-title">
        <h1 id="admin-title">{t("admin.once.title")}</h1>
        <div class="confirm" id="admin-once" role="status">
          <p>{t("admin.once.text")}</p>
          <p>
            {t("admin.f.devices.username")}: <code id="admin-once-username">{once.username}</code>
            <br />
            {t("admin.f.devices.password")}: <code id="admin-once-password">{once.password}</code>
          </p>
        </div>
        <div class="actions">
          <button type="button" id="admin-once-done" onClick={back}>
            {t("admin.once.done")}
          </button>
        </div>
      </section>
    );

  const save = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setErr(null);
    const body: Record<string, unknown> = {};
    const was = row ? formOf(def, row) : null;
    for (const d of def.fields) {
      if (!isNew && d.fixed) continue;
      if (was && same(f[d.name], was[d.name])) continue; // PATCH: what changed
      const v = bodyValue(d, f[d.name], row);
      if (v !== undefined) body[d.name] = v;
    }
    try {
      if (isNew) await api("POST", def.path, body);
      else if (Object.keys(body).length) await api("PATCH", `${def.path}/${which}`, body);
      if (def.key === "devices" && typeof body.password === "string")
        setOnce({ username: String(f.username).trim(), password: body.password });
      else back();
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await api("DELETE", `${def.path}/${which}`);
      back();
    } catch (x) {
      setErr(fieldError(x));
      setConfirm(false);
    } finally {
      setBusy(false);
    }
  };

  const label = (d: FieldDef) => tDyn(`admin.f.${def.key}.${d.name}`);
  const hint = (d: FieldDef) => (d.hint ? tDyn(`admin.hint.${def.key}.${d.name}`) : undefined);
  const field = (d: FieldDef) => {
    const id = `ad-${d.name}`;
    const error = errorOf(err, d.name);
    const set = (v: FormValue) => setF({ ...f, [d.name]: v });
    const disabled = !isNew && d.fixed;
    if (d.kind === "bool")
      return (
        <div class="field check" key={d.name}>
          <input
            type="checkbox"
            id={id}
            checked={f[d.name] as boolean}
            onChange={(e) => set(checked(e))}
            aria-describedby={id + "-error"}
          />
          <label for={id}>{label(d)}</label>
          <p class="error field-error" id={id + "-error"} role={error ? "alert" : undefined}>
            {error}
          </p>
        </div>
      );
    if (d.kind === "members") {
      const emps = (d.ref && choices.get(d.ref(f) ?? "")) || [];
      const ms = f[d.name] as [number, number][];
      const tierOf = (eid: number) => ms.find(([x]) => x === eid)?.[1];
      return (
        <fieldset class="field" key={d.name} id={id} aria-describedby={id + "-error"}>
          <legend>{label(d)}</legend>
          {emps.length === 0 && <p class="muted">{t("admin.members.none")}</p>}
          {emps.map((e) => {
            const eid = Number(e.id);
            return (
              <div class="field check" key={eid}>
                <input
                  type="checkbox"
                  id={`${id}-${eid}`}
                  checked={tierOf(eid) !== undefined}
                  onChange={(ev) =>
                    set(checked(ev) ? [...ms, [eid, 0]] : ms.filter(([x]) => x !== eid))
                  }
                />
                <label for={`${id}-${eid}`}>{nameOf(e)}</label>
                {tierOf(eid) !== undefined && (
                  <select
                    id={`${id}-${eid}-tier`}
                    aria-label={t("admin.members.tier", { name: nameOf(e) })}
                    value={String(tierOf(eid))}
                    onChange={(ev) =>
                      set(ms.map(([x, tr]): [number, number] => [x, x === eid ? Number(val(ev)) : tr]))
                    }
                  >
                    {[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => (
                      <option value={String(n)} key={n}>
                        {t("admin.members.tier_n", { n })}
                      </option>
                    ))}
                  </select>
                )}
              </div>
            );
          })}
          <p class="error field-error" id={id + "-error"} role={error ? "alert" : undefined}>
            {error}
          </p>
        </fieldset>
      );
    }
    let input;
    if (d.kind === "select")
      input = (
        <select id={id} value={f[d.name] as string} onChange={(e) => set(val(e))} disabled={disabled}>
          {d.options!.map((o) => (
            <option value={o} key={o}>
              {tDyn(`admin.opt.${d.opts ?? d.name}.${o}`)}
            </option>
          ))}
        </select>
      );
    else if (d.kind === "ref") {
      const p = d.ref!(f);
      const opts = (p && choices.get(p)) || [];
      const cur = f[d.name] as string;
      input = (
        <select id={id} value={cur} onChange={(e) => set(val(e))} disabled={disabled}>
          {(d.refNone || cur === "") && (
            <option value="">{d.refNone ? t("admin.none") : t("admin.choose")}</option>
          )}
          {cur !== "" && !opts.some((o) => String(o.id) === cur) && (
            <option value={cur}>#{cur}</option>
          )}
          {opts.map((o) => (
            <option value={String(o.id)} key={String(o.id)}>
              {nameOf(o)}
            </option>
          ))}
        </select>
      );
    } else
      input = (
        <input
          id={id}
          type={d.kind === "int" ? "number" : "text"}
          inputMode={d.kind === "int" ? "numeric" : undefined}
          autoComplete={d.kind === "password" ? "new-password" : "off"}
          value={f[d.name] as string}
          onInput={(e) => set(val(e))}
          disabled={disabled}
          aria-describedby={id + "-error"}
        />
      );
    return (
      <Field id={id} label={label(d)} error={error} hint={hint(d)} key={d.name}>
        {d.kind === "password" ? (
          <div class="actions">
            {input}
            <button type="button" class="secondary" id="ad-password-generate" onClick={() => set(newPassword())}>
              {t("admin.password.generate")}
            </button>
            {row && "has_password" in row && (
              <span class="muted" id="ad-has-password">
                {row.has_password ? t("admin.password.set") : t("admin.password.unset")}
              </span>
            )}
          </div>
        ) : (
          input
        )}
      </Field>
    );
  };

  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">{title}</h1>
      {row && def.key === "agents" && (
        <p class="muted" id="admin-agent-name">
          {String(row.name ?? "")}
        </p>
      )}
      <form onSubmit={save} novalidate id="admin-form" class="office-form">
        {def.fields.map(field)}
        <p class="error" role="alert" id="admin-error">
          {formError(
            err,
            def.fields.map((d) => d.name),
          )}
        </p>
        <div class="actions">
          <button type="submit" id="admin-save" disabled={busy}>
            {t("office.save")}
          </button>
          <button type="button" class="secondary" onClick={back}>
            {t("office.back")}
          </button>
          {!isNew && def.remove && !confirm && (
            <button type="button" class="danger" id="admin-delete" onClick={() => setConfirm(true)}>
              {t("office.delete")}
            </button>
          )}
        </div>
        {confirm && (
          <div class="confirm" role="alertdialog" aria-labelledby="admin-confirm-text">
            <p id="admin-confirm-text">{t("admin.confirm_delete", { name: row ? nameOf(row) : "" })}</p>
            <button type="button" class="danger" id="admin-delete-yes" disabled={busy} onClick={remove}>
              {t("office.delete_yes")}
            </button>
            <button type="button" class="secondary" onClick={() => setConfirm(false)}>
              {t("office.cancel")}
            </button>
          </div>
        )}
      </form>
      {row && def.key === "agents" && <AgentState row={row} onChange={setRow} />}
    </section>
  );
}
