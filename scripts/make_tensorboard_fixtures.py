#!/usr/bin/env python3
"""Writes Tests/LayersTests/Fixtures/tensorboard_keras.json: the event files Keras 3's TensorBoard
callback writes for a 3-epoch fit with validation, as hex, with their names and each record's bytes.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_tensorboard_fixtures.py

The Swift tests read the files with RareEventKit's TFRecord reader and check that its own event
encoder gives the very bytes of Keras' scalar records (same tag, step, wall time and value).
"""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import keras, write  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader  # noqa: E402


def main():
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0, shuffle=False,
                  callbacks=[keras.callbacks.TensorBoard(log_dir=folder, profile_batch=0, write_graph=False)])
        for run in sorted(os.listdir(folder)):
            (name,) = os.listdir(os.path.join(folder, run))
            path = os.path.join(folder, run, name)
            with open(path, "rb") as f:
                data = f.read()
            runs[run] = {"name": name, "file": data.hex(),
                         "records": [bytes(r).hex() for r in RawEventFileLoader(path).Load()]}
    write("tensorboard_keras", {"keras_version": keras.__version__, "runs": runs})


if __name__ == "__main__":
    main()
