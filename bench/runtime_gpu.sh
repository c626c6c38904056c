#!/usr/bin/env bash
# The runtime watcher's GPU checks (issue #6), as one script for a machine with a CUDA GPU:
#   bash bench/runtime_gpu.sh            (from the repository root; torch with CUDA installed)
# 1. the CUDA tests (a watched training step under torch.cuda.set_sync_debug_mode("error"));
# 2. the overhead benchmark on the GPU (wall time, every step under sync debug mode "error"), on all
#    four models: MLP, CNN, transformer encoder, MLP from a DataLoader (pinned, non-blocking copies);
# 3. the CPU overhead benchmark on the same machine (a second, quieter host for the CPU figures).
set -u
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python3 -c "import sys, torch; print(sys.version.split()[0], 'torch', torch.__version__, torch.cuda.get_device_name(0))"
python3 -m pytest -q -rs -p no:cacheprovider tests/test_runtime.py -k cuda
python3 bench/runtime_overhead.py --device cuda --model all --reps "${GPU_REPS:-41}" --steps "${GPU_STEPS:-50}"
python3 bench/runtime_overhead.py --device cpu --model all --reps "${CPU_REPS:-41}"
# 4. a whole `torchlint run` of a short training script against the script alone (CPU).
python3 bench/run_overhead.py --reps "${RUN_REPS:-15}"
