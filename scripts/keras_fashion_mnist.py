#!/usr/bin/env python3
"""The TensorFlow autoencoder tutorial's two Fashion-MNIST experiments in Keras 3 (TensorFlow backend),
as REFERENCE.md ("Fashion-MNIST") states them, to measure the reference val_loss and its spread over seeds:

    python3 scripts/keras_fashion_mnist.py --model basic --seed 1 --threads 2
    python3 scripts/keras_fashion_mnist.py --model denoise --seed 1 --threads 2

The four official gzip IDX files are read from --data with gzip + numpy (no keras.datasets, no network);
pixels are float32 / 255, labels are not used.

- basic: Flatten → Dense(64, relu) → Dense(784, sigmoid) → Reshape((28, 28)), trained x → x.
- denoise: noisy = clip(x + 0.2·N(0, 1), 0, 1) for train and test (tf.random.normal, as in the tutorial);
  encoder Conv2D(16, 3, stride 2, same, relu) → Conv2D(8, 3, stride 2, same, relu), decoder
  Conv2DTranspose(8, 3, stride 2, same, relu) → Conv2DTranspose(16, 3, stride 2, same, relu) →
  Conv2D(1, 3, same, sigmoid), trained noisy → clean.

Both: Adam (Keras defaults), MSE, --epochs (10), batch 32, shuffle=True, validation on the test set.
--seed N calls keras.utils.set_random_seed(N) before anything random (weights, shuffling, noise).
--threads N sets TensorFlow's intra- and inter-op parallelism to N. Prints Keras' per-epoch lines
(verbose=2), the seconds of each epoch and their mean, then a final line `val_loss <value>`.
"""
import argparse
import gzip
import os
import struct
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 2051:
        raise ValueError(f"{path}: magic {magic}, expected 2051 (IDX images)")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    if pixels.size != count * rows * cols:
        raise ValueError(f"{path}: {pixels.size} pixels, header says {count}x{rows}x{cols}")
    return pixels.reshape(count, rows, cols)


def read_idx_labels(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic != 2049:
        raise ValueError(f"{path}: magic {magic}, expected 2049 (IDX labels)")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    if labels.size != count:
        raise ValueError(f"{path}: {labels.size} labels, header says {count}")
    return labels


def load_fashion_mnist(folder):
    x_train = read_idx_images(os.path.join(folder, "train-images-idx3-ubyte.gz"))
    y_train = read_idx_labels(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    x_test = read_idx_images(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
    y_test = read_idx_labels(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    return (x_train, y_train), (x_test, y_test)


def main():
    default_data = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 "..", "..", "shared", "data", "fashion-mnist"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["basic", "denoise"], default="basic")
    parser.add_argument("--data", default=default_data,
                        help="folder with the four gzip IDX files (default ../shared/data/fashion-mnist)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=None, help="keras.utils.set_random_seed(N)")
    parser.add_argument("--threads", type=int, default=None,
                        help="TensorFlow intra- and inter-op parallelism (default: TensorFlow's)")
    args = parser.parse_args()

    import tensorflow as tf
    if args.threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    from keras import layers

    print(f"keras {keras.__version__}, tensorflow {tf.__version__}, backend {keras.backend.backend()}, "
          f"python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"model {args.model}, epochs {args.epochs}, batch {args.batch_size}, seed {args.seed}, "
          f"threads {args.threads if args.threads is not None else 'default'}, data {args.data}")

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)

    (x_train, _), (x_test, _) = load_fashion_mnist(args.data)
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    print(f"train {x_train.shape}, test {x_test.shape}")

    if args.model == "basic":
        latent_dim = 64
        model = keras.Sequential([
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(latent_dim, activation="relu"),
            layers.Dense(784, activation="sigmoid"),
            layers.Reshape((28, 28)),
        ], name="basic_autoencoder")
        train_in, train_out, test_in, test_out = x_train, x_train, x_test, x_test
    else:
        x_train = x_train[..., np.newaxis]
        x_test = x_test[..., np.newaxis]
        noise_factor = 0.2
        x_train_noisy = x_train + noise_factor * tf.random.normal(shape=x_train.shape)
        x_test_noisy = x_test + noise_factor * tf.random.normal(shape=x_test.shape)
        x_train_noisy = tf.clip_by_value(x_train_noisy, clip_value_min=0.0, clip_value_max=1.0).numpy()
        x_test_noisy = tf.clip_by_value(x_test_noisy, clip_value_min=0.0, clip_value_max=1.0).numpy()
        encoder = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, (3, 3), activation="relu", padding="same", strides=2),
            layers.Conv2D(8, (3, 3), activation="relu", padding="same", strides=2),
        ], name="encoder")
        decoder = keras.Sequential([
            keras.Input(shape=(7, 7, 8)),
            layers.Conv2DTranspose(8, kernel_size=3, strides=2, activation="relu", padding="same"),
            layers.Conv2DTranspose(16, kernel_size=3, strides=2, activation="relu", padding="same"),
            layers.Conv2D(1, kernel_size=(3, 3), activation="sigmoid", padding="same"),
        ], name="decoder")
        model = keras.Sequential([keras.Input(shape=(28, 28, 1)), encoder, decoder], name="denoiser")
        print(f"encoder params {encoder.count_params()}, decoder params {decoder.count_params()}")
        train_in, train_out, test_in, test_out = x_train_noisy, x_train, x_test_noisy, x_test

    print(f"params {model.count_params()}")
    model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)
            print(f"epoch {epoch + 1}: {self.seconds[-1]:.2f} s", flush=True)

    timer = EpochTimer()
    history = model.fit(train_in, train_out,
                        epochs=args.epochs,
                        batch_size=args.batch_size,
                        shuffle=True,
                        validation_data=(test_in, test_out),
                        callbacks=[timer],
                        verbose=2)

    secs = timer.seconds
    later = secs[1:] if len(secs) > 1 else secs
    print(f"s/epoch mean {sum(secs) / len(secs):.2f} (all {len(secs)} epochs), "
          f"{sum(later) / len(later):.2f} (without the first), total {sum(secs):.1f} s")
    print(f"loss {history.history['loss'][-1]:.6f}")
    print(f"val_loss {history.history['val_loss'][-1]:.6f}")


if __name__ == "__main__":
    main()
