// The operator steers an agent's state from the administration (issue 19,
// "agents"), as a supervisor does in a call centre: log in or out, pause
// with a reason, end a pause or a wrap-up.  The server decides what is
// allowed (POST /agents/:id/state); its answer is the new state, its error
// is shown as it is.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t, tDyn, type Key } from "../i18n";
import { fieldError, type FieldError } from "./officeShared";
import type { Row } from "./adminResources";

export function AgentState({ row, onChange }: { row: Row; onChange: (r: Row) => void }) {
  const [reason, setReason] = useState("");
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const st = String(row.state ?? "");

  const act = async (action: string) => {
    setBusy(true);
    setErr(null);
    try {
      const body: Record<string, string> = { action };
      if (action === "pause") body.reason = reason.trim();
      onChange(await api<Row>("POST", `/agents/${row.employee_id}/state`, body));
      setReason("");
    } catch (x) {
      setErr(fieldError(x));
    } finally {
      setBusy(false);
    }
  };
  const button = (id: string, action: string, label: Key) => (
    <button type="button" id={id} disabled={busy} onClick={() => act(action)}>
      {t(label)}
    </button>
  );

  return (
    <section aria-labelledby="aa-title" id="admin-agent-state" class="office-form">
      <h2 id="aa-title">{t("admin.agent.title")}</h2>
      <p id="aa-state" data-state={st}>
        {tDyn(`agent.state.${st}`)}
        {row.reason ? ` (${String(row.reason)})` : ""}
      </p>
      <div class="actions">
        {st === "logged_out"
          ? button("aa-login", "login", "admin.agent.login")
          : button("aa-logout", "logout", "admin.agent.logout")}
        {st === "paused" && button("aa-unpause", "unpause", "admin.agent.unpause")}
        {st === "wrapup" && button("aa-end-wrapup", "end_wrapup", "admin.agent.end_wrapup")}
      </div>
      {st !== "logged_out" && st !== "paused" && (
        <div class="actions">
          <label for="aa-reason">{t("console.pause.reason")}</label>
          <input id="aa-reason" value={reason} maxLength={31} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          {button("aa-pause", "pause", "admin.agent.pause")}
        </div>
      )}
      <p class="error" role="alert" id="aa-error">
        {err ? (err.field ? `${err.field}: ${err.message}` : err.message) : ""}
      </p>
    </section>
  );
}
