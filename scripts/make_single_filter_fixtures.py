#!/usr/bin/env python3
"""Writes Keras parity fixtures of one-filter convolutions (Tests/LayersTests/Fixtures/): the layer an
image or sequence autoencoder ends with, which RareEventKit computes without unfolding (the
`rek_conv_single_filter_*` kernels). Channel counts around the vector widths (1, 3, 16, 17, 20) reach
every vector tail of the AVX-512, AVX2 and NEON paths; strides, padding, dilation and the image borders
reach every window shape.

Keras 3 (TensorFlow backend, from PyPI: see scripts/requirements.txt) is the reference; the helpers are
those of make_fixtures.py and make_conv1d_fixtures.py.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_single_filter_fixtures.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_conv1d_fixtures import sequence_case  # noqa: E402
from make_fixtures import OUT, keras, np, spatial_case  # noqa: E402


def conv2d_cases(rng):
    Conv2D = keras.layers.Conv2D
    for name, layer, shape in [
        # The denoiser's last layer, smaller: 16 channels, same padding, sigmoid.
        ("conv2d_s1_same_5x5_c16_f1_k3_sigmoid", Conv2D(1, 3, padding="same", activation="sigmoid"), (5, 5, 16)),
        ("conv2d_s1_same_4x5_c17_f1_k3", Conv2D(1, 3, padding="same"), (4, 5, 17)),
        ("conv2d_s2_same_8x6_c3_f1_k2x3_nobias", Conv2D(1, (2, 3), strides=2, padding="same", use_bias=False),
         (8, 6, 3)),
        ("conv2d_s1_valid_7x6_c1_f1_k3", Conv2D(1, 3, padding="valid"), (7, 6, 1)),
        ("conv2d_s2_valid_5x5_c20_f1_k3_relu", Conv2D(1, 3, strides=2, activation="relu"), (5, 5, 20)),
    ]:
        spatial_case(name, layer, shape, rng)


def conv1d_cases(rng):
    Conv1D = keras.layers.Conv1D
    for name, layer, shape in [
        ("conv1d_same_s1_d1_n5_c59_f1_k3", Conv1D(1, 3, padding="same"), (5, 59)),
        ("conv1d_causal_s1_d2_n8_c17_f1_k3_nobias", Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False),
         (8, 17)),
        ("conv1d_valid_s2_d1_n9_c4_f1_k2_tanh", Conv1D(1, 2, strides=2, activation="tanh"), (9, 4)),
    ]:
        sequence_case(name, layer, shape, rng)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    generator = np.random.default_rng(20261205)
    conv2d_cases(generator)
    conv1d_cases(generator)
