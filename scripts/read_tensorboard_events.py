#!/usr/bin/env python3
"""Reads a TensorBoard log folder with the `tensorboard` package's own event reader (the one the
TensorBoard server uses) and prints, as JSON, per run folder (`train`, `validation`): each event file's
name and first event's `file_version`, and each scalar tag's `[step, value]` pairs with its plugin. The
Swift tests of the TensorBoard callback run it (when Python and tensorboard are installed) to prove the
files are standard event files.

    python3 scripts/read_tensorboard_events.py logs/run1
"""
import json
import os
import sys

from tensorboard.backend.event_processing import event_file_loader, plugin_event_accumulator
from tensorboard.util import tensor_util

root = sys.argv[1]
result = {}
for run in sorted(os.listdir(root)):
    folder = os.path.join(root, run)
    files = sorted(os.listdir(folder))
    first = next(iter(event_file_loader.EventFileLoader(os.path.join(folder, files[0])).Load()))
    accumulator = plugin_event_accumulator.EventAccumulator(folder, size_guidance={"tensors": 0})
    accumulator.Reload()
    scalars = {}
    for tag in accumulator.Tags()["tensors"]:
        plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        scalars[tag] = {"plugin": plugin,
                        "points": [[event.step, float(tensor_util.make_ndarray(event.tensor_proto))]
                                   for event in accumulator.Tensors(tag)]}
    result[run] = {"files": files, "file_version": first.file_version, "scalars": scalars}
print(json.dumps(result))
