#!/usr/bin/env bash
# Reproduces the README's integer-activation table: the bundled CNN with 4- and 8-bit per-channel
# weights and 8- or 4-bit activations, weights rounded to nearest, by AdaRound against float
# activations (--qdrop off) and by AdaRound under quantized activations with QDrop, each
# simulated model (OUT/fake-quant) evaluated on the full Fashion-MNIST test split. Models and
# logs go under ${OUT:-/tmp/adaround-activation-results}; ITERATIONS (default 10000) shortens
# the runs; ROWS picks rows, e.g. ROWS="w4a8" (default: w8a8 w4a8 w4a4). One line per run: name,
# wall seconds, peak resident memory, accuracy of OUT/fake-quant.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
tool="$root/tools/adaround"
data="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
out="${OUT:-/tmp/adaround-activation-results}"
iterations="${ITERATIONS:-10000}"
mkdir -p "$out"

accuracy() {
  "$tool" eval --model "$1" --data-dir "$data" --json 2>/dev/null | tail -n 1
}

for row in ${ROWS:-w8a8 w4a8 w4a4}; do
  bits="${row:1:1}"
  act="${row:3:1}"
  for variant in nearest adaround qdrop; do
    case "$variant" in
      nearest) flags="--nearest --qdrop off" ;;
      adaround) flags="--qdrop off" ;;
      qdrop) flags="" ;;
    esac
    name="$row-$variant"
    start=$(date +%s)
    /usr/bin/time -f "%M" -o "$out/$name.rss" \
      "$tool" quantize --model "$root/models/fashion-mnist-cnn" --out "$out/$name" --force \
      --data-dir "$data" --bits "$bits" --per-channel --activation-bits "$act" \
      --iterations "$iterations" $flags >"$out/$name.log" 2>&1
    seconds=$(( $(date +%s) - start ))
    echo "$name ${seconds}s $(( $(tail -n 1 "$out/$name.rss") / 1024 ))MiB $(accuracy "$out/$name/fake-quant")"
  done
done
