#!/usr/bin/env python3
"""Writes real Keras model files and Keras' predictions (Tests/LayersTests/Fixtures/keras_files/).

Keras 3 (TensorFlow backend; scripts/requirements.txt) builds the reference models with seeded random
weights, saves them as Keras saves them, and records its predictions on a few inputs. The dense model and
the denoiser are also trained for one epoch first, so their files hold an optimizer state (Adam's moments,
which readers must skip); the others are saved uncompiled, keeping the fixtures small:

- lstm_relu: the sheet-break seed LSTM autoencoder (5×59, relu, 25,243 parameters) as `.keras`,
  `.weights.h5` (model.save_weights) and legacy `.h5` (model.save("x.h5"), what ModelCheckpoint wrote);
- lstm_tanh: the same with Keras' default tanh, `.keras`;
- dense: the sheet-break dense autoencoder (59 features, L1 activity regularizer), `.keras` and `.h5`;
- ecg: the ECG5000 autoencoder (140 → 32 → 16 → 8 → 16 → 32 → 140), `.keras`;
- denoiser: the Fashion-MNIST denoising convolutional autoencoder (nested encoder and decoder), `.keras`.

predictions.json maps each model to {"input": tensor, "output": tensor, "param_count": n}.

    python3 scripts/make_keras_files.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
import keras

from make_fixtures import denoiser_model as denoiser, tensor

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "LayersTests", "Fixtures",
                   "keras_files")
L = keras.layers


def lstm(activation):
    return keras.Sequential([
        keras.Input((5, 59)),
        L.LSTM(32, activation=activation, return_sequences=True),
        L.LSTM(16, activation=activation),
        L.RepeatVector(5),
        L.LSTM(16, activation=activation, return_sequences=True),
        L.LSTM(32, activation=activation, return_sequences=True),
        L.TimeDistributed(L.Dense(59)),
    ])


def dense():
    return keras.Sequential([
        keras.Input((59,)),
        L.Dense(32, activation="relu", activity_regularizer=keras.regularizers.L1(1e-3)),
        L.Dense(16, activation="relu"),
        L.Dense(16, activation="relu"),
        L.Dense(32, activation="relu"),
        L.Dense(59),
    ])


def ecg():
    return keras.Sequential([
        keras.Input((140,)),
        L.Dense(32, activation="relu"), L.Dense(16, activation="relu"), L.Dense(8, activation="relu"),
        L.Dense(16, activation="relu"), L.Dense(32, activation="relu"), L.Dense(140, activation="sigmoid"),
    ])


MODELS = [  # name, builder, sample shape, formats, trained
    ("lstm_relu", lambda: lstm("relu"), (5, 59), ["keras", "weights.h5", "h5"], False),
    ("lstm_tanh", lambda: lstm("tanh"), (5, 59), ["keras"], False),
    ("dense", dense, (59,), ["keras", "h5"], True),
    ("ecg", ecg, (140,), ["keras"], False),
    ("denoiser", denoiser, (28, 28, 1), ["keras"], True),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261204)
    predictions = {}
    for index, (name, build, shape, formats, trained) in enumerate(MODELS):
        keras.backend.clear_session()
        keras.utils.set_random_seed(100 + index)
        model = build()
        if trained:
            model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
            x = rng.uniform(0, 1, size=(32,) + shape).astype(np.float32)
            model.fit(x, x, epochs=1, batch_size=16, verbose=0)
        for suffix in formats:
            path = os.path.join(OUT, f"{name}.{suffix}")
            if suffix == "weights.h5":
                model.save_weights(path)
            else:
                model.save(path)
            print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")
        probe = rng.uniform(0, 1, size=(3,) + shape).astype(np.float32)
        predictions[name] = {"input": tensor(probe), "output": tensor(model.predict(probe, verbose=0)),
                             "param_count": model.count_params(), "formats": formats}
    with open(os.path.join(OUT, "predictions.json"), "w") as f:
        json.dump(predictions, f)
    print("wrote predictions.json")


if __name__ == "__main__":
    main()
