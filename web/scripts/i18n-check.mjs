// Build-time check of the catalogues (npm run check, part of the build):
// de.json and en.json have exactly the same keys, no empty text, the same
// {placeholders} per key; every t("key") in the sources is in them, and
// every key made at run time (tDyn(`prefix.${x}`)) has its prefix there.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = new URL("../src/", import.meta.url).pathname;
const de = JSON.parse(readFileSync(join(dir, "i18n/de.json"), "utf8"));
const en = JSON.parse(readFileSync(join(dir, "i18n/en.json"), "utf8"));
const problems = [];
const ph = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");

for (const k of Object.keys(de))
  if (!(k in en)) problems.push(`en.json lacks ${k}`);
for (const k of Object.keys(en))
  if (!(k in de)) problems.push(`de.json lacks ${k}`);
for (const [name, cat] of [["de", de], ["en", en]])
  for (const [k, v] of Object.entries(cat))
    if (typeof v !== "string" || !v.trim()) problems.push(`${name}.json: ${k} is empty`);
for (const k of Object.keys(de))
  if (k in en && ph(de[k]) !== ph(en[k]))
    problems.push(`${k}: placeholders differ (de {${ph(de[k])}}, en {${ph(en[k])}})`);

function files(d) {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}
for (const f of files(dir)) {
  const src = readFileSync(f, "utf8");
  for (const m of src.matchAll(/\bt\(\s*"([^"]+)"/g))
    if (!(m[1] in de)) problems.push(`${f}: t("${m[1]}") is in no catalogue`);
  for (const m of src.matchAll(/tDyn\(`([^`$]+)\$\{/g))
    if (!Object.keys(de).some((k) => k.startsWith(m[1])))
      problems.push(`${f}: no key starts with ${m[1]}`);
}
if (problems.length) {
  console.error("i18n-check: " + problems.join("\n  "));
  process.exit(1);
}
console.log(`i18n-check: ${Object.keys(de).length} keys, de and en alike`);
