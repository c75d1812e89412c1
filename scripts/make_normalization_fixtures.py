#!/usr/bin/env python3
"""Writes the Keras 3 fixtures of LayerNormalization, BatchNormalization and the Keras 3 TimeDistributed
activity-regularizer rule (Tests/LayersTests/Fixtures/{layer_normalization,batch_normalization,
time_distributed}_*.json).

    python3 -m pip install -r scripts/requirements.txt
    python3 scripts/make_normalization_fixtures.py

Recorded with Keras 3 (TensorFlow backend):
- layer_normalization_*: make_fixtures.layer_case (random gamma/beta, output and gradients of
  sum(output · upstream)) on 2-D and 3-D inputs.
- batch_normalization_*: random gamma, beta, moving_mean and moving_variance; the training-mode output
  (batch statistics) and its gradients, the moving statistics after that one training call (Keras 3 uses
  the biased batch variance), and the inference-mode output (moving statistics) and its gradients.
- batch_normalization_model_*: a small Dense → BatchNormalization → Dense model; its gradients of the MSE
  in training mode, then N Adam train_on_batch steps: the losses, every weight (moving statistics
  included) after the steps, and the inference output after them.
- time_distributed_activity: TimeDistributed(Dense(activity_regularizer=L1)) adds no penalty in Keras 3
  (it calls the wrapped layer's call(), which skips the regularizer; Keras 2 added it).

Every tensor is written as {"shape": [...], "data": [...]} (row-major float32, 9 significant digits).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_fixtures import keras, layer_case, named, np, tensor, tf, write  # noqa: E402


def layer_normalization_cases(rng):
    layers = keras.layers
    layer_case("layer_normalization_2d", layers.LayerNormalization(), rng.normal(size=(4, 6)).astype(np.float32), rng)
    x = (rng.normal(size=(2, 3, 5)) * 2 + 1).astype(np.float32)
    layer_case("layer_normalization_3d", layers.LayerNormalization(epsilon=1e-2), x, rng)
    layer_case("layer_normalization_3d_no_center", layers.LayerNormalization(center=False),
               rng.normal(size=(2, 3, 5)).astype(np.float32), rng)
    layer_case("layer_normalization_2d_no_scale", layers.LayerNormalization(scale=False),
               rng.normal(size=(3, 4)).astype(np.float32), rng)


def gradients(layer, x, upstream, training):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training)
        objective = tf.reduce_sum(y * upstream)
    grads = tape.gradient(objective, [x] + layer.trainable_weights)
    return y, grads[0], named(layer.trainable_weights, [g.numpy() for g in grads[1:]])


def batch_normalization_case(name, layer, x, rng, config):
    layer.build(x.shape)
    for variable in layer.weights:
        if "moving_variance" in variable.path:
            value = rng.uniform(0.5, 1.5, size=variable.shape)
        else:
            value = rng.uniform(-0.4, 0.4, size=variable.shape) + (1 if "gamma" in variable.path else 0)
        variable.assign(value.astype(np.float32))
    weights = named(layer.weights)
    upstream = rng.normal(size=x.shape).astype(np.float32)
    y_inference, grad_inference, grad_weights_inference = gradients(layer, x, upstream, training=False)
    y, grad_input, grad_weights = gradients(layer, x, upstream, training=True)
    write(name, {
        "keras_version": keras.__version__,
        "config": config,
        "weights": weights,
        "input": tensor(x),
        "upstream": tensor(upstream),
        "output": tensor(y),
        "grad_input": tensor(grad_input),
        "grad_weights": grad_weights,
        "moving_after": named([v for v in layer.weights if "moving" in v.path]),
        "inference_output": tensor(y_inference),
        "inference_grad_input": tensor(grad_inference),
        "inference_grad_weights": grad_weights_inference,
    })


def batch_normalization_cases(rng):
    BatchNormalization = keras.layers.BatchNormalization
    batch_normalization_case("batch_normalization_2d", BatchNormalization(momentum=0.8),
                             (rng.normal(size=(6, 4)) * 1.5 + 0.5).astype(np.float32), rng, {"momentum": 0.8})
    batch_normalization_case("batch_normalization_3d", BatchNormalization(epsilon=1e-2),
                             rng.normal(size=(3, 4, 5)).astype(np.float32), rng, {"epsilon": 1e-2})
    batch_normalization_case("batch_normalization_3d_no_center_no_scale",
                             BatchNormalization(center=False, scale=False),
                             rng.normal(size=(2, 3, 4)).astype(np.float32), rng, {"center": False, "scale": False})


def batch_normalization_model(name, input_shape, batch, momentum, steps, rng):
    keras.backend.clear_session()
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(input_shape),
        layers.Dense(4, activation="tanh", name="dense"),
        layers.BatchNormalization(momentum=momentum, name="batch_normalization"),
        layers.Dense(2, name="dense_1"),
    ])
    for variable in model.weights:
        if "moving_variance" in variable.path:
            value = rng.uniform(0.5, 1.5, size=variable.shape)
        elif "moving_mean" in variable.path or "beta" in variable.path:
            value = rng.uniform(-0.3, 0.3, size=variable.shape)
        elif "gamma" in variable.path:
            value = rng.uniform(0.7, 1.3, size=variable.shape)
        else:
            value = rng.uniform(-0.6, 0.6, size=variable.shape)
        variable.assign(value.astype(np.float32))
    x = rng.normal(size=(batch,) + input_shape).astype(np.float32)
    y = rng.normal(size=(batch,) + input_shape[:-1] + (2,)).astype(np.float32)
    entries = [{"type": type(layer).__name__, "name": layer.name, "weights": named(layer.weights)}
               for layer in model.layers]
    initial = [v.numpy() for v in model.weights]
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    gradient_paths = [layer.name + "/" + w.path.split("/")[-1] for layer in model.layers for w in layer.trainable_weights]
    for variable, value in zip(model.weights, initial):  # the tape's forward pass moved the statistics
        variable.assign(value)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse")
    losses = [float(model.train_on_batch(x, y)) for _ in range(steps)]
    write(name, {
        "keras_version": keras.__version__,
        "momentum": momentum,
        "layers": entries,
        "param_counts": [layer.count_params() for layer in model.layers] + [model.count_params()],
        "non_trainable_count": int(sum(np.prod(v.shape) for v in model.non_trainable_weights)),
        "input": tensor(x),
        "target": tensor(y),
        "loss": float(loss),
        "gradients": {path: tensor(g) for path, g in zip(gradient_paths, grads)},
        "steps": steps,
        "losses": losses,
        "weights_after": [{"name": layer.name, "weights": named(layer.weights)} for layer in model.layers],
        "inference_output_after": tensor(model(x, training=False)),
    })


def time_distributed_activity(rng, nested=False):
    """Keras 3: TimeDistributed(Dense(..., activity_regularizer=L1(0.1))) has no activity loss. With the
    Dense inside a wrapped model (`nested`), the model runs the Dense per time step through __call__: the
    penalty is added once per step, each divided by the batch size (not batch · timesteps)."""
    keras.backend.clear_session()
    dense = keras.layers.Dense(5, activation="relu", activity_regularizer=keras.regularizers.L1(0.1), name="dense")
    inner = keras.Sequential([keras.Input((3,)), dense], name="inner") if nested else dense
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.TimeDistributed(inner, name="time_distributed")])
    for variable in dense.trainable_weights:
        variable.assign(rng.uniform(-0.6, 0.6, size=variable.shape).astype(np.float32))
    x = rng.normal(size=(3, 4, 3)).astype(np.float32)
    y = rng.uniform(0, 1, size=(3, 4, 5)).astype(np.float32)
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        mse = keras.losses.MeanSquaredError()(y, prediction)
        penalty = float(sum(model.losses)) if model.losses else 0.0
        loss = mse + sum(model.losses) if model.losses else mse
    grads = tape.gradient(loss, dense.trainable_weights)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse")
    write("time_distributed_nested_activity" if nested else "time_distributed_activity", {
        "keras_version": keras.__version__,
        "weights": named(dense.trainable_weights),
        "input": tensor(x),
        "target": tensor(y),
        "output": tensor(prediction),
        "regularization_loss": penalty,
        "mse": float(mse),
        "gradients": named(dense.trainable_weights, [g.numpy() for g in grads]),
        "evaluate": float(model.evaluate(x, y, verbose=0)),
    })


if __name__ == "__main__":
    rng = np.random.default_rng(20261204)
    layer_normalization_cases(rng)
    batch_normalization_cases(rng)
    batch_normalization_model("batch_normalization_model_2d", (3,), 8, 0.99, 3, rng)
    batch_normalization_model("batch_normalization_model_3d", (4, 3), 5, 0.8, 4, rng)
    time_distributed_activity(rng)
    time_distributed_activity(np.random.default_rng(20261205), nested=True)
