import { t } from "../i18n";

export function NotFound() {
  return (
    <section aria-labelledby="nf-title">
      <h1 id="nf-title">{t("notfound.title")}</h1>
      <p>{t("notfound.text")}</p>
    </section>
  );
}
