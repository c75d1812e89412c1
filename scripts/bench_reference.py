#!/usr/bin/env python3
"""Reference timings for the workloads of `swift run -c release benchmark models`, in PyTorch (eager)
and, if installed, Keras. Run both back to back on the same machine and compare ratios:

    swift run -c release benchmark models --epochs 5
    python3 scripts/bench_reference.py --epochs 5            # add --keras to time Keras too

PyTorch's nn.LSTM only supports tanh, so the relu LSTM of the reference model is written as a loop
over time steps with the same gate math (Keras layout i, f, c, o), as a PyTorch user would. The tanh LSTM
(Keras' default activation) runs both ways: the same loop, and PyTorch's fused nn.LSTM.
Threads: both frameworks use their defaults (all cores) unless --threads is given.

The two Fashion-MNIST autoencoders of the TensorFlow tutorial (REFERENCE.md) train on 60,000 random
images in [0, 1] (the timing does not depend on the pixels), batch 32, shuffled; the denoiser maps
clip(x + 0.2·N(0, 1), 0, 1) to x. An epoch of them is 1,875 batches, so by default the first
--fashion-batches (300) batches of each shuffled epoch are timed and scaled to the epoch (both are
printed; --fashion-batches 0 times whole epochs). In PyTorch the denoiser is NCHW and written as a
PyTorch user would: Conv2d(3, stride 2, padding 1) for 28 → 14 → 7 and ConvTranspose2d(3, stride 2,
padding 1, output_padding 1) for 7 → 14 → 28. Shapes and arithmetic are Keras' (same padding), but
Keras pads the stride-2 layers on the bottom/right only, so these layers are shifted one pixel against
Keras' (the same cost; Keras' exact outputs need F.pad(x, (0, 1, 0, 1)) before the stride-2 Conv2d with
padding 0, and ConvTranspose2d with padding 0 cropped to [:-1, :-1]).
Their batched inference runs over 10,000 images (the size of the tutorial's test set).
The time-series models of the Swift benchmark (GRU, bidirectional LSTM and Conv1D autoencoders over 5x59
windows, relu like the Swift defaults) are written as Keras equivalents: the same parameter counts (19,707,
20,123, 14,539) and, with Keras' weights copied in, the same outputs (max difference < 1e-6). The GRU is
Keras' reset_after GRU (PyTorch's nn.GRU is tanh-only), Bidirectional concatenates like Keras' default.

--compile also times torch.compile (default inductor) versions of every selected model (training and
inference; the warm-up epoch holds the compilation and is not timed). --onnx exports each (eager) model
with torch.onnx.export (dynamic batch axis, opset 17) and times batched inference and batch-1 latency in
ONNX Runtime's CPU execution provider with --ort-threads (2) intra-op threads, sequential execution.
The versions, thread counts and PyTorch's CPU capability (AVX512, AVX2, ...) are printed first.

    python3 scripts/bench_reference.py --epochs 3 --threads 2 --only Fashion --compile
    python3 scripts/bench_reference.py --epochs 5 --threads 2 --compile --onnx \
        --only LSTM --only GRU --only Conv1D --only Dense --only ECG
"""
import argparse
import resource
import statistics
import time

import numpy as np


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WORKLOADS = [
    # name, sample shape (Keras, channels last), samples, batch, loss
    ("LSTM autoencoder (5x59)", (5, 59), 11_691, 64, "mse"),
    ("LSTM tanh autoencoder (5x59)", (5, 59), 11_691, 64, "mse"),
    ("LSTM tanh autoencoder, fused nn.LSTM (5x59)", (5, 59), 11_691, 64, "mse"),
    ("GRU autoencoder (5x59)", (5, 59), 11_691, 64, "mse"),
    ("Bidirectional LSTM autoencoder (5x59)", (5, 59), 11_691, 64, "mse"),
    ("Conv1D autoencoder (5x59)", (5, 59), 11_691, 64, "mse"),
    ("Dense autoencoder (59)", (59,), 11_695, 128, "mse"),
    ("ECG autoencoder (140)", (140,), 2_359, 512, "mae"),
    ("Fashion-MNIST basic autoencoder (28x28)", (28, 28), 60_000, 32, "mse"),
    ("Fashion-MNIST denoiser (28x28x1)", (28, 28, 1), 60_000, 32, "mse"),
]


