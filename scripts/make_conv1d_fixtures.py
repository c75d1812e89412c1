#!/usr/bin/env python3
"""Writes the Keras parity fixtures of the 1-D convolution and pooling layers (Tests/LayersTests/Fixtures/):
Conv1D (valid/same/causal padding, strides 1 and 2, dilation 1 and 2, odd and even lengths, one and several
channels, with and without bias), MaxPooling1D, UpSampling1D, GlobalAveragePooling1D, and a small
Conv1D autoencoder (the README's sequence model, scaled down) with its gradients and Adam steps.

Keras 3 (TensorFlow backend, from PyPI: see scripts/requirements.txt) is the reference; the helpers
(random weights, gradients, the JSON layout) are those of make_fixtures.py.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_conv1d_fixtures.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_fixtures import OUT, keras, layer_case, model_case, np, write  # noqa: E402

# The get_config() entries the Swift tests read ("kernel_size": [3] for Conv1D, as Keras stores tuples).
CONFIG_KEYS = ["filters", "kernel_size", "strides", "padding", "dilation_rate", "use_bias", "activation",
               "pool_size", "size", "keepdims", "data_format"]


def config(layer):
    """The part of Keras' get_config() the Swift side needs (tuples as lists), plus the class name."""
    full = layer.get_config()
    subset = {"class_name": type(layer).__name__}
    for key in CONFIG_KEYS:
        if key in full:
            value = full[key]
            subset[key] = list(value) if isinstance(value, tuple) else value
    return subset


def sequence_case(name, layer, shape, rng):
    """A channels-last sequence layer on a batch of 2 continuous normal inputs (no ties for max pooling)."""
    x = rng.normal(size=(2,) + shape).astype(np.float32)
    layer_case(name, layer, x, rng, config=config(layer))


def conv1d_cases(rng):
    Conv1D = keras.layers.Conv1D
    for name, layer, shape in [
        ("conv1d_valid_s1_d1_n7_c1_f3_k3", Conv1D(3, 3), (7, 1)),
        # Stride 2, valid, even length: floor((8 − 3) / 2) + 1 = 3, the last step never read.
        ("conv1d_valid_s2_d1_n8_c3_f4_k3_nobias", Conv1D(4, 3, strides=2, use_bias=False), (8, 3)),
        # Dilation 2: the window spans 5 steps, floor((9 − 5) / 1) + 1 = 5.
        ("conv1d_valid_s1_d2_n9_c3_f2_k3_relu", Conv1D(2, 3, dilation_rate=2, activation="relu"), (9, 3)),
        ("conv1d_same_s1_d1_n8_c3_f4_k3_relu", Conv1D(4, 3, padding="same", activation="relu"), (8, 3)),
        ("conv1d_same_s2_d1_n7_c3_f4_k3", Conv1D(4, 3, strides=2, padding="same"), (7, 3)),
        # Even kernel, even length, stride 2: total padding 2, one before and one after.
        ("conv1d_same_s2_d1_n8_c1_f2_k4_nobias", Conv1D(2, 4, strides=2, padding="same", use_bias=False), (8, 1)),
        # Even kernel, stride 1: total padding 1, all of it at the end (TensorFlow's rule).
        ("conv1d_same_s1_d1_n6_c2_f3_k2", Conv1D(3, 2, padding="same"), (6, 2)),
        ("conv1d_same_s1_d2_n7_c3_f4_k3_nobias", Conv1D(4, 3, padding="same", dilation_rate=2, use_bias=False),
         (7, 3)),
        ("conv1d_causal_s1_d1_n7_c3_f4_k3", Conv1D(4, 3, padding="causal"), (7, 3)),
        ("conv1d_causal_s2_d1_n8_c3_f2_k2_relu", Conv1D(2, 2, strides=2, padding="causal", activation="relu"),
         (8, 3)),
        ("conv1d_causal_s2_d1_n7_c1_f4_k3_tanh", Conv1D(4, 3, strides=2, padding="causal", activation="tanh"),
         (7, 1)),
        # Dilation 2, causal: (3 − 1)·2 = 4 zeros before the sequence.
        ("conv1d_causal_s1_d2_n8_c1_f3_k3_nobias",
         Conv1D(3, 3, padding="causal", dilation_rate=2, use_bias=False), (8, 1)),
    ]:
        sequence_case(name, layer, shape, rng)


def pooling_cases(rng):
    layers = keras.layers
    for name, layer, shape in [
        ("max_pooling1d_p2_s2_valid_n7_c3", layers.MaxPooling1D(2), (7, 3)),
        ("max_pooling1d_p2_s2_valid_n8_c2", layers.MaxPooling1D(2), (8, 2)),
        ("max_pooling1d_p2_s1_valid_n5_c2", layers.MaxPooling1D(2, strides=1), (5, 2)),
        ("max_pooling1d_p3_s2_same_n7_c3", layers.MaxPooling1D(3, strides=2, padding="same"), (7, 3)),
        ("max_pooling1d_p3_s2_same_n8_c1", layers.MaxPooling1D(3, strides=2, padding="same"), (8, 1)),
        ("up_sampling1d_2_n5_c3", layers.UpSampling1D(2), (5, 3)),
        ("up_sampling1d_3_n4_c1", layers.UpSampling1D(3), (4, 1)),
        ("global_average_pooling1d_n7_c3", layers.GlobalAveragePooling1D(), (7, 3)),
        ("global_average_pooling1d_keepdims_n6_c2", layers.GlobalAveragePooling1D(keepdims=True), (6, 2)),
    ]:
        sequence_case(name, layer, shape, rng)


def autoencoder_layers(features, wide, narrow):
    layers = keras.layers
    return [
        layers.Conv1D(wide, 3, padding="same", activation="relu"),
        layers.MaxPooling1D(2),
        layers.Conv1D(narrow, 3, padding="same", activation="relu"),
        layers.UpSampling1D(2),
        layers.Conv1D(features, 3, padding="same"),
    ]


def conv1d_autoencoder(rng):
    """The Conv1D autoencoder on windows [8, 59] (parameter counts and shapes only: its 10,139 weights would
    make a large fixture), and the same layers scaled down to [8, 6] with full model parity."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    full = keras.Sequential([keras.Input((8, 59))] + autoencoder_layers(59, 32, 16))
    write("conv1d_autoencoder_shapes", {
        "keras_version": keras.__version__,
        "input_shape": [8, 59],
        "types": [type(layer).__name__ for layer in full.layers],
        "output_shapes": [list(layer.output.shape[1:]) for layer in full.layers],
        "param_counts": [layer.count_params() for layer in full.layers] + [full.count_params()],
    })
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((8, 6))] + autoencoder_layers(6, 4, 3))
    x = rng.normal(size=(4, 8, 6)).astype(np.float32)
    model_case("conv1d_autoencoder", model, list(model.layers), x, x)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    generator = np.random.default_rng(20261204)
    conv1d_cases(generator)
    pooling_cases(generator)
    conv1d_autoencoder(generator)
