#!/usr/bin/env python3
"""Loads Keras 3 model configurations written by RareEventKit (`Sequential.kerasConfiguration()`) with
`keras.models.model_from_json`, and prints what Keras made of them as a JSON list, one entry per model: the
parameter count, the layer classes and names, the output shape and, when weights and inputs are given
(`{"weights": [[{"shape", "data"}, …] per layer], "input": {"shape", "data"}}`), Keras' predictions.

    python3 scripts/check_keras_config.py config.json [weights_and_input.json] [config2.json weights2.json …]

Arguments come in pairs (a configuration, then its weights and inputs); a last configuration may come alone.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402


def array(value):
    return np.asarray(value["data"], dtype=np.float32).reshape(value["shape"])


def check(config_path, extra_path):
    with open(config_path) as f:
        model = keras.models.model_from_json(f.read())
    result = {
        "paramCount": int(model.count_params()),
        "layerClasses": [type(layer).__name__ for layer in model.layers],
        "layerNames": [layer.name for layer in model.layers],
        "outputShape": [d for d in model.output_shape[1:]],
    }
    if extra_path is not None:
        with open(extra_path) as f:
            extra = json.load(f)
        for layer, weights in zip(model.layers, extra["weights"]):
            layer.set_weights([array(w) for w in weights])
        prediction = model.predict(array(extra["input"]), verbose=0)
        result["output"] = {"shape": list(prediction.shape), "data": [float(x) for x in prediction.reshape(-1)]}
    return result


def main():
    arguments = sys.argv[1:]
    pairs = [(arguments[i], arguments[i + 1] if i + 1 < len(arguments) else None) for i in range(0, len(arguments), 2)]
    json.dump([check(config, extra) for config, extra in pairs], sys.stdout)


if __name__ == "__main__":
    main()