def is_fashion(name):
    return name.startswith("Fashion-MNIST")


def is_denoiser(name):
    return "denoiser" in name


def fashion_data(module, samples, shape, denoise, seed=0):
    """Random images in [0, 1] and, for the denoiser, their noisy copies clip(x + 0.2·N(0, 1), 0, 1)."""
    rng = np.random.default_rng(seed)
    clean = rng.random((samples, *shape), dtype=np.float32)
    noisy = np.clip(clean + 0.2 * rng.standard_normal(clean.shape, dtype=np.float32), 0, 1) if denoise else clean
    return module(noisy), module(clean)


def torch_models(torch):
    nn = torch.nn

    class ReluLSTM(nn.Module):
        """Keras' LSTM written as a loop over time steps (gates i, f, c, o); `activation` is relu as in the
        reference model, or tanh (Keras' default)."""

        def __init__(self, inputs, units, return_sequences, activation=torch.relu):
            super().__init__()
            self.units, self.return_sequences, self.activation = units, return_sequences, activation
            self.kernel = nn.Linear(inputs, 4 * units)
            self.recurrent = nn.Linear(units, 4 * units, bias=False)

        def forward(self, x):
            batch, steps, _ = x.shape
            h = x.new_zeros(batch, self.units)
            c = x.new_zeros(batch, self.units)
            projected = self.kernel(x)
            outputs = []
            for t in range(steps):
                z = projected[:, t] + self.recurrent(h)
                i, f, g, o = z.chunk(4, dim=1)
                i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
                c = f * c + i * self.activation(g)
                h = o * self.activation(c)
                outputs.append(h)
            return torch.stack(outputs, 1) if self.return_sequences else h

    def tanh_lstm(inputs, units, return_sequences):
        return ReluLSTM(inputs, units, return_sequences, activation=torch.tanh)

    class FusedLSTM(nn.Module):
        """PyTorch's fused nn.LSTM (tanh only; it has a second bias vector, b_hh, so 4·units more parameters
        per layer than Keras' LSTM)."""

        def __init__(self, inputs, units, return_sequences):
            super().__init__()
            self.return_sequences = return_sequences
            self.lstm = nn.LSTM(inputs, units, batch_first=True)

        def forward(self, x):
            outputs, (h, _) = self.lstm(x)
            return outputs if self.return_sequences else h[0]

    class ReluGRU(nn.Module):
        """Keras' GRU with reset_after=True (its default): gates z, r, h; the recurrent projection has its own
        bias and the reset gate multiplies it, h_hat = relu(x W_h + b_h + r * (h U_h + b_rh))."""

        def __init__(self, inputs, units, return_sequences):
            super().__init__()
            self.units, self.return_sequences = units, return_sequences
            self.kernel = nn.Linear(inputs, 3 * units)
            self.recurrent = nn.Linear(units, 3 * units)

        def forward(self, x):
            batch, steps, _ = x.shape
            h = x.new_zeros(batch, self.units)
            projected = self.kernel(x)
            outputs = []
            for t in range(steps):
                xz, xr, xh = projected[:, t].chunk(3, dim=1)
                hz, hr, hh = self.recurrent(h).chunk(3, dim=1)
                z, r = torch.sigmoid(xz + hz), torch.sigmoid(xr + hr)
                h = z * h + (1 - z) * torch.relu(xh + r * hh)
                outputs.append(h)
            return torch.stack(outputs, 1) if self.return_sequences else h

    class Bidirectional(nn.Module):
        """Keras' Bidirectional(merge_mode="concat"): the backward layer reads the reversed sequence and its
        output sequence is reversed back."""

        def __init__(self, make):
            super().__init__()
            self.forward_layer, self.backward_layer = make(), make()

        def forward(self, x):
            backward = self.backward_layer(x.flip(1))
            if self.backward_layer.return_sequences:
                backward = backward.flip(1)
            return torch.cat([self.forward_layer(x), backward], -1)

    class RecurrentAutoencoder(nn.Module):
        """RecurrentAutoencoder.make of the Swift library: recurrent(units[0]) … recurrent(units[-1]) →
        RepeatVector(5) → the units reversed → TimeDistributed(Dense(59))."""

        def __init__(self, cell, units, bidirectional=False):
            super().__init__()
            width = 2 if bidirectional else 1

            def layer(inputs, n, sequences):
                return Bidirectional(lambda: cell(inputs, n, sequences)) if bidirectional else cell(inputs, n, sequences)

            self.l1, self.l2 = layer(59, units[0], True), layer(width * units[0], units[1], False)
            self.l3, self.l4 = layer(width * units[1], units[1], True), layer(width * units[1], units[0], True)
            self.out = nn.Linear(width * units[0], 59)

        def forward(self, x):
            code = self.l2(self.l1(x))
            return self.out(self.l4(self.l3(code.unsqueeze(1).repeat(1, 5, 1))))

    class Conv1DAutoencoder(nn.Module):
        """Conv1D(32, 3, same, relu) → Conv1D(16) → Conv1D(32) → Conv1D(59, 3, same) over (batch, 5, 59)
        windows; PyTorch's Conv1d is channels-first, so the model transposes in and out."""

        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv1d(59, 32, 3, padding=1), nn.ReLU(), nn.Conv1d(32, 16, 3, padding=1),
                                      nn.ReLU(), nn.Conv1d(16, 32, 3, padding=1), nn.ReLU(),
                                      nn.Conv1d(32, 59, 3, padding=1))

        def forward(self, x):
            return self.body(x.transpose(1, 2)).transpose(1, 2)

    def dense(sizes, last):
        layers = []
        for a, b in zip(sizes[:-2], sizes[1:-1]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        if last:
            layers.append(last)
        return nn.Sequential(*layers)

    basic = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 784), nn.Sigmoid(),
                          nn.Unflatten(1, (28, 28)))
    denoiser = nn.Sequential(  # NCHW
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),  # 28 → 14
        nn.Conv2d(16, 8, 3, stride=2, padding=1), nn.ReLU(),  # 14 → 7
        nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),  # 7 → 14
        nn.ConvTranspose2d(8, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),  # 14 → 28
        nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid(),
    )
    return [
        RecurrentAutoencoder(ReluLSTM, [32, 16]),
        RecurrentAutoencoder(tanh_lstm, [32, 16]),
        RecurrentAutoencoder(FusedLSTM, [32, 16]),
        RecurrentAutoencoder(ReluGRU, [32, 16]),
        RecurrentAutoencoder(ReluLSTM, [16, 8], bidirectional=True),
        Conv1DAutoencoder(),
        dense([59, 32, 16, 16, 32, 59], None),
        dense([140, 32, 16, 8, 16, 32, 140], nn.Sigmoid()),
        basic,
        denoiser,
    ]


