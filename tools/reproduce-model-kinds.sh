#!/usr/bin/env bash
# Reproduces the README's table of model kinds: writes the models built from Java and random
# calibration files into DIR, quantizes each (per channel, 500 iterations) and prints the wall time
# and peak resident memory of each run. Models exported by others that the repository does not
# hold (Arm's OpenMV MobileNetV1, tf2onnx's mnist-gru) are run when OTHERS names their folder.
# Usage: tools/reproduce-model-kinds.sh DIR [OTHERS]; needs python3 with numpy and /usr/bin/time.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
others="${2:-}"
cd "$root"
mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
TF_CPP_MIN_LOG_LEVEL=2 java -cp "target/classes:target/test-classes:$(cat target/classpath.txt)" \
  io.github.adaround.cli.ModelKinds "$dir"
python3 - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
r = np.random.default_rng(1)
f = lambda *s: r.random(s, dtype=np.float32)
for name, shape in [("image", (256, 8, 8, 1)), ("features", (256, 7)), ("img32", (256, 32, 32, 3)),
                    ("seq", (256, 50, 8)), ("x4", (256, 4)), ("face", (256, 112, 112, 3)),
                    ("mnv1", (256, 160, 120, 1)), ("gru", (256, 28, 28)), ("unet", (64, 512, 512, 3))]:
    np.save(f"{d}/{name}.npy", f(*shape))
PY
resources=src/test/resources/models
run() {
  local name=$1
  shift
  rm -rf "$dir/out-$name"
  /usr/bin/time -f "$name: %e s, peak resident %M KB, exit %x" \
    tools/adaround quantize "$@" --out "$dir/out-$name" > "$dir/log-$name.txt" 2>&1 || true
  tail -1 "$dir/log-$name.txt"
}
r=(--per-channel --iterations 500)
run tf1-gpu --model "$dir/tf1-style-gpu" --calibration 256 "${r[@]}"
run keras-gpu --model "$dir/keras-gpu" --calibration 256 \
  --data-dir src/main/resources/fashion-mnist-subset "${r[@]}"
run half-plus-two --model "$resources/half-plus-two-gpu-tf1" --calibration-npy "$dir/x4.npy" "${r[@]}"
run conv1d --model "$dir/conv1d-any-length" --calibration-npy "$dir/seq.npy" "${r[@]}"
run any-size --model "$dir/any-size" --calibration-npy "$dir/img32.npy" "${r[@]}"
run two-inputs --model "$dir/two-inputs" --calibration-npy "image=$dir/image.npy" \
  --calibration-npy "features=$dir/features.npy" "${r[@]}"
run tf1-assign --model "$dir/tf1-assign" --calibration-npy "$dir/x4.npy" "${r[@]}"
run mlnet --model "$resources/mlnet-cifar/mlnet-cifar-frozen.pb" --calibration-npy "$dir/img32.npy" "${r[@]}"
run face --model "$resources/face-landmarks-const-tf1" --tag myTag \
  --calibration-npy "$dir/face.npy" "${r[@]}"
run unet --model "$dir/unet" --calibration-npy "$dir/unet.npy" --cache-mb 512 --per-channel \
  --iterations 200 --batch 4
if [[ -n "$others" ]]; then
  run mobilenetv1 --model "$others/arm-openmv-mobilenetv1" --calibration-npy "$dir/mnv1.npy" "${r[@]}"
  run gru --model "$others/mnist-gru-dropout-frozen.pb" --input X \
    --calibration-npy "$dir/gru.npy" "${r[@]}"
fi
