#!/usr/bin/env python3
"""Writes the Keras parity fixtures of the dilated Conv2D (Keras `dilation_rate`) into Tests/LayersTests/Fixtures/:

- conv2d_d*.json: dilated Conv2D layers (dilation 2 and (2, 3), same and valid padding, odd and even sizes, one
  and several channels, with and without bias): output, input gradient and weight gradients, as
  make_fixtures.py's conv2d_* cases;
- keras_config_dilated_conv2d.json: a small model with dilated Conv2D layers in the four configuration forms of
  make_keras_config_fixtures.py (Keras 3 config.json, legacy .h5, tf.keras 2 and its older form);
- keras_files/dilated_conv2d.keras: that model saved by Keras 3, and keras_files/dilated_conv2d_predictions.json,
  Keras' predictions of it.

Keras 3 (TensorFlow backend) and tf.keras 2 (the `tf-keras` package, from PyPI: see scripts/requirements.txt)
are the references; the helpers are those of make_fixtures.py and make_keras_config_fixtures.py.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_dilation_fixtures.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_fixtures import OUT, keras, layer_case, np, tensor  # noqa: E402  (sets the TensorFlow backend)
from make_keras_config_fixtures import case as config_case, randomize  # noqa: E402
from make_conv1d_fixtures import config  # noqa: E402  (the get_config() subset the Swift tests read)


def conv2d_cases(rng):
    Conv2D = keras.layers.Conv2D
    for name, layer, shape in [
        # Dilation 2, 3×3 kernel: a 5×5 span; same keeps 7×7 (2 rows of padding each side).
        ("conv2d_d2_same_7x7_c1_f3_k3", Conv2D(3, 3, padding="same", dilation_rate=2), (7, 7, 1)),
        # valid: 8 − 5 + 1 = 4 per axis.
        ("conv2d_d2_valid_8x8_c3_f4_k3_nobias", Conv2D(4, 3, dilation_rate=2, use_bias=False), (8, 8, 3)),
        # (2, 3): spans 5 rows and 7 columns; same on an 8×9 image.
        ("conv2d_d2x3_same_8x9_c2_f3_k3_relu",
         Conv2D(3, 3, padding="same", dilation_rate=(2, 3), activation="relu"), (8, 9, 2)),
        # valid with a 2×3 kernel: spans 3 rows and 7 columns → 7×4 from 9×10.
        ("conv2d_d2x3_valid_9x10_c2_f3_k2x3", Conv2D(3, (2, 3), dilation_rate=(2, 3)), (9, 10, 2)),
        # Even span 4 (k 2, d 3) with same: total padding 3, one before and two after (TensorFlow's rule).
        ("conv2d_d3_same_6x7_c2_f2_k2_nobias",
         Conv2D(2, 2, padding="same", dilation_rate=3, use_bias=False), (6, 7, 2)),
        # Even kernel 4 with dilation 2: span 7, same on an even 8×6 image (padding 3 and 3).
        ("conv2d_d2_same_8x6_c1_f2_k4_tanh", Conv2D(2, 4, padding="same", dilation_rate=2, activation="tanh"),
         (8, 6, 1)),
        # Dilation on one axis only, valid, odd × even.
        ("conv2d_d1x2_valid_7x8_c3_f2_k3x2_sigmoid",
         Conv2D(2, (3, 2), dilation_rate=(1, 2), activation="sigmoid"), (7, 8, 3)),
    ]:
        x = rng.normal(size=(2,) + shape).astype(np.float32)
        layer_case(name, layer, x, rng, config=config(layer))


def dilated_model(k):
    return k.Sequential([
        k.Input((9, 8, 2)),
        k.layers.Conv2D(3, 3, padding="same", dilation_rate=2, activation="relu"),
        k.layers.Conv2D(2, (2, 3), dilation_rate=(2, 3), use_bias=False),
        k.layers.Conv2D(2, 2, padding="same", dilation_rate=(3, 1), activation="tanh"),
    ], name="dilated_conv2d")


def keras_file(rng):
    """The dilated model saved as a real `.keras` file (a few KB), with Keras' predictions."""
    folder = os.path.join(OUT, "keras_files")
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)
    model = dilated_model(keras)
    randomize(model, rng)
    path = os.path.join(folder, "dilated_conv2d.keras")
    model.save(path)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes", file=sys.stderr)
    x = rng.uniform(0, 1, size=(3, 9, 8, 2)).astype(np.float32)
    prediction = {"input": tensor(x), "output": tensor(model.predict(x, verbose=0)),
                  "param_count": int(model.count_params())}
    with open(os.path.join(folder, "dilated_conv2d_predictions.json"), "w") as f:
        json.dump(prediction, f, separators=(",", ":"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    generator = np.random.default_rng(20261205)
    conv2d_cases(generator)
    config_case("dilated_conv2d", dilated_model, (9, 8, 2), generator)
    keras_file(generator)
