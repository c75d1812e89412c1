#!/usr/bin/env python3
"""Writes the Keras model-configuration fixtures (Tests/LayersTests/Fixtures/keras_config_*.json).

For each small model: the Keras 3 `config.json` of its `.keras` archive, the `model_config` attribute of
the legacy `.h5` file Keras 3 writes, the same model built with tf.keras 2 (the `tf-keras` package, Keras 2
semantics) as `model.to_json()` returns it, that JSON in the older Keras 2 form (no `module` keys, no
InputLayer, `batch_input_shape` on the first layer), the weights per layer in Keras' order
(`[layer.get_weights() for layer in model.layers]`), a few inputs and Keras' predictions.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_keras_config_fixtures.py
"""
import json
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import keras, np, tensor, write  # noqa: E402  (sets the TensorFlow backend)

import h5py  # noqa: E402
import tf_keras  # noqa: E402


def sheet_break_dense(k):
    return k.Sequential([
        k.Input((59,)),
        k.layers.Dense(32, activation="relu", activity_regularizer=k.regularizers.L1(1e-3)),
        k.layers.Dense(16, activation="relu"),
        k.layers.Dense(16, activation="relu"),
        k.layers.Dense(32, activation="relu"),
        k.layers.Dense(59),
    ], name="sheet_break_dense")


def seed_lstm(k, recurrent="sigmoid"):
    return k.Sequential([
        k.Input((5, 59)),
        k.layers.LSTM(8, activation="relu", recurrent_activation=recurrent, return_sequences=True),
        k.layers.LSTM(4, activation="relu", recurrent_activation=recurrent),
        k.layers.RepeatVector(5),
        k.layers.LSTM(4, activation="relu", recurrent_activation=recurrent, return_sequences=True),
        k.layers.LSTM(8, activation="relu", recurrent_activation=recurrent, return_sequences=True),
        k.layers.TimeDistributed(k.layers.Dense(59)),
    ], name="seed_lstm")


def gru_autoencoder(k):
    return k.Sequential([
        k.Input((6, 5)),
        k.layers.GRU(6, return_sequences=True),
        k.layers.GRU(3, reset_after=False),
        k.layers.RepeatVector(6),
        k.layers.GRU(3, return_sequences=True, go_backwards=True),
        k.layers.GRU(6, activation="relu", return_sequences=True),
        k.layers.TimeDistributed(k.layers.Dense(5)),
    ], name="gru_autoencoder")


def conv1d_autoencoder(k):
    return k.Sequential([
        k.Input((8, 4)),
        k.layers.Conv1D(6, 3, padding="same", activation="relu"),
        k.layers.MaxPooling1D(2),
        k.layers.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="tanh"),
        k.layers.UpSampling1D(2),
        k.layers.Conv1D(4, 2, padding="valid", strides=1, use_bias=False),
    ], name="conv1d_autoencoder")


def bidirectional(k):
    return k.Sequential([
        k.Input((5, 4)),
        k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True)),
        k.layers.Bidirectional(k.layers.LSTM(2), merge_mode="sum"),
        k.layers.RepeatVector(5),
        k.layers.Bidirectional(k.layers.GRU(2, return_sequences=True), merge_mode="ave"),
        k.layers.Bidirectional(k.layers.SimpleRNN(2, return_sequences=True), merge_mode="mul"),
        k.layers.TimeDistributed(k.layers.Dense(4)),
    ], name="bidirectional")


def normalization(k):
    return k.Sequential([
        k.Input((4, 6)),
        k.layers.Dense(8, activation="tanh"),
        k.layers.BatchNormalization(),
        k.layers.LayerNormalization(),
        k.layers.Dropout(0.2),
        k.layers.GaussianNoise(0.1),
        k.layers.BatchNormalization(center=False, momentum=0.9, epsilon=1e-2),
        k.layers.LayerNormalization(scale=False, epsilon=1e-5),
        k.layers.Dense(3, activation="softmax"),
    ], name="normalization")


def ecg(k):
    return k.Sequential([
        k.Input((140,)),
        k.layers.Dense(16, activation="relu"),
        k.layers.Dense(8, activation="relu"),
        k.layers.Dense(4, activation="relu"),
        k.layers.Dense(8, activation="relu"),
        k.layers.Dense(16, activation="relu"),
        k.layers.Dense(140, activation="sigmoid"),
    ], name="ecg")


def denoiser(k):
    return k.Sequential([
        k.Input((8, 8, 1)),
        k.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        k.layers.Conv2D(2, (3, 2), strides=2, padding="same", activation="relu"),
        k.layers.Conv2DTranspose(2, 3, strides=2, padding="same", activation="relu"),
        k.layers.Conv2DTranspose(4, (2, 3), strides=2, padding="same", activation="relu"),
        k.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ], name="denoiser")


def misc(k):
    return k.Sequential([
        k.Input((4, 4, 2)),
        k.layers.MaxPooling2D(2),
        k.layers.UpSampling2D(2),
        k.layers.Conv2D(2, 2, padding="valid"),
        k.layers.Flatten(),
        k.layers.Reshape((6, 3)),
        k.layers.SimpleRNN(3, return_sequences=True),
        k.layers.GlobalAveragePooling1D(),
        k.layers.Dense(2),
    ], name="misc")


