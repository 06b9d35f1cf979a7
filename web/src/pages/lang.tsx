// The language switch: Deutsch / English, kept in the browser.
import { currentLang, setLang, t, type Lang } from "../i18n";

export function LangSwitch() {
  return (
    <label class="lang">
      <span class="sr-only">{t("lang.label")}</span>
      <select
        id="lang-switch"
        aria-label={t("lang.label")}
        value={currentLang()}
        onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}
      >
        <option value="de">{t("lang.de")}</option>
        <option value="en">{t("lang.en")}</option>
      </select>
    </label>
  );
}
