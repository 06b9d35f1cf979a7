#!/bin/sh
# Make the demo prompts in $1 (once): a German welcome announcement spoken
# by espeak-ng, a music-on-hold loop, a beep and the ringback tone
# synthesised by sox, and the default prompt set of data/prompts.tsv in de/
# and en/, all 8 kHz mono 16-bit WAV.
# Existing files are kept, so operators can replace them.
set -e
dir="$1"
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -s "$dir/welcome.wav" ]; then
	espeak-ng -v de -s 150 -w "$tmp/w.wav" \
		"Willkommen bei der Mustermann A G. Dies ist eine Ansage von Switchboard. Auf Wiederhören." 2>/dev/null
	sox "$tmp/w.wav" -r 8000 -c 1 -b 16 -e signed-integer "$dir/welcome.wav"
fi
if [ ! -s "$dir/moh.wav" ]; then
	# a calm four-chord arpeggio, 8 s, faded at the ends for a clean loop
	i=0
	for n in C4 E4 G4 C5 A3 C4 E4 A4 F3 A3 C4 F4 G3 B3 D4 G4; do
		sox -n -r 8000 -c 1 -b 16 "$tmp/n$(printf %02d $i).wav" \
			synth 0.5 pluck "$n" fade 0.01 0.5 0.2 vol 0.5
		i=$((i + 1))
	done
	sox "$tmp"/n*.wav "$dir/moh.wav"
fi
# the default prompt set in German and English (data/prompts.tsv)
table="$(dirname "$0")/../data/prompts.tsv"
mkdir -p "$dir/de" "$dir/en"
grep -v '^#' "$table" | while IFS='	' read -r name de en; do
	[ -n "$name" ] || continue
	for lang in de en; do
		[ -s "$dir/$lang/$name.wav" ] && continue
		if [ "$lang" = de ]; then text="$de"; voice=de; else text="$en"; voice=en-gb; fi
		espeak-ng -v "$voice" -s 150 -w "$tmp/p.wav" "$text" 2>/dev/null
		# -D: no dither, so one text always gives the same file
		# (test/suites/prompts.py compares them)
		sox -D "$tmp/p.wav" -r 8000 -c 1 -b 16 -e signed-integer \
			"$tmp/p8.wav"
		mv "$tmp/p8.wav" "$dir/$lang/$name.wav"
	done
done
if [ ! -s "$dir/beep.wav" ]; then
	sox -n -r 8000 -c 1 -b 16 "$dir/beep.wav" synth 0.3 sine 1000 vol 0.5
fi
# the ringback tone an answered caller hears while we dial (call/dial.c):
# Germany's Freiton, 425 Hz, 1 s on, 4 s off (the player loops it)
if [ ! -s "$dir/ringback.wav" ]; then
	sox -n -r 8000 -c 1 -b 16 "$dir/ringback.wav" synth 1 sine 425 \
		vol 0.5 pad 0 4
fi
