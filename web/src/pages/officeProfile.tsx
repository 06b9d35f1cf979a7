// The client's company profile (seeds/001 "Unternehmen"): greeting with a
// live preview as the agent will say it, instructions, the transfer
// option, the client's extra note fields, FAQ and call guides, saved as a
// new dated version (effective now or from a chosen time); the version
// history with a preview of each version.  The placeholder rule is the
// server's: its 422 shows at the field it names.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Session } from "../api";
import { fmt, t, tDyn } from "../i18n";
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

interface NoteField {
  label: string;
  type: string;
  required: boolean;
  choices?: string[];
}
interface Faq {
  question: string;
  answer: string;
}
interface Settings {
  greeting: string;
  instructions: string;
  transfer: boolean;
  note_fields: NoteField[];
  faq: Faq[];
  call_guide: string;
  vip_call_guide: string;
}
interface Version {
  id: number;
  version: number;
  effective_from: string;
  state: string;
  changed: string[];
  created_at: string;
  created_by: string | null;
  settings?: Settings;
}

/* The example agent of the preview (as the agent view fills it in). */
export const EXAMPLE_FIRST = "Erika";
export const EXAMPLE_LAST = "Musterfrau";
const TYPES = ["text", "number", "date", "choice", "bool"];
const FORM_FIELDS = [
  "greeting",
  "instructions",
  "transfer",
  "note_fields",
  "faq",
  "call_guide",
  "vip_call_guide",
  "effective_from",
];

/* The greeting as the agent says it: the placeholders filled. */
export function fillGreeting(g: string, first: string, last: string): string {
  return g
    .replace(/\[Vorname, Nachname\]/g, `${first} ${last}`.trim())
    .replace(/\[Vorname\]/g, first)
    .replace(/\[Nachname\]/g, last);
}

/* A setting's name in words ("greeting" -> "Begrüßung"); one the
 * catalogue does not know (a newer server) as the API names it. */
function settingName(k: string): string {
  const s = tDyn(`office.setting.${k}`);
  return s.startsWith("??") ? k : s;
}

const EMPTY: Settings = {
  greeting: "",
  instructions: "",
  transfer: false,
  note_fields: [],
  faq: [],
  call_guide: "",
  vip_call_guide: "",
};

function settingsOf(v: Version | null): Settings {
  const s = v?.settings;
  return s
    ? {
        greeting: s.greeting ?? "",
        instructions: s.instructions ?? "",
        transfer: !!s.transfer,
        note_fields: (s.note_fields ?? []).map((f) => ({ ...f })),
        faq: (s.faq ?? []).map((f) => ({ ...f })),
        call_guide: s.call_guide ?? "",
        vip_call_guide: s.vip_call_guide ?? "",
      }
    : { ...EMPTY };
}

