// Employees from a CSV file (seeds/001 "Mitarbeiter importieren"): the file
// goes to the server as it is; the server checks every row and the file as
// a whole and writes only a clean file (all or nothing), so a refused file
// lists every error by line and column, and nothing was saved.
import { useState } from "preact/hooks";
import { ApiError, csrfToken } from "../api";
import { t } from "../i18n";

interface CsvError {
  line: number;
  column: string | null;
  message: string;
}

export function OfficeImport({ tid, onImported }: { tid: number; onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<CsvError[]>([]);
  const [result, setResult] = useState("");
  const [failure, setFailure] = useState("");
  const [busy, setBusy] = useState(false);

  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) {
      setFailure(t("office.import.choose"));
      return;
    }
    setBusy(true);
    setErrors([]);
    setResult("");
    setFailure("");
    try {
      const r = await fetch(`/api/v1/tenants/${tid}/employees.csv`, {
        method: "POST",
        headers: { "Content-Type": "text/csv", "X-CSRF-Token": csrfToken() },
        credentials: "same-origin",
        body: await file.arrayBuffer(),
      });
      const data = await r.json().catch(() => null);
      if (r.ok) {
        setResult(t("office.import.done", { created: data.created, updated: data.updated }));
        onImported();
      } else if (data && Array.isArray(data.errors)) {
        setErrors(data.errors);
        setFailure(t("office.import.refused", { count: data.errors.length }));
      } else throw new ApiError(r.status, data?.error ?? r.statusText, null);
    } catch (x) {
      setFailure(x instanceof ApiError ? x.message : t("error.network"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="import" aria-labelledby="oi-title">
      <h2 id="oi-title">{t("office.import.title")}</h2>
      <p class="muted">{t("office.import.hint")}</p>
      <form onSubmit={upload} id="oi-form">
        <label for="oi-file">{t("office.import.file")}</label>{" "}
        <input
          id="oi-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={(e) => {
            setFile((e.target as HTMLInputElement).files?.[0] ?? null);
            setErrors([]);
            setResult("");
            setFailure("");
          }}
        />{" "}
        <button type="submit" id="oi-submit" disabled={busy}>
          {t("office.import.submit")}
        </button>
      </form>
      <p class="ok" role="status" id="oi-result">
        {result}
      </p>
      <p class="error" role="alert" id="oi-failure">
        {failure}
      </p>
      {errors.length > 0 && (
        <table id="oi-errors">
          <thead>
            <tr>
              <th>{t("office.import.col.line")}</th>
              <th>{t("office.import.col.column")}</th>
              <th>{t("office.import.col.message")}</th>
            </tr>
          </thead>
          <tbody>
            {errors.map((x, i) => (
              <tr key={i}>
                <td class="num" data-col="line">
                  {x.line === 0 ? t("office.import.whole_file") : x.line}
                </td>
                <td data-col="column">{x.column ?? t("office.import.whole_row")}</td>
                <td data-col="message">{x.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
