#!/usr/bin/env python3
"""Writes the Keras parity fixtures of the Layers tests (Tests/LayersTests/Fixtures/*.json).

Keras 3 (TensorFlow backend, from PyPI: see scripts/requirements.txt) is the independent reference:
the same weights are loaded into Keras layers, and their outputs and gradients are recorded so that
the Swift tests can compare without Python.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_fixtures.py

Every tensor is written as {"shape": [...], "data": [...]} (row-major float32, 9 significant digits,
which round-trips float32 exactly).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import tensorflow as tf
import keras

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "LayersTests", "Fixtures")


def tensor(value):
    array = np.asarray(value, dtype=np.float32)
    return {"shape": list(array.shape), "data": [float("%.9g" % x) for x in array.reshape(-1)]}


def weight_name(variable):
    return variable.path.split("/")[-1]


def named(variables, values=None):
    values = values if values is not None else [v.numpy() for v in variables]
    return {weight_name(v): tensor(x) for v, x in zip(variables, values)}


def write(name, payload):
    path = os.path.join(OUT, name + ".json")
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    os.replace(temporary, path)
    print("wrote", os.path.relpath(path), file=sys.stderr)


def hard_sigmoid_keras2(x):
    """Keras 2's hard_sigmoid, the LSTM recurrent activation the reference articles ran."""
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def layer_case(name, layer, x, rng, scale=0.4):
    """Random weights (uniform ±scale), forward, and gradients of sum(output · upstream) + layer losses."""
    layer.build(x.shape)
    for variable in layer.trainable_weights:
        variable.assign(rng.uniform(-scale, scale, size=variable.shape).astype(np.float32))
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        upstream = tf.constant(rng.normal(size=y.shape).astype(np.float32))
        objective = tf.reduce_sum(y * upstream)
        regularization = sum(layer.losses) if layer.losses else None
        if regularization is not None:
            objective = objective + regularization
    grads = tape.gradient(objective, [x] + layer.trainable_weights)
    payload = {
        "weights": named(layer.trainable_weights),
        "input": tensor(x),
        "output": tensor(y),
        "upstream": tensor(upstream),
        "grad_input": tensor(grads[0]),
        "grad_weights": named(layer.trainable_weights, [g.numpy() for g in grads[1:]]),
    }
    if regularization is not None:
        payload["regularization_loss"] = float(regularization)
    write(name, payload)


def lstm_cases(rng):
    for activation in ["relu", "tanh"]:
        for recurrent in ["sigmoid", "hard_sigmoid_keras2"]:
            for sequences in [True, False]:
                name = f"lstm_{activation}_{recurrent}_{'seq' if sequences else 'last'}"
                layer = keras.layers.LSTM(
                    6, activation=activation,
                    recurrent_activation=hard_sigmoid_keras2 if recurrent != "sigmoid" else "sigmoid",
                    return_sequences=sequences)
                x = rng.normal(size=(3, 4, 5)).astype(np.float32)
                layer_case(name, layer, x, rng)


def dense_cases(rng):
    for activation in ["relu", "linear", "sigmoid", "tanh"]:
        layer_case(f"dense_{activation}", keras.layers.Dense(7, activation=activation),
                   rng.normal(size=(4, 5)).astype(np.float32), rng)
    layer_case("dense_sequence", keras.layers.Dense(7), rng.normal(size=(2, 3, 5)).astype(np.float32), rng)
    # Keras divides the activity penalty by the batch size: λ·Σ|a| / batch (REFERENCE.md).
    layer_case("dense_l1_activity",
               keras.layers.Dense(7, activation="relu", activity_regularizer=keras.regularizers.L1(1e-3)),
               rng.normal(size=(4, 5)).astype(np.float32), rng)


def seed_autoencoder(rng):
    keras.utils.set_random_seed(7)
    model = keras.Sequential([
        keras.Input((5, 59)),
        keras.layers.LSTM(32, activation="relu", return_sequences=True),
        keras.layers.LSTM(16, activation="relu"),
        keras.layers.RepeatVector(5),
        keras.layers.LSTM(16, activation="relu", return_sequences=True),
        keras.layers.LSTM(32, activation="relu", return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(59)),
    ])
    x = rng.normal(size=(8, 5, 59)).astype(np.float32)
    layers = [{"type": type(layer).__name__, "weights": named(layer.trainable_weights)} for layer in model.layers]
    output = model(x, training=False).numpy()
    mse = float(np.mean((output.astype(np.float64) - x) ** 2))
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        loss = keras.losses.MeanSquaredError()(x, prediction)
    grads = tape.gradient(loss, model.trainable_weights)
    grads_by_layer, index = [], 0
    for layer in model.layers:
        count = len(layer.trainable_weights)
        grads_by_layer.append(named(layer.trainable_weights, [g.numpy() for g in grads[index:index + count]]))
        index += count
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    losses, after = [], {}
    for step in range(1, 4):
        losses.append(float(model.train_on_batch(x, x)))
        if step in (1, 3):
            after[step] = [named(layer.trainable_weights) for layer in model.layers]
    write("seed_autoencoder", {
        "keras_version": keras.__version__,
        "layers": layers,
        "input": tensor(x),
        "output": tensor(output),
        "mse": mse,
        "param_counts": [layer.count_params() for layer in model.layers] + [model.count_params()],
        "grads": grads_by_layer,
        "losses_before_each_step": losses,
        "weights_after_step_1": after[1],
        "weights_after_step_3": after[3],
    })


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261124)
    lstm_cases(rng)
    dense_cases(rng)
    seed_autoencoder(rng)
