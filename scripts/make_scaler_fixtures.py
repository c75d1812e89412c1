#!/usr/bin/env python3
"""Writes Tests/PreprocessingTests/Fixtures/scalers.json: scikit-learn's StandardScaler and MinMaxScaler
fitted on float64 data, with every fitted attribute (mean_, var_, scale_; data_min_, data_max_,
data_range_, scale_, min_) and the float64 transform and inverse transform of other rows.

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_scaler_fixtures.py

The data is float64 on purpose: values no float32 holds, a feature around 1e5 with a small spread (a
variance that float32 statistics would lose), a constant feature and a nearly constant one, so the
Double API of the Swift scalers must compute in float64 to match. Numbers are written with Python's
repr, which round-trips float64 exactly.

sklearn's MinMaxScaler.transform computes `x * scale_ + min_`, which cancels when the data sits far from
zero compared with its range (`min_` is then large), so for such features its values keep only a few
digits. The fixture also holds `exact_transformed`: `(x - data_min) / data_range * width + low` in exact
rational arithmetic, rounded once to float64, which RareEventKit's formula should match to round-off.
"""
import os
import sys
from fractions import Fraction

import numpy as np
import sklearn
from sklearn.preprocessing import MinMaxScaler, StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_sklearn_fixtures import floats, write  # noqa: E402


def rows(values):
    return [floats(row) for row in np.asarray(values, dtype=np.float64)]


def exact_min_max(scaler, rows, low, high):
    """(x - data_min) / range * (high - low) + low in exact arithmetic (range 1 for a constant feature)."""
    result = []
    for row in rows:
        out = []
        for x, data_min, data_range in zip(row, scaler.data_min_, scaler.data_range_):
            # sklearn's _handle_zeros_in_scale: a range below 10 eps counts as 1.
            data_range = Fraction(1) if data_range < 10 * np.finfo(np.float64).eps else Fraction(data_range)
            out.append(float((Fraction(x) - Fraction(data_min)) / data_range * (Fraction(high) - Fraction(low))
                             + Fraction(low)))
        result.append(out)
    return result


def main():
    rng = np.random.default_rng(14)
    n = 37
    fit = np.stack([
        rng.normal(0.3, 2.5, n),                      # an ordinary feature
        100000.0 + rng.normal(0, 1e-3, n),            # large offset, small spread
        np.full(n, 0.1),                              # constant (0.1 is no exact binary fraction)
        0.7 + rng.normal(0, 1e-10, n) * 1e-3,         # nearly constant: within sklearn's constant bound
        rng.uniform(-1e-6, 1e-6, n),                  # tiny values
        rng.integers(-3, 4, n).astype(np.float64),    # integers
    ], axis=1)
    other = np.stack([
        rng.normal(0.3, 4, 5), 100000.0 + rng.normal(0, 2e-3, 5), np.array([0.1, 0.2, 0.0, -0.1, 0.1]),
        np.full(5, 0.7), rng.uniform(-2e-6, 2e-6, 5), rng.integers(-5, 6, 5).astype(np.float64),
    ], axis=1)

    standard = StandardScaler().fit(fit)
    standard_other = standard.transform(other)
    payload = {
        "sklearn_version": sklearn.__version__,
        "fit": rows(fit),
        "other": rows(other),
        "standard": {
            "mean": floats(standard.mean_), "variance": floats(standard.var_), "scale": floats(standard.scale_),
            "transformed": rows(standard_other), "inverse": rows(standard.inverse_transform(standard_other)),
        },
        "min_max": [],
    }
    for low, high in ((0.0, 1.0), (-1.0, 1.0), (-0.5, 3.0)):
        scaler = MinMaxScaler(feature_range=(low, high)).fit(fit)
        transformed = scaler.transform(other)
        payload["min_max"].append({
            "feature_range": [low, high],
            "data_min": floats(scaler.data_min_), "data_max": floats(scaler.data_max_),
            "data_range": floats(scaler.data_range_), "scale": floats(scaler.scale_), "min": floats(scaler.min_),
            "transformed": rows(transformed), "exact_transformed": exact_min_max(scaler, other, low, high),
            "inverse": rows(scaler.inverse_transform(transformed)),
        })
    write(os.path.join("PreprocessingTests", "Fixtures", "scalers.json"), payload)


if __name__ == "__main__":
    main()
