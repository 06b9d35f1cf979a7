// The start page of every role: who is logged in; the screens of the
// role follow in the next slices of issue 19.
import type { Session } from "../api";
import { t, tDyn } from "../i18n";

export function Start({ session }: { session: Session }) {
  return (
    <section aria-labelledby="start-title">
      <h1 id="start-title">{t("start.title")}</h1>
      <p>
        {t("start.hello", {
          login: session.login ?? "",
          role: tDyn(`role.${session.role}`),
        })}
      </p>
      <p class="muted">{t("start.more")}</p>
    </section>
  );
}
