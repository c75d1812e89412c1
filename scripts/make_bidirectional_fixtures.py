#!/usr/bin/env python3
"""Writes the Keras parity fixtures of Bidirectional (Tests/LayersTests/Fixtures/bidirectional_*.json).

Keras 3 (TensorFlow backend, from PyPI: see scripts/requirements.txt) is the reference, with the helpers
of make_fixtures.py:

- bidirectional_lstm_<activation>_<seq|last>_<merge mode>: Bidirectional(LSTM(3)) with random weights
  (uniform ±0.4) on a [2, 4, 3] batch, for relu and tanh, return_sequences true and false, and every
  merge mode: the output and the gradients of sum(output · upstream) with respect to the input and to
  every weight. Weights are keyed by RareEventKit's paths inside the wrapper, Keras 3's variable paths
  without the wrapper and the `lstm_cell` level: "forward_lstm/kernel", "backward_lstm/bias".
- bidirectional_<gru|simple_rnn>_<activation>_<seq|last>_<merge mode>: the same for Bidirectional(GRU(3))
  and Bidirectional(SimpleRNN(3)), a few combinations ("forward_gru/kernel", "backward_simple_rnn/bias").
- bidirectional_autoencoder: Bidirectional(LSTM(16, return_sequences)) → Bidirectional(LSTM(8)) →
  RepeatVector(8) → Bidirectional(LSTM(8, return_sequences)) → Bidirectional(LSTM(16, return_sequences))
  → TimeDistributed(Dense(59)) on [8, 59], layers named as RareEventKit names them: parameter counts
  (per layer, then the total), the Keras variable paths, and the inference output for a batch of 2. Its weights are not stored (20,123 values):
  weight number w of the model (in model.weights order) holds pattern_weights(shape, w), integer
  arithmetic that the Swift test repeats exactly.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_bidirectional_fixtures.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
import tensorflow as tf
import keras

from make_fixtures import tensor, write

MERGE_MODES = ["concat", "sum", "mul", "ave"]


def path_in_wrapper(variable):
    """RareEventKit's weight path inside the Bidirectional layer: Keras' path without the wrapper and the
    cell level ("bidirectional/forward_lstm/lstm_cell/kernel" → "forward_lstm/kernel")."""
    parts = variable.path.split("/")[1:]
    return "/".join(part for part in parts if not part.endswith("_cell"))


def named(variables, values):
    return {path_in_wrapper(v): tensor(x) for v, x in zip(variables, values)}


def bidirectional_case(name, layer, x, rng, scale=0.4):
    """make_fixtures.layer_case for a wrapper whose two directions have weights of the same names."""
    layer.build(x.shape)
    for variable in layer.trainable_weights:
        variable.assign(rng.uniform(-scale, scale, size=variable.shape).astype(np.float32))
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        upstream = tf.constant(rng.normal(size=y.shape).astype(np.float32))
        objective = tf.reduce_sum(y * upstream)
    grads = tape.gradient(objective, [x] + layer.trainable_weights)
    write(name, {
        "weights": named(layer.trainable_weights, [v.numpy() for v in layer.trainable_weights]),
        "input": tensor(x),
        "output": tensor(y),
        "upstream": tensor(upstream),
        "grad_input": tensor(grads[0]),
        "grad_weights": named(layer.trainable_weights, [g.numpy() for g in grads[1:]]),
        "param_count": layer.count_params(),
    })


def layer_cases(rng):
    for activation in ["relu", "tanh"]:
        for sequences in [True, False]:
            for merge_mode in MERGE_MODES:
                name = f"bidirectional_lstm_{activation}_{'seq' if sequences else 'last'}_{merge_mode}"
                layer = keras.layers.Bidirectional(
                    keras.layers.LSTM(3, activation=activation, return_sequences=sequences, name="lstm"),
                    merge_mode=merge_mode)
                bidirectional_case(name, layer, rng.normal(size=(2, 4, 3)).astype(np.float32), rng)


def pattern_weights(shape, index):
    """Deterministic weights in [-0.2, 0.2): element i of weight number `index` is
    ((i·7919 + index·104729) mod 1000) / 1000 · 0.4 − 0.2, computed in float64 and rounded to float32."""
    count = int(np.prod(shape))
    i = np.arange(count, dtype=np.int64)
    k = (i * 7919 + index * 104729) % 1000
    return ((k / 1000.0) * 0.4 - 0.2).astype(np.float32).reshape(shape)


def autoencoder(rng):
    Bidirectional, LSTM = keras.layers.Bidirectional, keras.layers.LSTM
    model = keras.Sequential([
        keras.Input((8, 59)),
        Bidirectional(LSTM(16, return_sequences=True, name="lstm"), name="bidirectional"),
        Bidirectional(LSTM(8, name="lstm"), name="bidirectional_1"),
        keras.layers.RepeatVector(8, name="repeat_vector"),
        Bidirectional(LSTM(8, return_sequences=True, name="lstm"), name="bidirectional_2"),
        Bidirectional(LSTM(16, return_sequences=True, name="lstm"), name="bidirectional_3"),
        keras.layers.TimeDistributed(keras.layers.Dense(59, name="dense"), name="time_distributed"),
    ])
    for index, variable in enumerate(model.weights):
        variable.assign(pattern_weights(variable.shape, index))
    x = rng.normal(size=(2, 8, 59)).astype(np.float32)
    write("bidirectional_autoencoder", {
        "keras_version": keras.__version__,
        "param_counts": [layer.count_params() for layer in model.layers] + [model.count_params()],
        "weight_paths": [v.path for v in model.weights],
        "input": tensor(x),
        "output": tensor(model(x, training=False)),
    })


# The other recurrent layers inside the wrapper (their own generator, so the LSTM fixtures stay as they were).
OTHER_CELLS = [("gru", "tanh", True, "concat"), ("gru", "relu", False, "sum"), ("simple_rnn", "tanh", True, "ave"),
               ("simple_rnn", "tanh", False, "mul")]


def other_cell_cases(rng):
    for cell, activation, sequences, merge_mode in OTHER_CELLS:
        layer_type = {"gru": keras.layers.GRU, "simple_rnn": keras.layers.SimpleRNN}[cell]
        name = f"bidirectional_{cell}_{activation}_{'seq' if sequences else 'last'}_{merge_mode}"
        layer = keras.layers.Bidirectional(
            layer_type(3, activation=activation, return_sequences=sequences, name=cell), merge_mode=merge_mode)
        bidirectional_case(name, layer, rng.normal(size=(2, 4, 3)).astype(np.float32), rng)


if __name__ == "__main__":
    keras.utils.set_random_seed(14)
    rng = np.random.default_rng(20261204)
    layer_cases(rng)
    autoencoder(rng)
    other_cell_cases(np.random.default_rng(20261205))