def torch_shape(shape):
    """Channels-last image shapes of the workloads as PyTorch's channels-first."""
    return (shape[-1], *shape[:-1]) if len(shape) == 3 else shape


INFERENCE_BATCH_SIZES = [128, 256, 512, 1024]  # the same as the Swift benchmark's
FASHION_INFERENCE_SAMPLES = 10_000  # Fashion-MNIST's test set


def time_inference(run, x, samples, compiled=False):
    """Best batched-inference rate over INFERENCE_BATCH_SIZES (median of 3 passes each) and the median
    single-sample latency of 200 calls; `run` maps a batch to the model's output."""
    best_rate, best_batch = 0.0, 0
    for inference_batch in INFERENCE_BATCH_SIZES:  # the reference's best batch size is the reference
        if compiled:  # compile (or warm up) the full and the remainder batch shapes outside the timing
            for begin in range(0, samples, inference_batch):
                run(x[begin:begin + inference_batch])
        inference = []
        for _ in range(3):
            start = time.perf_counter()
            for begin in range(0, samples, inference_batch):
                run(x[begin:begin + inference_batch])
            inference.append(time.perf_counter() - start)
        rate = samples / statistics.median(inference)
        if rate > best_rate:
            best_rate, best_batch = rate, inference_batch
    single = x[:1]
    for _ in range(10):
        run(single)
    latencies = []
    for _ in range(200):
        start = time.perf_counter()
        run(single)
        latencies.append(time.perf_counter() - start)
    return best_rate, best_batch, statistics.median(latencies)


