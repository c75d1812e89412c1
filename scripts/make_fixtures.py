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


def layer_case(name, layer, x, rng, scale=0.4, config=None):
    """Random weights (uniform ±scale), forward, and gradients of sum(output · upstream) + layer losses.

    Layers without weights (pooling, upsampling) record empty "weights" and "grad_weights". `config`, when
    given, is written as the case's "config" (see layer_config)."""
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
    if config is not None:
        payload["config"] = config
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


CONFIG_KEYS = ["filters", "kernel_size", "strides", "padding", "output_padding", "use_bias", "activation",
               "pool_size", "size", "interpolation", "data_format"]


def layer_config(layer):
    """The part of Keras' get_config() the Swift side needs (tuples as lists), plus the class name."""
    config = layer.get_config()
    subset = {"class_name": type(layer).__name__}
    for key in CONFIG_KEYS:
        if key in config:
            value = config[key]
            subset[key] = list(value) if isinstance(value, tuple) else value
    return subset


def spatial_case(name, layer, shape, rng):
    """A channels-last image layer on a batch of 2 continuous normal inputs (no ties for max pooling)."""
    x = rng.normal(size=(2,) + shape).astype(np.float32)
    layer_case(name, layer, x, rng, config=layer_config(layer))


def conv2d_cases(rng):
    Conv2D = keras.layers.Conv2D
    for name, layer, shape in [
        ("conv2d_s1_same_7x7_c1_f4_k3", Conv2D(4, 3, strides=1, padding="same"), (7, 7, 1)),
        ("conv2d_s2_same_7x7_c3_f4_k3", Conv2D(4, 3, strides=2, padding="same"), (7, 7, 3)),
        # Even input, stride 2, same: one row/column of padding, all of it after (bottom/right).
        ("conv2d_s2_same_8x6_c3_f4_k3_relu", Conv2D(4, 3, strides=2, padding="same", activation="relu"), (8, 6, 3)),
        ("conv2d_s2_same_7x7_c1_f4_k2x3_nobias", Conv2D(4, (2, 3), strides=2, padding="same", use_bias=False),
         (7, 7, 1)),
        ("conv2d_s1_same_8x6_c3_f4_k2x3_relu", Conv2D(4, (2, 3), padding="same", activation="relu"), (8, 6, 3)),
        ("conv2d_s1_valid_8x6_c1_f2_k2x3_nobias", Conv2D(2, (2, 3), padding="valid", use_bias=False), (8, 6, 1)),
        ("conv2d_s2_valid_7x7_c3_f4_k3_nobias", Conv2D(4, 3, strides=2, padding="valid", use_bias=False), (7, 7, 3)),
        # Stride 2, valid, the last column of the 6 is never read (floor((6 − 3) / 2) + 1 = 2).
        ("conv2d_s2_valid_8x6_c3_f4_k2x3", Conv2D(4, (2, 3), strides=2, padding="valid"), (8, 6, 3)),
    ]:
        spatial_case(name, layer, shape, rng)


def conv2d_transpose_cases(rng):
    Transpose = keras.layers.Conv2DTranspose
    for name, layer, shape in [
        ("conv2d_transpose_s2_same_7x7_c3_f4_k3", Transpose(4, 3, strides=2, padding="same"), (7, 7, 3)),
        ("conv2d_transpose_s1_same_7x7_c1_f4_k3", Transpose(4, 3, strides=1, padding="same"), (7, 7, 1)),
        ("conv2d_transpose_s2_same_4x5_c3_f4_k2x3_relu",
         Transpose(4, (2, 3), strides=2, padding="same", activation="relu"), (4, 5, 3)),
        ("conv2d_transpose_s1_same_8x6_c3_f4_k2x3_nobias",
         Transpose(4, (2, 3), strides=1, padding="same", use_bias=False), (8, 6, 3)),
        ("conv2d_transpose_s2_valid_4x5_c3_f2_k3_nobias",
         Transpose(2, 3, strides=2, padding="valid", use_bias=False), (4, 5, 3)),
        ("conv2d_transpose_s1_valid_4x5_c1_f4_k2x3", Transpose(4, (2, 3), strides=1, padding="valid"), (4, 5, 1)),
        # output_padding adds rows/columns at the bottom/right: (n − 1)·s + k + output_padding for valid.
        ("conv2d_transpose_s2_valid_4x5_c3_f4_k3_op1",
         Transpose(4, 3, strides=2, padding="valid", output_padding=1), (4, 5, 3)),
        # Keras sizes a same transpose as (n − 1)·s + k % 2 + output_padding once output_padding is given:
        # 13, not the n·s = 14 of output_padding None (the adjoint of a same Conv2D on 13, padded 1 and 1).
        ("conv2d_transpose_s2_same_7x7_c3_f4_k3_op0",
         Transpose(4, 3, strides=2, padding="same", output_padding=0), (7, 7, 3)),
        # Valid with a kernel smaller than the stride: (n − 1)·s + max(k, s), the last s − k rows only biased.
        ("conv2d_transpose_s3_valid_4x5_c2_f3_k2", Transpose(3, 2, strides=3, padding="valid"), (4, 5, 2)),
    ]:
        spatial_case(name, layer, shape, rng)


