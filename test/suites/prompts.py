#!/usr/bin/python3
"""The default prompt set (data/prompts.tsv) as the build made it.

For every row and both languages, build/test/prompts/<lang>/<name>.wav
(made by scripts/prompts.sh during `make test`, as `make run` makes
var/prompts) is an 8 kHz mono 16-bit WAV, long enough for its text,
mostly voiced, and exactly the speech espeak-ng makes of that row's text
in that language (the German file is not the English text, and the other
way round).  No other file is in the two folders.
"""
import os
import subprocess
import sys
import tempfile
import wave

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from sb import ROOT, Suite  # noqa: E402
from audio import read_wav  # noqa: E402

S = Suite("prompts")
PROMPTS = os.path.join(ROOT, "build", "test", "prompts")
TABLE = os.path.join(ROOT, "data", "prompts.tsv")
VOICES = {"de": "de", "en": "en-gb"}


def rows():
    out = []
    with open(TABLE, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, de, en = line.split("\t")
            out.append((name, {"de": de, "en": en}))
    return out


def speak(tmp, lang, text):
    """espeak-ng's speech of text in lang, at 8 kHz as the script makes
    it: the samples."""
    raw, out = os.path.join(tmp, "r.wav"), os.path.join(tmp, "o.wav")
    subprocess.run(["espeak-ng", "-v", VOICES[lang], "-s", "150", "-w", raw,
                    text], check=True, capture_output=True)
    subprocess.run(["sox", "-D", raw, "-r", "8000", "-c", "1", "-b", "16", "-e",
                    "signed-integer", out], check=True)
    return read_wav(out)[1]


def voiced_share(a, win=160, floor=328):
    """Share of 20 ms windows with an RMS above -40 dBFS."""
    n = len(a) // win
    loud = 0
    for i in range(n):
        w = a[i * win:(i + 1) * win]
        if (sum(x * x for x in w) / win) ** 0.5 > floor:
            loud += 1
    return loud / n if n else 0.0


def main():
    table = rows()
    names = {n for n, _ in table}
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("de", "en"):
            d = os.path.join(PROMPTS, lang)
            have = {f[:-4] for f in os.listdir(d)} if os.path.isdir(d) \
                else set()
            S.check(have == names, f"{lang}/: exactly the {len(names)} "
                    "prompts of the table",
                    f"missing {sorted(names - have)}, extra "
                    f"{sorted(have - names)}")
            for name, text in table:
                path = os.path.join(d, f"{name}.wav")
                if not os.path.exists(path):
                    continue
                with wave.open(path) as w:
                    fmt = (w.getframerate(), w.getnchannels(),
                           w.getsampwidth())
                    secs = w.getnframes() / w.getframerate()
                _, a = read_wav(path)
                short = name.startswith("digit_")
                lo, hi = (0.2, 2.0) if short else (0.6, 15.0)
                v = voiced_share(a)
                other = "en" if lang == "de" else "de"
                same = list(a) == list(speak(tmp, lang, text[lang]))
                crossed = list(a) == list(speak(tmp, other, text[other]))
                S.check(fmt == (8000, 1, 2) and lo <= secs <= hi and
                        v >= 0.3 and same and not crossed,
                        f"{lang}/{name}.wav: 8 kHz mono 16 bit, "
                        f"{lo}-{hi} s, voiced, espeak-ng's {lang} speech "
                        f"of its text",
                        f"format {fmt}, {secs:.2f} s, voiced {v:.2f}, "
                        f"same {same}, the other language's {crossed}")
    S.finish()


if __name__ == "__main__":
    main()