def print_inference(samples, workload_samples, rate, best_batch, latency):
    print(f"  inference{f' ({samples} samples)' if samples != workload_samples else ''}: "
          f"{rate:.0f} samples/s (best batch {best_batch})   single-sample latency: {latency * 1e6:.1f} µs")


def bench_onnxruntime(torch, name, model, x, samples, threads):
    """Exports the (eager) PyTorch model with torch.onnx.export (dynamic batch axis) and times batched
    inference and batch-1 latency in ONNX Runtime's CPU execution provider."""
    import io
    import warnings
    import onnxruntime as ort
    model.eval()
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        export_kwargs = dict(input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                             opset_version=17)
        try:
            torch.onnx.export(model, (x[:2],), buffer, dynamo=False, **export_kwargs)
        except TypeError:  # older torch without the dynamo argument
            torch.onnx.export(model, (x[:2],), buffer, **export_kwargs)
    model.train()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
    data = x.numpy()
    # The exported model must compute what the PyTorch model computes.
    with torch.no_grad():
        expected = model(x[:8]).numpy()
    difference = float(np.abs(session.run(None, {"x": data[:8]})[0] - expected).max())
    rate, best_batch, latency = time_inference(lambda batch: session.run(None, {"x": batch}), data, samples,
                                               compiled=True)
    print(name + f" [ONNX Runtime, {threads} intra-op threads, CPU EP; max |ORT - torch| = {difference:.1e}]")
    print_inference(samples, x.shape[0], rate, best_batch, latency)


