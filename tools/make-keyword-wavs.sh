#!/usr/bin/env bash
# Speaks the keywords of the DS-CNN keyword spotter (src/test/resources/models/ds-cnn-s) with
# espeak-ng and writes each as a 1 s, 16 kHz, mono, 16-bit WAV: OUT/VOICE_SPEED_WORD.wav.
# Usage: tools/make-keyword-wavs.sh OUT "VOICE..." "SPEED..."
#   e.g. tools/make-keyword-wavs.sh /tmp/kws "en-us+m3 en-gb+f2" "130 170"
# Needs the Debian packages espeak-ng and sox.
set -euo pipefail
out="$1"
voices="$2"
speeds="$3"
words="yes no up down left right on off stop go"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for voice in $voices; do
  for speed in $speeds; do
    for word in $words; do
      espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" "$word"
      # 0.15 s of silence before the word, then cut or pad to exactly one second.
      sox -V1 "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$out/${voice//+/-}_${speed}_${word}.wav" \
        pad 0.15 0 trim 0 1 pad 0 1 trim 0 1
    done
  done
done
