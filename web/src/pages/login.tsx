// The login page: login name and password; the errors the server gives a
// person are shown in words (wrong password, locked with the wait from
// Retry-After, disabled), never the raw text.
import { useState } from "preact/hooks";
import { ApiError, login, type Session } from "../api";
import { t } from "../i18n";
import { LangSwitch } from "./lang";

export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [name, setName] = useState("");
  const [pw, setPw] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      onLogin(await login(name.trim(), pw));
    } catch (err) {
      setPw("");
      if (err instanceof ApiError && err.status === 401)
        setError(t("login.error.wrong"));
      else if (err instanceof ApiError && err.status === 429)
        setError(
          t("login.error.locked", {
            minutes: Math.max(1, Math.ceil((err.retryAfter ?? 60) / 60)),
          }),
        );
      else if (err instanceof ApiError && err.status === 403)
        setError(t("login.error.disabled"));
      else if (err instanceof ApiError && err.status === 422)
        setError(t("login.error.missing"));
      else setError(t("error.network"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" aria-labelledby="login-title">
      <div class="login-box">
        <div class="login-head">
          <h1 id="login-title">{t("app.name")}</h1>
          <LangSwitch />
        </div>
        <p class="muted">{t("login.intro")}</p>
        <form onSubmit={submit} novalidate>
          <label for="login-name">{t("login.name")}</label>
          <input
            id="login-name"
            name="username"
            autocomplete="username"
            value={name}
            required
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <label for="login-password">{t("login.password")}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autocomplete="current-password"
            value={pw}
            required
            onInput={(e) => setPw((e.target as HTMLInputElement).value)}
          />
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
          <button type="submit" disabled={busy}>
            {busy ? t("login.busy") : t("login.submit")}
          </button>
        </form>
      </div>
    </main>
  );
}
