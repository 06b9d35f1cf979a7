// One German and one English catalogue (i18n/de.json, i18n/en.json), German
// the default; the choice is kept in the browser (localStorage).  Every
// visible text goes through t(); a key missing at run time shows as
// "??key??" so that the browser tests find it (scripts/i18n-check.mjs finds
// it at build time).  Numbers, dates and times are formatted with Intl for
// de-DE or en, always in Europe/Berlin time.
import de from "./i18n/de.json";
import en from "./i18n/en.json";

export type Lang = "de" | "en";
export type Key = keyof typeof de;

const catalogues: Record<Lang, Record<string, string>> = { de, en };
const STORE_KEY = "switchboard.lang";
const ZONE = "Europe/Berlin";

function stored(): Lang {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return v === "en" ? "en" : "de";
  } catch {
    return "de";
  }
}

let lang: Lang = stored();
const listeners = new Set<() => void>();

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  try {
    localStorage.setItem(STORE_KEY, l);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  document.documentElement.lang = l;
  listeners.forEach((f) => f());
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function t(key: Key, params?: Record<string, string | number>): string {
  const s = catalogues[lang][key];
  if (s === undefined) return `??${key}??`;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) =>
    k in params ? String(params[k]) : m,
  );
}

/* A key made at run time from data (an agent's state): "??key??" if the
 * catalogue has none. */
export function tDyn(key: string): string {
  return t(key as Key);
}

function locale(): string {
  return lang === "de" ? "de-DE" : "en";
}

export const fmt = {
  number: (n: number): string => new Intl.NumberFormat(locale()).format(n),
  /* 833 permille -> "83,3 %" / "83.3%" */
  permille: (p: number): string =>
    new Intl.NumberFormat(locale(), {
      style: "percent",
      maximumFractionDigits: 1,
    }).format(p / 1000),
  time: (ms: number): string =>
    new Intl.DateTimeFormat(locale(), {
      timeZone: ZONE,
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).format(ms),
  dateTime: (ms: number): string =>
    new Intl.DateTimeFormat(locale(), {
      timeZone: ZONE,
      dateStyle: "medium",
      timeStyle: "short",
    }).format(ms),
  /* a Berlin day: "Mo., 07.12." / "Mon, 12/07" */
  day: (ms: number): string =>
    new Intl.DateTimeFormat(locale(), {
      timeZone: ZONE,
      weekday: "short",
      day: "2-digit",
      month: "2-digit",
    }).format(ms),
  /* a Berlin date: "07.12.2026" / "12/07/2026" */
  date: (ms: number): string =>
    new Intl.DateTimeFormat(locale(), {
      timeZone: ZONE,
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
    }).format(ms),
  /* a Berlin time of day: "09:00" */
  hm: (ms: number): string =>
    new Intl.DateTimeFormat(locale(), {
      timeZone: ZONE,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(ms),
  /* a wait: "0:42" or "12:05" (minutes:seconds), "1:02:05" past an hour */
  duration: (ms: number): string => {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
  },
};

document.documentElement.lang = lang;
