#!/usr/bin/env python3
"""Reference timings for the workloads of `swift run -c release benchmark models`, in PyTorch (eager)
and, if installed, Keras. Run both back to back on the same machine and compare ratios:

    swift run -c release benchmark models --epochs 5
    python3 scripts/bench_reference.py --epochs 5            # add --keras to time Keras too

PyTorch's nn.LSTM only supports tanh, so the relu LSTM of the reference model is written as a loop
over time steps with the same gate math (Keras layout i, f, c, o), as a PyTorch user would.
Threads: both frameworks use their defaults (all cores) unless --threads is given.
"""
import argparse
import resource
import statistics
import time

import numpy as np


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WORKLOADS = [
    # name, sample shape, samples, batch, loss
    ("LSTM autoencoder (5x59)", (5, 59), 11_691, 64, "mse"),
    ("Dense autoencoder (59)", (59,), 11_695, 128, "mse"),
    ("ECG autoencoder (140)", (140,), 2_359, 512, "mae"),
]


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

    return [
        LSTMAutoencoder(),
        dense([59, 32, 16, 16, 32, 59], None),
        dense([140, 32, 16, 8, 16, 32, 140], nn.Sigmoid()),
    ]


INFERENCE_BATCH_SIZES = [128, 256, 512, 1024]  # the same as the Swift benchmark's


def bench_torch(epochs, threads):
    import torch
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(f"== PyTorch {torch.__version__} eager, {torch.get_num_threads()} threads")
    for (name, shape, samples, batch, loss_name), model in zip(WORKLOADS, torch_models(torch)):
        x = torch.randn(samples, *shape)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.L1Loss()
        times = []
        for epoch in range(epochs + 1):
            start = time.perf_counter()
            order = torch.randperm(samples)
            for begin in range(0, samples, batch):
                xb = x[order[begin:begin + batch]]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), xb)
                loss.backward()
                optimizer.step()
            if epoch > 0:  # the first epoch is a warm-up
                times.append(time.perf_counter() - start)
        with torch.inference_mode():
            best_rate, best_batch = 0.0, 0
            for inference_batch in INFERENCE_BATCH_SIZES:  # PyTorch's best batch size is the reference
                inference = []
                for _ in range(3):
                    start = time.perf_counter()
                    for begin in range(0, samples, inference_batch):
                        model(x[begin:begin + inference_batch])
                    inference.append(time.perf_counter() - start)
                rate = samples / statistics.median(inference)
                if rate > best_rate:
                    best_rate, best_batch = rate, inference_batch
            single = x[:1]
            latencies = []
            for _ in range(200):
                start = time.perf_counter()
                model(single)
                latencies.append(time.perf_counter() - start)
        print(name)
        print(f"  epoch ({samples} samples, batch {batch}): {statistics.median(times):.4f} s")
        print(f"  inference: {best_rate:.0f} samples/s (best batch {best_batch})   "
              f"single-sample latency: {statistics.median(latencies) * 1e6:.1f} µs")
    print(f"peak RSS: {peak_rss_mb():.1f} MB")


def bench_keras(epochs):
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
    ]

    class Timer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    for (name, shape, samples, batch, loss_name), model in zip(WORKLOADS, models):
        x = np.random.default_rng(0).standard_normal((samples, *shape)).astype("float32")
        model.compile(optimizer="adam", loss=loss_name)
        timer = Timer()
        model.fit(x, x, epochs=epochs + 1, batch_size=batch, verbose=0, callbacks=[timer])
        start = time.perf_counter()
        model.predict(x, batch_size=1024, verbose=0)
        inference = time.perf_counter() - start
        latencies = []
        for _ in range(50):
            start = time.perf_counter()
            model(x[:1], training=False)
            latencies.append(time.perf_counter() - start)
        print(name)
        print(f"  epoch ({samples} samples, batch {batch}): {statistics.median(timer.times[1:]):.3f} s")
        print(f"  inference: {samples / inference:.0f} samples/s   "
              f"single-sample latency: {statistics.median(latencies) * 1e6:.1f} µs")
    print(f"peak RSS: {peak_rss_mb():.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--keras", action="store_true", help="also time Keras (slow to import)")
    args = parser.parse_args()
    bench_torch(args.epochs, args.threads)
    if args.keras:
        bench_keras(args.epochs)
