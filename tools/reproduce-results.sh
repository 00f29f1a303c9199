#!/usr/bin/env bash
# Reproduces the README's results table: FP32, then rounding to nearest and AdaRound (default
# recipe) at 4 bits per tensor and 4, 3, 2 bits per channel, each evaluated on the full
# Fashion-MNIST test split. Models and logs go under ${OUT:-/tmp/adaround-results}; one line per
# row: name, wall seconds, peak resident memory, accuracy.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
tool="$root/tools/adaround"
data="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
out="${OUT:-/tmp/adaround-results}"
mkdir -p "$out"

accuracy() {
  "$tool" eval --model "$1" --data-dir "$data" --json 2>/dev/null | tail -n 1
}

echo "fp32 $(accuracy "$root/models/fashion-mnist-cnn")"
for row in "4 " "4 --per-channel" "3 --per-channel" "2 --per-channel"; do
  read -r bits channel <<<"$row"
  for rounding in nearest adaround; do
    name="w${bits}${channel:+-pc}-$rounding"
    flag=""
    [[ "$rounding" == nearest ]] && flag="--nearest"
    start=$(date +%s)
    /usr/bin/time -f "%M" -o "$out/$name.rss" \
      "$tool" quantize --model "$root/models/fashion-mnist-cnn" --out "$out/$name" --force \
      --data-dir "$data" --bits "$bits" $channel $flag >"$out/$name.log" 2>&1
    seconds=$(( $(date +%s) - start ))
    echo "$name ${seconds}s $(( $(tail -n 1 "$out/$name.rss") / 1024 ))MiB $(accuracy "$out/$name")"
  done
done
