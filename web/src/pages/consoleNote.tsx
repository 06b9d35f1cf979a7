// The note form of the agent console: the fixed three (name, number,
// concern), then the client's extra fields of the pop's profile version
// (required ones marked), the employees it is for, urgent.  Saved with
// POST /api/v1/notes for the pop's call; an error is shown at the field
// the server names ("fields.Kundennummer: is required").  What is typed
// and not saved yet survives a reload of the page: it is kept in the
// tab's sessionStorage under the call (never in localStorage: caller data
// does not outlive the tab), and removed when the note is saved.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { t } from "../i18n";
import { FIXED, type NoteField, type Pop } from "./consoleTypes";

interface Saved {
  id: number;
}

/* the draft of the note of call record_id in sessionStorage */
interface Draft {
  vals: Record<string, string | boolean>;
  emps: number[];
  urgent: boolean;
}
const draftKey = (record: number) => `switchboard.console.note.${record}`;
function readDraft(record: number): Draft | null {
  try {
    const raw = sessionStorage.getItem(draftKey(record));
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

/* the input's id for a server field name */
function inputId(field: string, fields: NoteField[]): string {
  if (field === "caller_name" || field === "caller_number" || field === "concern")
    return `note-${field}`;
  if (field === "employee_ids") return "note-employees";
  if (field.startsWith("fields.")) {
    const i = fields.findIndex((f) => f.label === field.slice(7));
    if (i >= 0) return `note-field-${i}`;
  }
  return "note-general";
}

function value(f: NoteField, raw: string | boolean): unknown {
  if (f.type === "bool") return raw === true;
  if (f.type === "number" && typeof raw === "string" && raw.trim() !== "") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  return raw;
}

export function NoteForm({
  pop,
  onSaved,
}: {
  pop: Pop;
  onSaved: (id: number) => void;
}) {
  const fields = pop.note_fields ?? [
    { label: "Name", type: "text", required: true, fixed: true },
    { label: "Telefonnummer", type: "text", required: true, fixed: true },
    { label: "Anliegen", type: "text", required: true, fixed: true },
  ];
  const [vals, setVals] = useState<Record<string, string | boolean>>({});
  const [emps, setEmps] = useState<number[]>([]);
  const [urgent, setUrgent] = useState(false);
  const [err, setErr] = useState<{ id: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<number | null>(null);

  const [loaded, setLoaded] = useState<number | null>(null);
  useEffect(() => {
    const d = readDraft(pop.record_id);
    setVals(d?.vals ?? { Telefonnummer: pop.caller.number ?? "" });
    setEmps(d?.emps ?? (pop.vip?.employee ? [pop.vip.employee.id] : []));
    setUrgent(d?.urgent ?? false);
    setErr(null);
    setSaved(null);
    setLoaded(pop.record_id);
  }, [pop.record_id, pop.agent_id]);
  /* every change is kept until the note is saved: typing writes it at
   * once (an effect would run a little later, and a reload right after
   * the last key would lose it), the other inputs through the effect */
  const latest = useRef<Draft>({ vals, emps, urgent });
  latest.current = { vals, emps, urgent };
  const keep = (d: Draft) => {
    if (loaded !== pop.record_id || saved !== null) return;
    try {
      sessionStorage.setItem(draftKey(pop.record_id), JSON.stringify(d));
    } catch {
      /* storage full or off: the draft is not kept */
    }
  };
  useEffect(() => keep({ vals, emps, urgent }), [vals, emps, urgent, loaded]);
  const typed = (label: string, v: string | boolean) => {
    const d = { ...latest.current, vals: { ...latest.current.vals, [label]: v } };
    latest.current = d;
    setVals(d.vals);
    keep(d);
  };

  /* once saved, the form's controls are disabled: the focus they had
   * would fall back to the top of the page.  It goes to the saved line
   * instead, so the next Tab goes on after the note (before the paint:
   * a key pressed at once already goes on from there). */
  useLayoutEffect(() => {
    if (saved === null) return;
    const a = document.activeElement;
    if (!a || a === document.body || a.closest("#note-form"))
      document.getElementById("note-saved")?.focus();
  }, [saved]);

  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (busy || saved !== null) return;
    const body: Record<string, unknown> = {
      tenant_id: pop.tenant.id,
      call_id: pop.record_id,
      employee_ids: emps,
      urgent,
      fields: {},
    };
    if (pop.version !== null) body.profile_version = pop.version;
    const extra: Record<string, unknown> = {};
    for (const f of fields) {
      const raw = vals[f.label];
      const key = FIXED[f.label];
      if (key) {
        const s = typeof raw === "string" ? raw.trim() : "";
        if (key === "caller_number") body[key] = s === "" ? null : s;
        else body[key] = s;
      } else if (f.type === "bool") {
        if (raw !== undefined) extra[f.label] = raw === true;
      } else if (typeof raw === "string" && raw.trim() !== "") {
        extra[f.label] = value(f, raw.trim());
      }
    }
    body.fields = extra;
    setBusy(true);
    setErr(null);
    try {
      const n = await api<Saved>("POST", "/notes", body);
      setSaved(n.id);
      sessionStorage.removeItem(draftKey(pop.record_id));
      onSaved(n.id);
    } catch (x) {
      const text = x instanceof ApiError ? x.message : t("error.network");
      const field = text.includes(": ") ? text.slice(0, text.indexOf(": ")) : "";
      const id = inputId(field, fields);
      setErr({ id, text });
      document.getElementById(id)?.focus();
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (id: string) =>
    err && err.id === id ? (
      <p class="error" id={`${id}-error`} role="alert">
        {err.text}
      </p>
    ) : null;
  const described = (id: string) =>
    err && err.id === id ? `${id}-error` : undefined;

  return (
    <form
      class="cs-note"
      id="note-form"
      aria-labelledby="note-title"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === "Enter" && e.ctrlKey) void submit(e);
      }}
    >
      <h2 id="note-title">{t("console.note.title")}</h2>
      <p class="muted">{t("console.note.required_hint")}</p>
      {fields.map((f, i) => {
        const id = FIXED[f.label] ? `note-${FIXED[f.label]}` : `note-field-${i}`;
        const label = (
          <label for={id}>
            {f.label}
            {f.required && (
              <span class="cs-req" aria-hidden="true">
                {" *"}
              </span>
            )}
          </label>
        );
        const common = {
          id,
          "aria-required": f.required ? ("true" as const) : undefined,
          "aria-invalid": err?.id === id ? ("true" as const) : undefined,
          "aria-describedby": described(id),
          disabled: saved !== null,
        };
        const raw = vals[f.label];
        const set = (v: string | boolean) => typed(f.label, v);
        let input;
        if (f.label === "Anliegen")
          input = (
            <textarea
              {...common}
              rows={5}
              value={typeof raw === "string" ? raw : ""}
              onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
            />
          );
        else if (f.type === "choice")
          input = (
            <select
              {...common}
              value={typeof raw === "string" ? raw : ""}
              onChange={(e) => set((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t("console.note.choose")}</option>
              {(f.choices ?? []).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          );
        else if (f.type === "bool")
          input = (
            <input
              {...common}
              type="checkbox"
              checked={raw === true}
              onChange={(e) => set((e.target as HTMLInputElement).checked)}
            />
          );
        else
          input = (
            <input
              {...common}
              type={f.type === "date" ? "date" : "text"}
              inputMode={f.type === "number" ? "numeric" : undefined}
              value={typeof raw === "string" ? raw : ""}
              onInput={(e) => set((e.target as HTMLInputElement).value)}
            />
          );
        return (
          <div class="cs-field" key={f.label} data-field={f.label}>
            {label}
            {input}
            {errorFor(id)}
          </div>
        );
      })}
      <fieldset
        class="cs-field"
        id="note-employees"
        tabIndex={-1}
        aria-describedby={described("note-employees")}
      >
        <legend>
          {t("console.note.for")}
          <span class="cs-req" aria-hidden="true">
            {" *"}
          </span>
        </legend>
        {pop.employees.map((e) => (
          <label key={e.id} class="cs-check">
            <input
              type="checkbox"
              value={String(e.id)}
              data-employee-id={e.id}
              checked={emps.includes(e.id)}
              disabled={saved !== null}
              onChange={(ev) =>
                setEmps((o) =>
                  (ev.target as HTMLInputElement).checked
                    ? [...o, e.id]
                    : o.filter((x) => x !== e.id),
                )
              }
            />{" "}
            {e.name}
          </label>
        ))}
        {errorFor("note-employees")}
      </fieldset>
      <label class="cs-check">
        <input
          type="checkbox"
          id="note-urgent"
          checked={urgent}
          disabled={saved !== null}
          onChange={(e) => setUrgent((e.target as HTMLInputElement).checked)}
        />{" "}
        {t("console.note.urgent")}
      </label>
      <div id="note-general" tabIndex={-1}>
        {errorFor("note-general")}
      </div>
      <div class="cs-actions">
        <button type="submit" id="note-save" disabled={busy || saved !== null}>
          {t("console.note.save")}
          <kbd class="cs-kbd" aria-hidden="true">
            Alt+S
          </kbd>
        </button>
        {saved !== null && (
          <span id="note-saved" role="status" tabIndex={-1}>
            {t("console.note.saved", { id: saved })}
          </span>
        )}
      </div>
    </form>
  );
}
