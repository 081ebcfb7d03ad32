#!/usr/bin/env bash
# tl against Keras on the same TensorFlow runtime (2.21), back to back, alternating, and the
# ratios. Builds a Python venv with tensorflow-cpu 2.21.0 from the configured pip index on first
# use (in ~/.cache/tl/keras-venv); skips the Keras side with a message where that fails.
#   bench/keras/run.sh [rounds=2]
set -uo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-2}"
venv="${TL_KERAS_VENV:-$HOME/.cache/tl/keras-venv}"
work="${TL_BENCH_DIR:-$HOME/.cache/tl/bench}"
mkdir -p "$work"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import tensorflow' >/dev/null 2>&1; then
  echo "== building the Keras venv in $venv (tensorflow-cpu==2.21.0, about 275 MB)"
  # --retries 0: an index that cannot be reached fails at once instead of after minutes of retries.
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --retries 0 tensorflow-cpu==2.21.0; }; then
    echo "skipping the Keras side: python3 -m venv or pip install tensorflow-cpu==2.21.0 failed (see above)"
    keras=no
  fi
fi
keras="${keras:-yes}"
py() { TF_CPP_MIN_LOG_LEVEL=2 "$venv/bin/python" "$@" 2>/dev/null | tail -1; }
tsn() { npx ts-node --transpile-only "$@" 2>/dev/null | tail -1; }
num() { node -e "const o=JSON.parse(process.argv[1]); console.log(o[process.argv[2]])" "$1" "$2"; }
ratio() { node -e "console.log((Number(process.argv[1])/Number(process.argv[2])).toFixed(2))" "$1" "$2"; }

echo "== 1. frozen forward, mobilenet-v2-nsfwjs to block_13_expand_relu, batch 32 (img/s, higher is better)"
for r in $(seq "$rounds"); do
  t=$(tsn bench/forward.ts --base mobilenet-v2-nsfwjs --json)
  tl_fwd=$(node -e "console.log(JSON.parse(process.argv[1]).rows[0].tlImagesPerSecond.toFixed(1))" "$t")
  if [ "$keras" = yes ]; then
    k=$(py bench/keras/forward.py 32 3); k_fwd=$(num "$k" imagesPerSecond)
    echo "round $r: tl $tl_fwd img/s, Keras predict $(printf %.1f "$k_fwd") img/s, ratio $(ratio "$tl_fwd" "$k_fwd")x"
  else echo "round $r: tl $tl_fwd img/s"; fi
done

echo "== 2. cnn-small training from scratch, 28x28x1, batch 64 (img/s, higher is better)"
for r in $(seq "$rounds"); do
  t=$(tsn bench/train-speed.ts 4096 3 --json); tl_tr=$(num "$t" imagesPerSecond)
  if [ "$keras" = yes ]; then
    k=$(py bench/keras/train_speed.py 4096 3); k_tr=$(num "$k" imagesPerSecond)
    echo "round $r: tl $(printf %.0f "$tl_tr") img/s, Keras fit $(printf %.0f "$k_tr") img/s, ratio $(ratio "$tl_tr" "$k_tr")x"
  else echo "round $r: tl $(printf %.0f "$tl_tr") img/s"; fi
done

echo "== 3. the README's main job end to end, cold (wall seconds, lower is better)"
[ "$keras" = yes ] && npx ts-node --transpile-only bench/keras/export-main-job.ts "$work/main-job" >/dev/null 2>&1
for r in $(seq "$rounds"); do
  rm -rf "$work/tl-main-job"
  s=$(date +%s.%N)
  node bin/tl transfer --base mobilenet-v2-nsfwjs --data fashion-mnist:5-9 --limit-per-class 20 --val-split 0.01 --test-split 0.02 \
    --out "$work/tl-main-job" --no-cache --json > "$work/tl-main-job.json" 2>/dev/null
  tl_s=$(node -e "console.log(($(date +%s.%N) - $s).toFixed(1))")
  tl_acc=$(node -e "const o=require('$work/tl-main-job.json'); console.log((100*o.metrics.testAccuracy).toFixed(1))" 2>/dev/null)
  if [ "$keras" = yes ]; then
    s=$(date +%s.%N); k=$(py bench/keras/main_job.py "$work/main-job"); k_s=$(node -e "console.log(($(date +%s.%N) - $s).toFixed(1))")
    k_acc=$(node -e "console.log((100*JSON.parse(process.argv[1]).testAccuracy).toFixed(1))" "$k")
    echo "round $r: tl ${tl_s} s (test ${tl_acc}%), Keras ${k_s} s (test ${k_acc}%), tl/Keras wall $(ratio "$tl_s" "$k_s")x; Keras detail: $k"
  else echo "round $r: tl ${tl_s} s (test ${tl_acc}%)"; fi
done

echo "== 4. MNIST 0-4 -> 5-9, Keras mnist_transfer_cnn protocol (5 + 5 epochs, frozen features; test accuracy on 5-9, wall seconds)"
for r in $(seq "$rounds"); do
  t=$(tsn bench/mnist-transfer.ts --export "$work/mnist-transfer" --json)
  tl_acc=$(node -e "console.log((100*JSON.parse(process.argv[1]).targetTestAccuracy).toFixed(1))" "$t"); tl_s=$(num "$t" seconds)
  if [ "$keras" = yes ]; then
    k=$(py bench/keras/mnist_transfer.py "$work/mnist-transfer"); k_s=$(num "$k" seconds)
    k_acc=$(node -e "console.log((100*JSON.parse(process.argv[1]).targetTestAccuracy).toFixed(1))" "$k")
    echo "round $r: tl ${tl_acc}% in $(printf %.0f "$tl_s") s, Keras ${k_acc}% in $(printf %.0f "$k_s") s, tl/Keras wall $(ratio "$tl_s" "$k_s")x"
  else echo "round $r: tl ${tl_acc}% in $(printf %.0f "$tl_s") s"; fi
done
