// What the back office's screens (issue 19, client's side) share: the
// server's error split into the field it names and its message, a field
// with its label and error, and the text of a refused load.
import type { ComponentChildren } from "preact";
import { ApiError } from "../api";
import { t } from "../i18n";

export interface FieldError {
  field: string | null; // the field the server names, null: the form
  message: string;
}

/* "greeting: must contain ..." -> {field: "greeting", message: "must ..."};
 * a network failure -> the form, in words. */
export function fieldError(e: unknown): FieldError {
  if (!(e instanceof ApiError)) return { field: null, message: t("error.network") };
  const m = /^([A-Za-z_][A-Za-z0-9_.[\]]*): ([\s\S]*)$/.exec(e.message);
  return m ? { field: m[1], message: m[2] } : { field: null, message: e.message };
}

/* The error for one field (also "faq[0].answer" for "faq"). */
export function errorOf(err: FieldError | null, field: string): string {
  if (!err || err.field === null) return "";
  const f = err.field;
  return f === field || f.startsWith(field + "[") || f.startsWith(field + ".")
    ? (f === field ? "" : f + ": ") + err.message
    : "";
}

/* The message of a form-wide error (a field the form has no input for
 * shows here with its name). */
export function formError(err: FieldError | null, fields: string[]): string {
  if (!err) return "";
  if (err.field === null) return err.message;
  return fields.some((f) => errorOf(err, f)) ? "" : `${err.field}: ${err.message}`;
}

export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={"field" + (error ? " invalid" : "")}>
      <label for={id}>{label}</label>
      {children}
      {hint && <small class="muted">{hint}</small>}
      <p class="error field-error" id={id + "-error"} role={error ? "alert" : undefined}>
        {error ?? ""}
      </p>
    </div>
  );
}

/* A load the API refused: 403 "not for your role", 404 "not found",
 * anything else "could not be loaded". */
export function LoadError({ e, id }: { e: unknown; id: string }) {
  const st = e instanceof ApiError ? e.status : 0;
  const text =
    st === 403 ? t("office.forbidden") : st === 404 ? t("office.notfound") : t("error.load");
  return (
    <p class="error" role="alert" id={id} data-status={st}>
      {text}
    </p>
  );
}

export const val = (e: Event): string => (e.target as HTMLInputElement).value;
export const checked = (e: Event): boolean => (e.target as HTMLInputElement).checked;
