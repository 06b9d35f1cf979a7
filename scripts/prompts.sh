#!/bin/sh
# Make the demo prompts in $1 (once): a German welcome announcement spoken
# by espeak-ng and a music-on-hold loop synthesised by sox, both 8 kHz mono
# 16-bit WAV.  Existing files are kept, so operators can replace them.
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
if [ ! -s "$dir/beep.wav" ]; then
	sox -n -r 8000 -c 1 -b 16 "$dir/beep.wav" synth 0.3 sine 1000 vol 0.5
fi