def pooling_cases(rng):
    MaxPooling2D, UpSampling2D = keras.layers.MaxPooling2D, keras.layers.UpSampling2D
    for name, layer, shape in [
        ("max_pooling2d_p2_s2_valid_7x7_c3", MaxPooling2D(2, strides=2, padding="valid"), (7, 7, 3)),
        ("max_pooling2d_p2_s2_valid_8x8_c3", MaxPooling2D(2, strides=2, padding="valid"), (8, 8, 3)),
        ("max_pooling2d_p3_s2_same_7x7_c3", MaxPooling2D(3, strides=2, padding="same"), (7, 7, 3)),
        ("max_pooling2d_p3_s2_same_8x8_c2", MaxPooling2D(3, strides=2, padding="same"), (8, 8, 2)),
        ("up_sampling2d_2_7x7_c3", UpSampling2D(2), (7, 7, 3)),
        ("up_sampling2d_2_4x5_c2", UpSampling2D(2), (4, 5, 2)),
        ("up_sampling2d_2x3_4x5_c2", UpSampling2D((2, 3)), (4, 5, 2)),
    ]:
        spatial_case(name, layer, shape, rng)


def model_case(name, model, leaves, x, target, extra=None):
    """seed_autoencoder's record for any model: per leaf layer (nested Sequentials flattened, in order)
    weights, gradients of the MSE against `target`, and weights after 1 and 3 Adam train_on_batch steps."""
    layers = [{"type": type(layer).__name__, "name": layer.name, "weights": named(layer.trainable_weights)}
              for layer in leaves]
    output = model(x, training=False).numpy()
    mse = float(np.mean((output.astype(np.float64) - target) ** 2))
    variables = [v for layer in leaves for v in layer.trainable_weights]
    assert len(variables) == len(model.trainable_weights)
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        loss = keras.losses.MeanSquaredError()(target, prediction)
    grads = tape.gradient(loss, variables)
    grads_by_layer, index = [], 0
    for layer in leaves:
        count = len(layer.trainable_weights)
        grads_by_layer.append(named(layer.trainable_weights, [g.numpy() for g in grads[index:index + count]]))
        index += count
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    losses, after = [], {}
    for step in range(1, 4):
        losses.append(float(model.train_on_batch(x, target)))
        if step in (1, 3):
            after[step] = [named(layer.trainable_weights) for layer in leaves]
    payload = {
        "keras_version": keras.__version__,
        "layers": layers,
        "input": tensor(x),
        "target": tensor(target),
        "output": tensor(output),
        "mse": mse,
        "param_counts": [layer.count_params() for layer in leaves] + [model.count_params()],
        "grads": grads_by_layer,
        "losses_before_each_step": losses,
        "weights_after_step_1": after[1],
        "weights_after_step_3": after[3],
    }
    payload.update(extra or {})
    write(name, payload)


def denoiser_model():
    """The tutorial's denoiser: a nested encoder (two strided Conv2D) and decoder (two Conv2DTranspose, Conv2D)."""
    layers = keras.layers
    encoder = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, (3, 3), activation="relu", padding="same", strides=2),
        layers.Conv2D(8, (3, 3), activation="relu", padding="same", strides=2),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((7, 7, 8)),
        layers.Conv2DTranspose(8, kernel_size=3, strides=2, activation="relu", padding="same"),
        layers.Conv2DTranspose(16, kernel_size=3, strides=2, activation="relu", padding="same"),
        layers.Conv2D(1, kernel_size=(3, 3), activation="sigmoid", padding="same"),
    ], name="decoder")
    return keras.Sequential([keras.Input((28, 28, 1)), encoder, decoder])


def denoiser(rng):
    """The tutorial's denoising autoencoder (REFERENCE.md, Fashion-MNIST): noisy images in, clean out."""
    keras.backend.clear_session()  # layer names from conv2d, not from the count of earlier layers
    keras.utils.set_random_seed(7)
    model = denoiser_model()
    encoder, decoder = model.layers
    clean = rng.uniform(0, 1, size=(8, 28, 28, 1)).astype(np.float32)
    noisy = np.clip(clean + 0.2 * rng.normal(size=clean.shape), 0, 1).astype(np.float32)
    leaves = list(encoder.layers) + list(decoder.layers)
    model_case("denoiser", model, leaves, noisy, clean, extra={
        "configs": [layer_config(layer) for layer in leaves],
        "sub_models": [{"name": m.name, "layers": len(m.layers), "param_count": m.count_params()}
                       for m in (encoder, decoder)],
        "sub_model_param_counts": [encoder.count_params(), decoder.count_params(), model.count_params()],
    })


def basic_autoencoder(rng):
    """The tutorial's basic autoencoder (REFERENCE.md, Fashion-MNIST) scaled down to 7×8 images and a code
    of 6 (same layers, activations and loss; the 28×28 model's 101,200 weights would make a 5 MB fixture),
    its input as the target."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((7, 8)),
        layers.Flatten(),
        layers.Dense(6, activation="relu"),
        layers.Dense(56, activation="sigmoid"),
        layers.Reshape((7, 8)),
    ])
    x = rng.uniform(0, 1, size=(4, 7, 8)).astype(np.float32)
    model_case("basic_autoencoder", model, list(model.layers), x, x)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261124)
    lstm_cases(rng)
    dense_cases(rng)
    seed_autoencoder(rng)
    # The image layers and the Fashion-MNIST models draw from their own generator, so that adding them
    # left every earlier fixture byte-identical.
    images = np.random.default_rng(20261125)
    conv2d_cases(images)
    conv2d_transpose_cases(images)
    pooling_cases(images)
    denoiser(images)
    basic_autoencoder(images)
