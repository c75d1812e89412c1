#!/usr/bin/env python3
"""Writes the scikit-learn / pandas / numpy fixtures of the Preprocessing and Metrics tests.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_sklearn_fixtures.py

Outputs Tests/PreprocessingTests/Fixtures/preprocessing.json and Tests/MetricsTests/Fixtures/metrics.json.
Scores are float32 (what RareEventKit's reconstruction errors are), so ties and thresholds compare exactly.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests")


def write(path, payload):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump(payload, f, separators=(",", ":"), allow_nan=False)
    os.replace(temporary, path)
    print("wrote", os.path.relpath(path), file=sys.stderr)


def floats(values):
    """JSON cannot hold inf: write it as the string "inf" (the tests map it back)."""
    return [("inf" if math.isinf(v) and v > 0 else "-inf" if math.isinf(v) else float(v))
            for v in np.asarray(values, dtype=np.float64).reshape(-1)]


# ---------------------------------------------------------------- preprocessing

def curve_shift(df, shift_by):
    """The reference articles' curve_shift, verbatim in substance."""
    sign = lambda x: (1, -1)[x < 0]
    vector = df["y"].copy()
    for _ in range(abs(shift_by)):
        tmp = vector.shift(sign(shift_by))
        tmp = tmp.fillna(0)
        vector += tmp
    df = df.copy()
    df.insert(loc=0, column="ytmp", value=vector)
    df = df.drop(df[df["y"] == 1].index)
    df = df.drop("y", axis=1).rename(columns={"ytmp": "y"})
    df.loc[df["y"] > 0, "y"] = 1
    return df


def temporalize(X, y, lookback):
    output_X, output_y = [], []
    for i in range(len(X) - lookback - 1):
        t = []
        for j in range(1, lookback + 1):
            t.append(X[[(i + j + 1)], :])
        output_X.append(t)
        output_y.append(y[i + lookback + 1])
    return np.squeeze(np.array(output_X), axis=2), np.array(output_y)


def preprocessing(rng):
    curve = []
    for labels, shift in [([0, 0, 0, 1, 0, 0, 0, 0, 1, 0], -2), ([0, 1, 1, 0, 0, 0, 1], -2),
                          ([1, 0, 0, 0, 1], -1), ([0, 0, 1, 0, 0, 0, 0, 1, 0, 0], 3),
                          ([0, 0, 0, 0, 0, 1], -5), (list(rng.binomial(1, 0.08, size=60)), -2)]:
        df = pd.DataFrame({"y": labels, "x": np.arange(len(labels))})
        shifted = curve_shift(df, shift)
        curve.append({"labels": [int(v) for v in labels], "shift": shift,
                      "shifted": [int(v) for v in shifted["y"]], "kept_rows": [int(v) for v in shifted["x"]]})

    x = rng.normal(size=(12, 3)).astype(np.float32)
    y = list(range(12))
    windows, window_labels = temporalize(x, y, 4)
    temporal = {"x": floats(x), "rows": 12, "features": 3, "lookback": 4,
                "windows_shape": list(windows.shape), "windows": floats(windows),
                "labels": [int(v) for v in window_labels]}

    splits = []
    for n, test_size, seed in [(10, 0.2, 0), (18_268, 0.2, 123), (14_614, 0.2, 123), (18_274, 0.2, 123),
                               (4_998, 0.2, 21), (7, 0.3, 42), (100, 0.25, 4_294_967_295)]:
        train, test = train_test_split(np.arange(n), test_size=test_size, random_state=seed)
        splits.append({"count": n, "test_size": test_size, "random_state": seed,
                       "train": [int(v) for v in train], "test": [int(v) for v in test]})

    data = np.column_stack([rng.normal(3, 2, size=20), rng.uniform(-1, 5, size=20), np.full(20, 7.25),
                            rng.normal(-1e3, 1e-2, size=20)]).astype(np.float32)
    other = rng.normal(size=(5, 4)).astype(np.float32)
    standard = StandardScaler().fit(data.astype(np.float64))
    minmax = MinMaxScaler().fit(data.astype(np.float64))
    minmax_range = MinMaxScaler(feature_range=(-1, 1)).fit(data.astype(np.float64))
    scalers = {"fit": floats(data), "fit_shape": list(data.shape), "other": floats(other),
               "standard_mean": floats(standard.mean_), "standard_scale": floats(standard.scale_),
               "standard_other": floats(standard.transform(other.astype(np.float64))),
               "minmax_other": floats(minmax.transform(other.astype(np.float64))),
               "minmax_pm1_other": floats(minmax_range.transform(other.astype(np.float64)))}
    write("PreprocessingTests/Fixtures/preprocessing.json",
          {"curve_shift": curve, "temporalize": temporal, "splits": splits, "scalers": scalers})


if __name__ == "__main__":
    rng = np.random.default_rng(4)
    preprocessing(rng)
