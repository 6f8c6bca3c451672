#!/usr/bin/env bash
# The recipe the bundled detector was trained with (`npm run train:detector`). CPU only, about
# 60 minutes on a 2-core machine (3,500 images an epoch at about 33 ms each).
# Override any of these with environment variables:
#   WORK           where datasets, checkpoints and the exported model go (default data/detector)
#   REAL_DATA      a YOLO-format folder of real photos labelling packages only (default: the team's
#                  boxes-cctv set, ../shared/datasets/boxes-cctv/train; set it empty to skip)
#   EPOCHS, SEED   training length and seed
# Interrupted? Run it again: it resumes from WORK/run/checkpoint.pt.
set -euo pipefail
cd "$(dirname "$0")/../.."

WORK=${WORK:-data/detector}
REAL_DATA=${REAL_DATA-../shared/datasets/boxes-cctv/train}
EPOCHS=${EPOCHS:-30}
SEED=${SEED:-1}
PYTHON=${PYTHON:-/usr/bin/python3}

"$PYTHON" -c 'import torch, onnx, PIL, numpy' 2>/dev/null || {
  echo "train:detector needs Debian's python3-torch, python3-onnx, python3-pil and python3-numpy for $PYTHON" >&2
  echo "  apt-get install python3-torch python3-onnx python3-pil python3-numpy" >&2
  exit 2
}

mkdir -p "$WORK"
# Synthetic scenes: seed 101 to train on; seed 9001 is held out for evaluation and never trained on.
[[ -f "$WORK/sim-train/data.yaml" ]] ||
  node bin/parcelroom.js sim dataset --out "$WORK/sim-train" --count 3000 --seed 101 --people
[[ -f "$WORK/sim-heldout/data.yaml" ]] ||
  node bin/parcelroom.js sim dataset --out "$WORK/sim-heldout" --count 400 --seed 9001 --people

data=(--data "$WORK/sim-train:0,1:2000")
if [[ -n "$REAL_DATA" ]]; then
  [[ -d "$REAL_DATA/images" ]] || { echo "REAL_DATA=$REAL_DATA has no images/ folder" >&2; exit 2; }
  # Real photos label packages only: class 1 (person) is not taught from them.
  data+=(--data "$REAL_DATA:0:1500")
fi
"$PYTHON" -W ignore models/training/train_detector.py "${data[@]}" \
  --out "$WORK/run" --epochs "$EPOCHS" --seed "$SEED" --resume

cp "$WORK/run/package-detector.onnx" models/package-detector/package-detector.onnx
node bin/parcelroom.js eval-detector --data "$WORK/sim-heldout" --out "$WORK/eval-sim-heldout.json" >/dev/null
if [[ -n "$REAL_DATA" && -d "${REAL_DATA%/train}/valid" ]]; then
  node bin/parcelroom.js eval-detector --data "${REAL_DATA%/train}/valid" --out "$WORK/eval-real-valid.json" >/dev/null
fi
echo "model: models/package-detector/package-detector.onnx; evaluations in $WORK/eval-*.json"
