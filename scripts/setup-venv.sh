#!/usr/bin/env bash
# The Python peers for the interchange tests (Keras 3 on JAX, h5py, onnx, onnxruntime), in a gitignored
# venv at .venv. Installs from the machine's local wheel index (pip config): pointing --index-url at it
# avoids slow retries against an unreachable public index. Idempotent. Keras runs with KERAS_BACKEND=jax.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
# `--bench` also installs torch, for `npm run bench -- native` (bench/native_peers.py); tests never need it.
if [ "${1:-}" = "--bench" ] && ! .venv/bin/python -c "import torch" 2>/dev/null; then
  idx=()
  [ -d /opt/pypi/simple ] && idx+=(--index-url file:///opt/pypi/simple)
  [ -d /opt/pypi-more/simple ] && idx+=(--extra-index-url file:///opt/pypi-more/simple)
  .venv/bin/pip install -q "${idx[@]}" torch
fi
# Already set up: nothing to do (npm test runs this script first, so it must be quick).
if .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('keras') == '3.15.1' and all(m.version(p) for p in ('jax', 'jaxlib', 'h5py', 'numpy', 'scipy', 'onnx', 'onnxruntime')) else 1)" 2>/dev/null; then
  exit 0
fi
idx=()
[ -d /opt/pypi/simple ] && idx+=(--index-url file:///opt/pypi/simple)
[ -d /opt/pypi-more/simple ] && idx+=(--extra-index-url file:///opt/pypi-more/simple)
.venv/bin/pip install -q "${idx[@]}" keras==3.15.1 jax jaxlib h5py numpy scipy onnx onnxruntime
KERAS_BACKEND=jax .venv/bin/python -c "import keras, h5py, onnx, onnxruntime; print('venv: keras', keras.__version__, 'h5py', h5py.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)"
