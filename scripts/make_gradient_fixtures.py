#!/usr/bin/env python3
"""Writes Tests/LayersTests/Fixtures/model_gradients.json: the reference for Sequential.gradients(_:_:).

A small Keras 3 model (TensorFlow backend) with fixed random weights: an LSTM, then a nested model
"head" holding a Dense layer with an L1+L2 activity regularizer. Recorded: the weights and the
gradients of the compiled loss, MSE + the regularization losses (what `fit` minimizes), keyed by
RareEventKit's weight paths ("lstm/kernel", "head/dense/bias"), and the loss itself.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_gradient_fixtures.py

Every tensor is written as {"shape": [...], "data": [...]} (row-major float32, 9 significant digits).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import tensorflow as tf
import keras

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "LayersTests", "Fixtures",
                   "model_gradients.json")


def tensor(value):
    array = np.asarray(value, dtype=np.float32)
    return {"shape": list(array.shape), "data": [float("%.9g" % x) for x in array.reshape(-1)]}


def main():
    keras.backend.clear_session()
    rng = np.random.default_rng(1414)
    head = keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(3, activation="tanh", name="dense",
                           activity_regularizer=keras.regularizers.L1L2(l1=0.05, l2=0.2)),
    ], name="head")
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.LSTM(5, name="lstm"), head])
    paths, variables = [], []
    for layer, prefix in ((model.layers[0], "lstm/"), (head.layers[0], "head/dense/")):
        for variable in layer.trainable_weights:
            variable.assign(rng.uniform(-0.6, 0.6, size=variable.shape).astype(np.float32))
            paths.append(prefix + variable.path.split("/")[-1])
            variables.append(variable)
    x = rng.normal(size=(6, 4, 3)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(6, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        mse = keras.losses.MeanSquaredError()(y, prediction)
        regularization = tf.add_n(model.losses)
        loss = mse + regularization
    gradients = tape.gradient(loss, variables)
    payload = {
        "keras_version": keras.__version__,
        "input": tensor(x),
        "target": tensor(y),
        "weights": {p: tensor(v.numpy()) for p, v in zip(paths, variables)},
        "gradients": {p: tensor(g.numpy()) for p, g in zip(paths, gradients)},
        "mse": float(mse),
        "regularization_loss": float(regularization),
        "loss": float(loss),
    }
    assert float(regularization) > 0.05 * float(mse), "the regularizer must weigh in the test"
    temporary = OUT + ".tmp"
    with open(temporary, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    os.replace(temporary, OUT)
    print("wrote", os.path.relpath(OUT), "loss", float(mse), "+", float(regularization), file=sys.stderr)


if __name__ == "__main__":
    main()
