#!/usr/bin/env python3
"""Reads a RareEventKit weights file with Python's `safetensors` package and prints, as JSON, each
tensor's shape and float64 sum. The Swift saving tests run it (when Python and safetensors are
installed) to prove the files are standard safetensors.

    python3 scripts/read_safetensors.py runs/lstm/model.safetensors
"""
import json
import sys

from safetensors import safe_open
from safetensors.numpy import load_file

path = sys.argv[1]
tensors = load_file(path)
with safe_open(path, framework="numpy") as f:
    metadata = f.metadata()
print(json.dumps({"metadata": metadata,
                  "tensors": {name: {"shape": list(t.shape), "dtype": str(t.dtype), "sum": float(t.astype("float64").sum())}
                              for name, t in tensors.items()}}))
