#!/usr/bin/env python3
"""Writes the Keras parity fixtures of GRU, SimpleRNN and LSTM's go_backwards (Tests/LayersTests/Fixtures).

Keras 3 (TensorFlow backend, from PyPI: see scripts/requirements.txt) is the reference: each case loads
random weights into a Keras layer and records its output, the gradient of sum(output · upstream) with
respect to the input and every weight (make_fixtures.layer_case), and the layer's hyperparameters.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_recurrent_fixtures.py

Names: gru_<activation>_<reset_after|reset_before>_<seq|last>[_backwards], simple_rnn_<activation>_<seq|last>
[_backwards], lstm_tanh_<seq|last>_backwards. Inputs are [3, 4, 5] (batch, steps, features), 6 units.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
import keras

from make_fixtures import layer_case, model_case

CONFIG_KEYS = ["units", "activation", "recurrent_activation", "use_bias", "return_sequences", "go_backwards",
               "reset_after"]


def recurrent_config(layer):
    """The hyperparameters the Swift tests rebuild the layer from, plus the class name."""
    config = layer.get_config()
    subset = {"class_name": type(layer).__name__}
    subset.update({key: config[key] for key in CONFIG_KEYS if key in config})
    return subset


def case(name, layer, rng):
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    layer_case(name, layer, x, rng, config=recurrent_config(layer))


def gru_cases(rng):
    for activation in ["tanh", "relu"]:
        for reset_after in [True, False]:
            for sequences in [True, False]:
                for backwards in [False, True]:
                    name = (f"gru_{activation}_{'reset_after' if reset_after else 'reset_before'}_"
                            f"{'seq' if sequences else 'last'}{'_backwards' if backwards else ''}")
                    case(name, keras.layers.GRU(6, activation=activation, reset_after=reset_after,
                                                return_sequences=sequences, go_backwards=backwards), rng)
    case("gru_tanh_reset_after_last_nobias", keras.layers.GRU(6, use_bias=False), rng)


def simple_rnn_cases(rng):
    for activation in ["tanh", "relu"]:
        for sequences in [True, False]:
            for backwards in [False, True]:
                name = f"simple_rnn_{activation}_{'seq' if sequences else 'last'}{'_backwards' if backwards else ''}"
                case(name, keras.layers.SimpleRNN(6, activation=activation, return_sequences=sequences,
                                                  go_backwards=backwards), rng)
    case("simple_rnn_tanh_last_nobias", keras.layers.SimpleRNN(6, use_bias=False), rng)


def lstm_cases(rng):
    for sequences in [True, False]:
        case(f"lstm_tanh_{'seq' if sequences else 'last'}_backwards",
             keras.layers.LSTM(6, return_sequences=sequences, go_backwards=True), rng)


def gru_autoencoder(rng):
    """The GRU version of the seed LSTM autoencoder, scaled down (5 steps of 6 features, 4- and 3-unit codes)
    to keep the fixture small: output, MSE gradients and three Adam steps of the whole model."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((5, 6)),
        layers.GRU(4, return_sequences=True),
        layers.GRU(3),
        layers.RepeatVector(5),
        layers.GRU(3, return_sequences=True, reset_after=False),
        layers.SimpleRNN(4, return_sequences=True, go_backwards=True),
        layers.TimeDistributed(layers.Dense(6)),
    ])
    x = rng.normal(size=(4, 5, 6)).astype(np.float32)
    model_case("gru_autoencoder", model, list(model.layers), x, x)


if __name__ == "__main__":
    # Its own generator: the fixtures of make_fixtures.py stay byte-identical.
    rng = np.random.default_rng(20261204)
    gru_cases(rng)
    simple_rnn_cases(rng)
    lstm_cases(rng)
    gru_autoencoder(np.random.default_rng(20261205))
