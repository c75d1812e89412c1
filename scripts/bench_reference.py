#!/usr/bin/env python3
"""Reference timings for the workloads of `swift run -c release benchmark models`, in PyTorch (eager)
and, if installed, Keras. Run both back to back on the same machine and compare ratios:

    swift run -c release benchmark models --epochs 5
    python3 scripts/bench_reference.py --epochs 5            # add --keras to time Keras too

PyTorch's nn.LSTM only supports tanh, so the relu LSTM of the reference model is written as a loop
over time steps with the same gate math (Keras layout i, f, c, o), as a PyTorch user would.
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
--compile also times torch.compile (default inductor) versions of these two models.

    python3 scripts/bench_reference.py --epochs 3 --threads 2 --only Fashion --compile
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
        def __init__(self, inputs, units, return_sequences):
            super().__init__()
            self.units, self.return_sequences = units, return_sequences
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
                c = f * c + i * torch.relu(g)
                h = o * torch.relu(c)
                outputs.append(h)
            return torch.stack(outputs, 1) if self.return_sequences else h

    class LSTMAutoencoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = ReluLSTM(59, 32, True), ReluLSTM(32, 16, False)
            self.l3, self.l4 = ReluLSTM(16, 16, True), ReluLSTM(16, 32, True)
            self.out = nn.Linear(32, 59)

        def forward(self, x):
            code = self.l2(self.l1(x))
            return self.out(self.l4(self.l3(code.unsqueeze(1).repeat(1, 5, 1))))

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
        LSTMAutoencoder(),
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


def bench_torch(epochs, threads, only=None, fashion_batches=300, compile_fashion=False, skip_eager=False):
    import torch
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(f"== PyTorch {torch.__version__} eager, {torch.get_num_threads()} threads")
    runs = []
    for workload, model in zip(WORKLOADS, torch_models(torch)):
        if only and only.lower() not in workload[0].lower():
            continue
        if not (skip_eager and compile_fashion and is_fashion(workload[0])):
            runs.append((workload, model, False))
        if compile_fashion and is_fashion(workload[0]):
            runs.append((workload, torch_models(torch)[WORKLOADS.index(workload)], True))
    for (name, shape, samples, batch, loss_name), model, compiled in runs:
        if is_fashion(name):
            x, target = fashion_data(torch.from_numpy, samples, torch_shape(shape), is_denoiser(name))
        else:
            x = target = torch.randn(samples, *shape)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        if compiled:
            model = torch.compile(model)
        loss_fn = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.L1Loss()
        epoch_batches = -(-samples // batch)
        timed_batches = min(fashion_batches, epoch_batches) if is_fashion(name) and fashion_batches else epoch_batches
        times = []
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
        inference_samples = FASHION_INFERENCE_SAMPLES if is_fashion(name) else samples
        with torch.inference_mode():
            best_rate, best_batch = 0.0, 0
            for inference_batch in INFERENCE_BATCH_SIZES:  # PyTorch's best batch size is the reference
                if compiled:  # compile the full and the remainder batch shapes outside the timing
                    for begin in range(0, inference_samples, inference_batch):
                        model(x[begin:begin + inference_batch])
                inference = []
                for _ in range(3):
                    start = time.perf_counter()
                    for begin in range(0, inference_samples, inference_batch):
                        model(x[begin:begin + inference_batch])
                    inference.append(time.perf_counter() - start)
                rate = inference_samples / statistics.median(inference)
                if rate > best_rate:
                    best_rate, best_batch = rate, inference_batch
            single = x[:1]
            if compiled:
                model(single)
            latencies = []
            for _ in range(200):
                start = time.perf_counter()
                model(single)
                latencies.append(time.perf_counter() - start)
        print(name + (" [torch.compile]" if compiled else ""))
        epoch_time = statistics.median(times)
        if timed_batches < epoch_batches:
            print(f"  epoch ({samples} samples, batch {batch}): {epoch_time * epoch_batches / timed_batches:.4f} s "
                  f"(scaled from {timed_batches} of {epoch_batches} batches: {epoch_time:.4f} s, "
                  f"{epoch_time / timed_batches * 1e3:.3f} ms/batch)")
        else:
            print(f"  epoch ({samples} samples, batch {batch}): {epoch_time:.4f} s")
        print(f"  inference{f' ({inference_samples} samples)' if inference_samples != samples else ''}: "
              f"{best_rate:.0f} samples/s (best batch {best_batch})   "
              f"single-sample latency: {statistics.median(latencies) * 1e6:.1f} µs")
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
        if only and only.lower() not in name.lower():
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
        print(name)
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
    parser.add_argument("--only", default=None, help="only the workloads whose name contains this (e.g. Fashion)")
    parser.add_argument("--fashion-batches", type=int, default=300,
                        help="batches of a Fashion-MNIST epoch to time and scale to the epoch (0: whole epochs)")
    parser.add_argument("--compile", action="store_true",
                        help="also time torch.compile versions of the Fashion-MNIST models")
    parser.add_argument("--skip-eager", action="store_true",
                        help="with --compile, time only the compiled versions of the Fashion-MNIST models")
    args = parser.parse_args()
    bench_torch(args.epochs, args.threads, args.only, args.fashion_batches, args.compile, args.skip_eager)
    if args.keras:
        bench_keras(args.epochs, args.only, args.fashion_batches)