def bench_torch(epochs, threads, only=None, fashion_batches=300, compile_models=False, skip_eager=False,
                onnx=False, ort_threads=2):
    import torch
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    if compile_models:
        # Every layer instance (8 recurrent layers in the bidirectional model) and training/inference mode
        # is its own compiled graph of the same forward; the default limit of 8 silently falls back to eager.
        for option in ("recompile_limit", "cache_size_limit", "accumulated_recompile_limit",
                       "accumulated_cache_size_limit"):
            if hasattr(torch._dynamo.config, option):
                setattr(torch._dynamo.config, option, max(getattr(torch._dynamo.config, option), 256))
    print(f"== PyTorch {torch.__version__}, {torch.get_num_threads()} intra-op threads "
          f"({torch.get_num_interop_threads()} inter-op), CPU capability {torch.backends.cpu.get_cpu_capability()}")
    if onnx:
        import onnx as onnx_module
        import onnxruntime as ort
        print(f"== ONNX Runtime {ort.__version__} (onnx {onnx_module.__version__}), {ort_threads} intra-op threads, "
              f"providers {ort.get_available_providers()}")
    runs = []
    for index, workload in enumerate(WORKLOADS):
        if only and not any(o.lower() in workload[0].lower() for o in only):
            continue
        if not (skip_eager and compile_models):
            runs.append((workload, torch_models(torch)[index], "eager"))
        if compile_models:
            runs.append((workload, torch_models(torch)[index], "compile"))
        if onnx:
            runs.append((workload, torch_models(torch)[index], "onnx"))
    for (name, shape, samples, batch, loss_name), model, mode in runs:
        if is_fashion(name):
            x, target = fashion_data(torch.from_numpy, samples, torch_shape(shape), is_denoiser(name))
        else:
            x = target = torch.randn(samples, *shape)
        inference_samples = FASHION_INFERENCE_SAMPLES if is_fashion(name) else samples
        if mode == "onnx":
            bench_onnxruntime(torch, name, model, x, inference_samples, ort_threads)
            continue
        parameters = sum(p.numel() for p in model.parameters())
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        compiled = mode == "compile"
        if compiled:
            model = torch.compile(model)
        loss_fn = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.L1Loss()
        epoch_batches = -(-samples // batch)
        timed_batches = min(fashion_batches, epoch_batches) if is_fashion(name) and fashion_batches else epoch_batches
        times = []
        compile_start = time.perf_counter()
        for epoch in range(epochs + 1):
            start = time.perf_counter()
            order = torch.randperm(samples)
            for begin in range(0, timed_batches * batch, batch):
                index = order[begin:begin + batch]
                xb, yb = x[index], target[index]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
            if epoch > 0:  # the first epoch is a warm-up (and, compiled, the compilation)
                times.append(time.perf_counter() - start)
            else:
                warm_up = time.perf_counter() - compile_start
        with torch.inference_mode():
            rate, best_batch, latency = time_inference(model, x, inference_samples, compiled)
        print(name + (f" [torch.compile, warm-up epoch {warm_up:.1f} s]" if compiled else " [eager]")
              + f" {parameters:,} params")
        epoch_time = statistics.median(times)
        if timed_batches < epoch_batches:
            print(f"  epoch ({samples} samples, batch {batch}): {epoch_time * epoch_batches / timed_batches:.4f} s "
                  f"(scaled from {timed_batches} of {epoch_batches} batches: {epoch_time:.4f} s, "
                  f"{epoch_time / timed_batches * 1e3:.3f} ms/batch)")
        else:
            print(f"  epoch ({samples} samples, batch {batch}): {epoch_time:.4f} s")
        print_inference(inference_samples, samples, rate, best_batch, latency)
    print(f"peak RSS: {peak_rss_mb():.1f} MB")


def bench_keras(epochs, only=None, fashion_batches=300):
    import keras
    from keras import layers
    print(f"== Keras {keras.__version__} ({keras.backend.backend()})")
    models = [
        keras.Sequential([keras.Input((5, 59)), layers.LSTM(32, activation="relu", return_sequences=True),
                          layers.LSTM(16, activation="relu"), layers.RepeatVector(5),
                          layers.LSTM(16, activation="relu", return_sequences=True),
                          layers.LSTM(32, activation="relu", return_sequences=True),
                          layers.TimeDistributed(layers.Dense(59))]),
        keras.Sequential([keras.Input((5, 59)), layers.GRU(32, activation="relu", return_sequences=True),
                          layers.GRU(16, activation="relu"), layers.RepeatVector(5),
                          layers.GRU(16, activation="relu", return_sequences=True),
                          layers.GRU(32, activation="relu", return_sequences=True),
                          layers.TimeDistributed(layers.Dense(59))]),
        keras.Sequential([keras.Input((5, 59)),
                          layers.Bidirectional(layers.LSTM(16, activation="relu", return_sequences=True)),
                          layers.Bidirectional(layers.LSTM(8, activation="relu")), layers.RepeatVector(5),
                          layers.Bidirectional(layers.LSTM(8, activation="relu", return_sequences=True)),
                          layers.Bidirectional(layers.LSTM(16, activation="relu", return_sequences=True)),
                          layers.TimeDistributed(layers.Dense(59))]),
        keras.Sequential([keras.Input((5, 59)), layers.Conv1D(32, 3, padding="same", activation="relu"),
                          layers.Conv1D(16, 3, padding="same", activation="relu"),
                          layers.Conv1D(32, 3, padding="same", activation="relu"), layers.Conv1D(59, 3, padding="same")]),
        keras.Sequential([keras.Input((59,)), layers.Dense(32, activation="relu"), layers.Dense(16, activation="relu"),
                          layers.Dense(16, activation="relu"), layers.Dense(32, activation="relu"), layers.Dense(59)]),
        keras.Sequential([keras.Input((140,)), layers.Dense(32, activation="relu"), layers.Dense(16, activation="relu"),
                          layers.Dense(8, activation="relu"), layers.Dense(16, activation="relu"),
                          layers.Dense(32, activation="relu"), layers.Dense(140, activation="sigmoid")]),
        keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(64, activation="relu"),
                          layers.Dense(784, activation="sigmoid"), layers.Reshape((28, 28))]),
        keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.Sequential([keras.Input((28, 28, 1)),
                              layers.Conv2D(16, (3, 3), activation="relu", padding="same", strides=2),
                              layers.Conv2D(8, (3, 3), activation="relu", padding="same", strides=2)],
                             name="encoder"),
            keras.Sequential([keras.Input((7, 7, 8)),
                              layers.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same"),
                              layers.Conv2DTranspose(16, 3, strides=2, activation="relu", padding="same"),
                              layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")], name="decoder"),
        ]),
    ]

    class Timer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    for (name, shape, samples, batch, loss_name), model in zip(WORKLOADS, models):
        if only and not any(o.lower() in name.lower() for o in only):
            continue
        if is_fashion(name):
            x, target = fashion_data(np.asarray, samples, shape, is_denoiser(name))
        else:
            x = target = np.random.default_rng(0).standard_normal((samples, *shape)).astype("float32")
        epoch_batches = -(-samples // batch)
        timed_batches = min(fashion_batches, epoch_batches) if is_fashion(name) and fashion_batches else epoch_batches
        model.compile(optimizer="adam", loss=loss_name)
        timer = Timer()
        # A timed fraction of an epoch fits on that many samples (shuffled), as PyTorch times the first batches.
        fitted = min(samples, timed_batches * batch)
        model.fit(x[:fitted], target[:fitted], epochs=epochs + 1, batch_size=batch, verbose=0, callbacks=[timer])
        inference_samples = FASHION_INFERENCE_SAMPLES if is_fashion(name) else samples
        start = time.perf_counter()
        model.predict(x[:inference_samples], batch_size=1024, verbose=0)
        inference = time.perf_counter() - start
        latencies = []
        for _ in range(50):
            start = time.perf_counter()
            model(x[:1], training=False)
            latencies.append(time.perf_counter() - start)
        print(f"{name} [Keras] {model.count_params():,} params")
        epoch_time = statistics.median(timer.times[1:])
        if timed_batches < epoch_batches:
            print(f"  epoch ({samples} samples, batch {batch}): {epoch_time * epoch_batches / timed_batches:.3f} s "
                  f"(scaled from {timed_batches} of {epoch_batches} batches: {epoch_time:.3f} s)")
        else:
            print(f"  epoch ({samples} samples, batch {batch}): {epoch_time:.3f} s")
        print(f"  inference{f' ({inference_samples} samples)' if inference_samples != samples else ''}: "
              f"{inference_samples / inference:.0f} samples/s   "
              f"single-sample latency: {statistics.median(latencies) * 1e6:.1f} µs")
    print(f"peak RSS: {peak_rss_mb():.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--keras", action="store_true", help="also time Keras (slow to import)")
    parser.add_argument("--only", action="append", default=None,
                        help="only the workloads whose name contains this (e.g. Fashion, GRU); may be repeated")
    parser.add_argument("--fashion-batches", type=int, default=300,
                        help="batches of a Fashion-MNIST epoch to time and scale to the epoch (0: whole epochs)")
    parser.add_argument("--compile", action="store_true",
                        help="also time torch.compile (default inductor) versions of the models")
    parser.add_argument("--skip-eager", action="store_true",
                        help="with --compile, time only the compiled versions of the models")
    parser.add_argument("--onnx", action="store_true",
                        help="also time batched inference and latency in ONNX Runtime (models exported with "
                             "torch.onnx.export, CPU execution provider)")
    parser.add_argument("--ort-threads", type=int, default=2, help="ONNX Runtime intra-op threads (default 2)")
    args = parser.parse_args()
    bench_torch(args.epochs, args.threads, args.only, args.fashion_batches, args.compile, args.skip_eager,
                args.onnx, args.ort_threads)
    if args.keras:
        bench_keras(args.epochs, args.only, args.fashion_batches)
