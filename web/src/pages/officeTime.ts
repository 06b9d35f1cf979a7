// Berlin wall-clock time for the back office's forms and week views: a
// <input type="datetime-local"> value ("2026-12-07T09:00") is Berlin time,
// the API's times are UTC.  Intl knows the offsets (summer time); no own
// time-zone table.
const ZONE = "Europe/Berlin";
const parts = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/* The Berlin wall clock at ms: [y, mo, d, h, mi, s] */
function wall(ms: number): number[] {
  const p: Record<string, string> = {};
  for (const x of parts.formatToParts(ms)) p[x.type] = x.value;
  return [+p.year, +p.month, +p.day, +p.hour, +p.minute, +p.second];
}

/* Berlin's offset from UTC at ms, in ms (+1 h in winter, +2 h in summer) */
function offset(ms: number): number {
  const [y, mo, d, h, mi, s] = wall(ms);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number) => String(n).padStart(2, "0");

/* "2026-12-07T09:00" (Berlin) -> UTC ms; NaN if it is no such value */
export function berlinToMs(local: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(local);
  if (!m) return NaN;
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0));
  let ms = asUtc - offset(asUtc);
  ms = asUtc - offset(ms); // the offset at the result, not at the guess
  return ms;
}

/* UTC ms -> "2026-12-07T09:00" Berlin, for a datetime-local input */
export function msToBerlin(ms: number): string {
  const [y, mo, d, h, mi] = wall(ms);
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

/* UTC ms -> the Berlin date "2026-12-07" */
export function berlinDate(ms: number): string {
  return msToBerlin(ms).slice(0, 10);
}

/* "2026-12-07" + n days (calendar days, no time zone involved) */
export function addDays(date: string, n: number): string {
  const [y, mo, d] = date.split("-").map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/* the Monday of the week of the date */
export function mondayOf(date: string): string {
  const [y, mo, d] = date.split("-").map(Number);
  const wd = (new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7; // Mon 0
  return addDays(date, -wd);
}

/* a UTC ms as the API wants it, or "" for NaN (the API names the field) */
export function iso(ms: number): string {
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString();
}