def nested(k):
    encoder = k.Sequential([k.layers.LSTM(4), k.layers.Dense(3, activation="relu")], name="encoder")
    decoder = k.Sequential([
        k.layers.RepeatVector(6), k.layers.LSTM(4, return_sequences=True), k.layers.TimeDistributed(k.layers.Dense(3)),
    ], name="decoder")
    return k.Sequential([k.Input((6, 3)), encoder, decoder], name="nested")


MODELS = {
    "sheet_break_dense": (sheet_break_dense, (59,)),
    "seed_lstm": (seed_lstm, (5, 59)),
    "gru_autoencoder": (gru_autoencoder, (6, 5)),
    "conv1d_autoencoder": (conv1d_autoencoder, (8, 4)),
    "bidirectional": (bidirectional, (5, 4)),
    "normalization": (normalization, (4, 6)),
    "ecg": (ecg, (140,)),
    "denoiser": (denoiser, (8, 8, 1)),
    "misc": (misc, (4, 4, 2)),
    "nested": (nested, (6, 3)),
}


def randomize(model, rng):
    """Weights uniform in ±0.4; variances (BatchNormalization's moving_variance) in [0.5, 1.5]."""
    weights = []
    for variable in model.weights:
        if "variance" in getattr(variable, "path", variable.name):
            weights.append(rng.uniform(0.5, 1.5, size=variable.shape).astype(np.float32))
        else:
            weights.append(rng.uniform(-0.4, 0.4, size=variable.shape).astype(np.float32))
    model.set_weights(weights)


def strip_old(value):
    """The older Keras 2 form: no `module`/`registered_name`/`build_config` keys."""
    if isinstance(value, dict):
        return {key: strip_old(item) for key, item in value.items()
                if key not in ("module", "registered_name", "build_config")}
    if isinstance(value, list):
        return [strip_old(item) for item in value]
    return value


def old_form(keras2):
    """tf.keras' JSON as Keras 2.2–2.12 wrote it: the first layer carries `batch_input_shape`."""
    config = strip_old(keras2)
    layers = config["config"]["layers"]
    if layers and layers[0]["class_name"] == "InputLayer":
        shape = layers.pop(0)["config"]["batch_input_shape"]
        layers[0]["config"]["batch_input_shape"] = shape
    return config


def case(name, build, shape, rng):
    keras.utils.set_random_seed(1)
    model = build(keras)
    randomize(model, rng)
    x = rng.uniform(0, 1, size=(3,) + shape).astype(np.float32)
    y = model.predict(x, verbose=0)
    per_layer = [layer.get_weights() for layer in model.layers]
    flat = model.get_weights()
    assert len(flat) == sum(len(w) for w in per_layer)
    assert all(np.array_equal(a, b) for a, b in zip(flat, [w for ws in per_layer for w in ws])), name
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.keras")
        model.save(path)
        keras3 = json.loads(zipfile.ZipFile(path).read("config.json"))
        weights_path = os.path.join(folder, "m.weights.h5")
        model.save_weights(weights_path)
        stored = {}
        with h5py.File(weights_path, "r") as f:
            def visit(path, item):
                if isinstance(item, h5py.Dataset) and path.startswith("layers/"):
                    value = np.asarray(item, dtype=np.float32)
                    stored[path] = {"shape": list(value.shape), "first": float(value.reshape(-1)[0])}
            f.visititems(visit)
        h5path = os.path.join(folder, "m.h5")
        model.save(h5path)
        with h5py.File(h5path, "r") as f:
            legacy_h5 = json.loads(f.attrs["model_config"])
    # The same architecture and weights in tf.keras 2 (Keras 2 semantics).
    model2 = build(tf_keras)
    model2.set_weights(flat)
    y2 = model2.predict(x, verbose=0)
    assert np.allclose(y, y2, rtol=1e-5, atol=1e-6), (name, np.abs(y - y2).max())
    keras2 = json.loads(model2.to_json())
    payload = {
        "keras3": keras3, "legacyH5": legacy_h5, "keras2": keras2, "keras2Old": old_form(keras2),
        "weights": [[tensor(w) for w in ws] for ws in per_layer],
        "input": tensor(x), "output": tensor(y), "paramCount": int(model.count_params()),
        "layerClasses": [type(layer).__name__ for layer in model.layers],
        "weightsH5": stored,
    }
    write("keras_config_" + name, payload)


def keras2_hard_sigmoid(rng):
    """The reference articles' LSTM: Keras 2's hard_sigmoid gates, only expressible in Keras 2."""
    tf_keras.utils.set_random_seed(1)
    model = seed_lstm(tf_keras, recurrent="hard_sigmoid")
    randomize(model, rng)
    x = rng.uniform(0, 1, size=(3, 5, 59)).astype(np.float32)
    keras2 = json.loads(model.to_json())
    write("keras_config_seed_lstm_hard_sigmoid", {
        "keras2": keras2, "keras2Old": old_form(keras2),
        "weights": [[tensor(w) for w in layer.get_weights()] for layer in model.layers],
        "input": tensor(x), "output": tensor(model.predict(x, verbose=0)), "paramCount": int(model.count_params()),
        "layerClasses": [type(layer).__name__ for layer in model.layers],
    })


def main():
    rng = np.random.default_rng(2026)
    for name, (build, shape) in MODELS.items():
        case(name, build, shape, rng)
    keras2_hard_sigmoid(rng)


if __name__ == "__main__":
    main()