function Preview({ s, id }: { s: Settings; id: string }) {
  return (
    <div class="preview" id={id} aria-live="polite">
      <p class="preview-greeting" data-role="greeting">
        {fillGreeting(s.greeting, EXAMPLE_FIRST, EXAMPLE_LAST)}
      </p>
      {s.instructions && <p class="preview-text">{s.instructions}</p>}
      {!s.instructions && !s.transfer && (
        <p class="preview-text muted">{t("office.profile.standard_text")}</p>
      )}
      {s.faq.length > 0 && (
        <dl>
          {s.faq.map((f, i) => (
            <Fragment key={i}>
              <dt>{f.question}</dt>
              <dd>{f.answer}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </div>
  );
}

export function OfficeProfile({ session }: { session: Session }) {
  const tid = session.tenant_id;
  const [s, setS] = useState<Settings>({ ...EMPTY });
  const [from, setFrom] = useState("");
  const [versions, setVersions] = useState<Version[]>([]);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState<Version | null>(null);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Version | null>(null);

  const load = async () => {
    try {
      const cur = await api<Version>("GET", `/tenants/${tid}/profile`).catch(
        (e) => {
          if (e instanceof ApiError && e.status === 404 && /no profile/.test(e.message))
            return null;
          throw e;
        },
      );
      setS(settingsOf(cur));
      setVersions(await api<Version[]>("GET", `/tenants/${tid}/profile/versions`));
      setLoadErr(null);
    } catch (e) {
      setLoadErr(e);
    }
  };
  useEffect(() => {
    load();
  }, [tid]);

  if (tid === null || loadErr)
    return (
      <section aria-labelledby="op-title">
        <h1 id="op-title">{t("office.profile.title")}</h1>
        <LoadError e={loadErr ?? new ApiError(403, "", null)} id="op-load-error" />
      </section>
    );

  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setS({ ...s, [k]: v });
  const setNote = (i: number, f: Partial<NoteField>) =>
    set(
      "note_fields",
      s.note_fields.map((x, j) => (j === i ? { ...x, ...f } : x)),
    );
  const setFaq = (i: number, f: Partial<Faq>) =>
    set(
      "faq",
      s.faq.map((x, j) => (j === i ? { ...x, ...f } : x)),
    );

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    setSaved(null);
    try {
      const body = {
        ...s,
        note_fields: s.note_fields.map((f) =>
          f.type === "choice"
            ? { label: f.label, type: f.type, required: f.required, choices: f.choices ?? [] }
            : { label: f.label, type: f.type, required: f.required },
        ),
        effective_from: from ? new Date(from).toISOString() : null,
      };
      const v = await api<Version>("POST", `/tenants/${tid}/profile/versions`, body);
      setSaved(v);
      setFrom("");
      setVersions(await api<Version[]>("GET", `/tenants/${tid}/profile/versions`));
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };

  const show = async (v: Version) => {
    try {
      setShown(await api<Version>("GET", `/tenants/${tid}/profile/versions/${v.version}`));
    } catch (x) {
      setErr(fieldError(x));
    }
  };
  const cancel = async (v: Version) => {
    try {
      await api("DELETE", `/tenants/${tid}/profile/versions/${v.version}`);
      await load();
    } catch (x) {
      setErr(fieldError(x));
    }
  };

  return (
    <section aria-labelledby="op-title" class="office">
      <h1 id="op-title">{t("office.profile.title")}</h1>
      <div class="office-cols">
        <form onSubmit={save} novalidate id="op-form">
          <Field
            id="op-greeting"
            label={t("office.profile.greeting")}
            hint={t("office.profile.greeting_hint")}
            error={errorOf(err, "greeting")}
          >
            <textarea
              id="op-greeting"
              rows={2}
              value={s.greeting}
              aria-describedby="op-greeting-error"
              onInput={(e) => set("greeting", val(e))}
            />
          </Field>
          <Field
            id="op-instructions"
            label={t("office.profile.instructions")}
            hint={t("office.profile.instructions_hint")}
            error={errorOf(err, "instructions")}
          >
            <textarea
              id="op-instructions"
              rows={4}
              value={s.instructions}
              onInput={(e) => set("instructions", val(e))}
            />
          </Field>
          <div class="field check">
            <input
              type="checkbox"
              id="op-transfer"
              checked={s.transfer}
              onChange={(e) => set("transfer", checked(e))}
            />
            <label for="op-transfer">{t("office.profile.transfer")}</label>
          </div>

          <fieldset>
            <legend>{t("office.profile.note_fields")}</legend>
            <p class="muted">{t("office.profile.note_fields_hint")}</p>
            {s.note_fields.map((f, i) => (
              <div class="row" key={i} data-note-field={i}>
                <input
                  aria-label={t("office.profile.field_label")}
                  value={f.label}
                  onInput={(e) => setNote(i, { label: val(e) })}
                />
                <select
                  aria-label={t("office.profile.field_type")}
                  value={f.type}
                  onChange={(e) => setNote(i, { type: val(e) })}
                >
                  {TYPES.map((ty) => (
                    <option value={ty} key={ty}>
                      {tDyn(`office.type.${ty}`)}
                    </option>
                  ))}
                </select>
                {f.type === "choice" && (
                  <input
                    aria-label={t("office.profile.field_choices")}
                    placeholder={t("office.profile.field_choices")}
                    value={(f.choices ?? []).join(", ")}
                    onInput={(e) =>
                      setNote(i, {
                        choices: val(e)
                          .split(",")
                          .map((c) => c.trim())
                          .filter(Boolean),
                      })
                    }
                  />
                )}
                <label class="inline">
                  <input
                    type="checkbox"
                    checked={f.required}
                    onChange={(e) => setNote(i, { required: checked(e) })}
                  />{" "}
                  {t("office.profile.field_required")}
                </label>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => set("note_fields", s.note_fields.filter((_, j) => j !== i))}
                >
                  {t("office.remove")}
                </button>
              </div>
            ))}
            <p class="error field-error">{errorOf(err, "note_fields")}</p>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                set("note_fields", [...s.note_fields, { label: "", type: "text", required: false }])
              }
            >
              {t("office.profile.add_field")}
            </button>
          </fieldset>

          <fieldset>
            <legend>{t("office.profile.faq")}</legend>
            {s.faq.map((f, i) => (
              <div class="faq" key={i}>
                <input
                  aria-label={t("office.profile.question")}
                  placeholder={t("office.profile.question")}
                  value={f.question}
                  onInput={(e) => setFaq(i, { question: val(e) })}
                />
                <textarea
                  aria-label={t("office.profile.answer")}
                  placeholder={t("office.profile.answer")}
                  rows={2}
                  value={f.answer}
                  onInput={(e) => setFaq(i, { answer: val(e) })}
                />
                <button
                  type="button"
                  class="secondary"
                  onClick={() => set("faq", s.faq.filter((_, j) => j !== i))}
                >
                  {t("office.remove")}
                </button>
              </div>
            ))}
            <p class="error field-error">{errorOf(err, "faq")}</p>
            <button
              type="button"
              class="secondary"
              onClick={() => set("faq", [...s.faq, { question: "", answer: "" }])}
            >
              {t("office.profile.add_faq")}
            </button>
          </fieldset>

          <Field id="op-guide" label={t("office.profile.call_guide")} error={errorOf(err, "call_guide")}>
            <textarea
              id="op-guide"
              rows={3}
              value={s.call_guide}
              onInput={(e) => set("call_guide", val(e))}
            />
          </Field>
          <Field
            id="op-vip-guide"
            label={t("office.profile.vip_call_guide")}
            error={errorOf(err, "vip_call_guide")}
          >
            <textarea
              id="op-vip-guide"
              rows={3}
              value={s.vip_call_guide}
              onInput={(e) => set("vip_call_guide", val(e))}
            />
          </Field>
          <Field
            id="op-from"
            label={t("office.profile.effective_from")}
            hint={t("office.profile.effective_from_hint")}
            error={errorOf(err, "effective_from")}
          >
            <input
              id="op-from"
              type="datetime-local"
              value={from}
              onInput={(e) => setFrom(val(e))}
            />
          </Field>
          <p class="error" role="alert" id="op-error">
            {formError(err, FORM_FIELDS)}
          </p>
          <p class="ok" role="status" id="op-saved">
            {saved
              ? t("office.profile.saved", {
                  version: saved.version,
                  from: fmt.dateTime(Date.parse(saved.effective_from)),
                })
              : ""}
          </p>
          <button type="submit" id="op-save" disabled={busy}>
            {t("office.profile.save")}
          </button>
        </form>

        <aside aria-labelledby="op-preview-title">
          <h2 id="op-preview-title">{t("office.profile.preview")}</h2>
          <p class="muted">
            {t("office.profile.preview_hint", { name: `${EXAMPLE_FIRST} ${EXAMPLE_LAST}` })}
          </p>
          <Preview s={s} id="op-preview" />
        </aside>
      </div>

      <h2 id="op-history-title">{t("office.profile.history")}</h2>
      <table aria-labelledby="op-history-title" id="op-history">
        <thead>
          <tr>
            <th>{t("office.profile.col.version")}</th>
            <th>{t("office.profile.col.from")}</th>
            <th>{t("office.profile.col.state")}</th>
            <th>{t("office.profile.col.changed")}</th>
            <th>{t("office.profile.col.by")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td class="num">{v.version}</td>
              <td data-col="from">{fmt.dateTime(Date.parse(v.effective_from))}</td>
              <td data-col="state">{tDyn(`office.state.${v.state}`)}</td>
              <td data-col="changed">{v.changed.map(settingName).join(", ")}</td>
              <td>{v.created_by ?? ""}</td>
              <td>
                <button type="button" class="secondary" onClick={() => show(v)}>
                  {t("office.profile.show")}
                </button>
                {v.state === "scheduled" && (
                  <button type="button" class="secondary" onClick={() => cancel(v)}>
                    {t("office.profile.cancel")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && shown.settings && (
        <div id="op-version-preview" data-version={shown.version}>
          <h2>{t("office.profile.version_preview", { version: shown.version })}</h2>
          <Preview s={settingsOf(shown)} id="op-version-preview-body" />
        </div>
      )}
    </section>
  );
}
