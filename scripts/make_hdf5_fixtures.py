#!/usr/bin/env python3
"""Writes the ZIP and HDF5 reader fixtures of the FileFormats tests (Tests/FileFormatsTests/Fixtures/).

Keras 3 and h5py are the writers; the Swift tests read every file and compare with `hdf5_manifest.json`,
which h5py and zipfile wrote from the same files:

    python3 scripts/make_hdf5_fixtures.py

- `dense.keras`, `lstm.keras`: Keras 3 archives of a tiny Sequential (Dense 4→3→2, compiled and fitted
  one step so that the optimizer group exists) and a tiny LSTM; `dense.weights.h5` is the weights member
  of `dense.keras`; `dense_legacy.h5` is `model.save("x.h5")` of the same model (Keras 2 layout).
- `kinds.h5`: h5py datasets and attributes of every kind the reader supports, plus a chunked and a
  gzip-compressed dataset that it must reject by name.
- `latest.h5`: h5py with libver="latest" (superblock version 3, version-2 object headers).
- `dense_links.h5`: a group with 10 links and one with 10 attributes, stored densely (unsupported).
- `deflated.zip`: Python's zipfile with deflated and stored members.
"""
import io
import json
import os
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import keras, np  # noqa: E402  (TensorFlow backend, quiet logs)

import h5py  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "FileFormatsTests", "Fixtures")


def path_of(name):
    return os.path.join(OUT, name)


def value_entry(value, dtype):
    """{"kind", "shape", "floats"/"ints"/"strings"} of an attribute's or dataset's value."""
    array = np.asarray(value)
    entry = {"shape": list(array.shape)}
    string_info = h5py.check_string_dtype(dtype)
    if string_info is not None or dtype.kind in "SO":
        flat = [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in array.reshape(-1)]
        entry["kind"] = "vlen string" if (string_info is not None and string_info.length is None) else "string"
        entry["strings"] = flat
    elif dtype.kind == "f":
        entry["kind"] = "float%d" % (8 * dtype.itemsize)
        entry["floats"] = [float(x) for x in array.reshape(-1)]
    elif dtype.kind in "iu":
        entry["kind"] = ("int%d" if dtype.kind == "i" else "uint%d") % (8 * dtype.itemsize)
        entry["ints"] = [int(x) for x in array.reshape(-1)]
    else:
        raise ValueError("unexpected dtype %s" % dtype)
    return entry


def attributes_of(obj):
    return [dict(name=name, **value_entry(obj.attrs[name], obj.attrs.get_id(name).dtype)) for name in sorted(obj.attrs)]


def describe_hdf5(name):
    groups, datasets = [], []
    with h5py.File(path_of(name), "r") as f:
        def visit(path, obj):
            if isinstance(obj, h5py.Group):
                groups.append({"path": path, "children": sorted(obj.keys()), "attributes": attributes_of(obj)})
            else:
                entry = {"path": path, "attributes": attributes_of(obj)}
                if obj.chunks is not None:
                    entry["unsupported"] = True
                    entry["shape"] = list(obj.shape)
                else:
                    entry.update(value_entry(obj[()], obj.dtype))
                datasets.append(entry)
        visit("", f)
        f.visititems(visit)
    return {"file": name, "groups": groups, "datasets": datasets}


def describe_zip(name):
    with zipfile.ZipFile(path_of(name)) as z:
        members = [{"name": i.filename, "method": i.compress_type, "size": i.file_size, "crc32": i.CRC,
                    "sha_prefix": list(z.read(i.filename)[:16])} for i in z.infolist()]
    return {"file": name, "members": members}


def dense_model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((2, 4), np.float32), np.ones((2, 2), np.float32), verbose=0)
    return model


def lstm_model():
    keras.utils.set_random_seed(4)
    return keras.Sequential([keras.Input((3, 2)), keras.layers.LSTM(2), keras.layers.Dense(1)])


def write_kinds(name):
    with h5py.File(path_of(name), "w") as f:
        f.create_dataset("float32_matrix", data=np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5)
        f.create_dataset("float64_vector", data=np.array([1.5, -2.25, 1e300], np.float64))
        f.create_dataset("int64_scalar", data=np.int64(-1234567890123))
        f.create_dataset("int32_vector", data=np.array([1, -2, 2147483647], np.int32))
        f.create_dataset("uint8_vector", data=np.array([0, 7, 255], np.uint8))
        f.create_dataset("empty", data=np.zeros((0,), np.float32))
        f.create_dataset("fixed_strings", data=np.array([b"abc", b"de", b""]))
        f.create_dataset("vlen_strings", data=["alpha", "beta", "\u00e9t\u00e9"], dtype=h5py.string_dtype())
        # A compact dataset: the values live in the layout message itself.
        space = h5py.h5s.create_simple((4,))
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_layout(h5py.h5d.COMPACT)
        compact = h5py.h5d.create(f.id, b"compact_float32", h5py.h5t.IEEE_F32LE, space, plist)
        compact.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([0.25, -1, 2, 3.5], np.float32))
        f.create_dataset("chunked", data=np.ones((4, 4), np.float32), chunks=(2, 2))
        f.create_dataset("compressed", data=np.ones((16,), np.float32), compression="gzip")
        many = f.create_group("many")  # more children than one symbol-table node holds (2K = 8)
        for i in range(20):
            many.create_dataset("item_%02d" % i, data=np.array([i], np.int64))
        many.attrs["count"] = np.int64(20)
        # 300 hard links to one dataset: more symbol-table nodes (8 entries each) than one B-tree node
        # holds (32), so the group's B-tree has two levels. Links are cheap (about 50 bytes each).
        links = f.create_group("links")
        links["target"] = np.array([42], np.int64)
        for i in range(300):
            links["l%03d" % i] = links["target"]
        nested = f.create_group("a/b/c")
        nested.attrs["note"] = "deep"
        # Attributes of every kind, added after the datasets (the root's header needs a continuation block).
        f.attrs["vlen_string"] = "hello"
        f.attrs["fixed_string"] = np.bytes_("fixed")
        f.attrs["float64_scalar"] = 0.125
        f.attrs["int64_array"] = np.array([1, 2, -3], np.int64)
        f.attrs["float32_array"] = np.array([0.5, 1.5], np.float32)
        f.attrs["vlen_string_array"] = np.array(["dense", "dense_1", "lstm"], dtype=h5py.string_dtype())
        f.attrs["fixed_string_array"] = np.array([b"kernel:0", b"bias:0"])
        f.attrs["unicode"] = "gr\u00fc\u00dfe \u2713"
        f.attrs["long_text"] = "x" * 3000
        f["float32_matrix"].attrs["units"] = "m/s"
        ordered = f.create_group("ordered", track_order=True)  # new-style group: link messages
        for key in ["zeta", "alpha", "mid"]:
            ordered.create_dataset(key, data=np.array([len(key)], np.int32))
        ordered.attrs["kind"] = "track_order"


def write_latest(name):
    """libver="latest": superblock version 3, version-2 object headers, link messages, attribute messages v3."""
    with h5py.File(path_of(name), "w", libver="latest") as f:
        f.create_dataset("weights/kernel", data=np.arange(6, dtype=np.float32).reshape(3, 2))
        f.create_dataset("weights/step", data=np.int64(7))
        f["weights"].attrs["name"] = "dense"
        f["weights"].attrs["weight_names"] = np.array(["kernel", "step"], dtype=h5py.string_dtype())
        f.attrs["version"] = np.int32(3)


def write_dense_links(name):
    """More than 8 links or attributes with libver="latest": dense storage (fractal heaps), which the reader
    rejects by name. Not in the manifest."""
    with h5py.File(path_of(name), "w", libver="latest") as f:
        for i in range(10):
            f.create_dataset("big/item_%d" % i, data=np.array([i], np.int32))
        attrs = f.create_group("attrs")
        for i in range(10):
            attrs.attrs["a%d" % i] = np.int32(i)


def write_deflated_zip(name, weights):
    with zipfile.ZipFile(path_of(name), "w") as z:
        z.writestr(zipfile.ZipInfo("config.json"), json.dumps({"a": list(range(200))}), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("stored.txt", "stored bytes\n", compress_type=zipfile.ZIP_STORED)
        z.writestr("dir/", "")
        z.writestr("dir/weights.h5", weights, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        z.writestr("empty.bin", b"", compress_type=zipfile.ZIP_DEFLATED)
        z.comment = b"made by make_hdf5_fixtures.py"


def main():
    os.makedirs(OUT, exist_ok=True)
    dense = dense_model()
    dense.save(path_of("dense.keras"))
    dense.save(path_of("dense_legacy.h5"))
    with zipfile.ZipFile(path_of("dense.keras")) as z:
        weights = z.read("model.weights.h5")
    with open(path_of("dense.weights.h5"), "wb") as f:
        f.write(weights)
    lstm = lstm_model()
    lstm.save(path_of("lstm.keras"))
    with zipfile.ZipFile(path_of("lstm.keras")) as z:
        lstm_weights = z.read("model.weights.h5")
    write_kinds("kinds.h5")
    write_latest("latest.h5")
    write_dense_links("dense_links.h5")
    write_deflated_zip("deflated.zip", weights)
    manifest = {
        "zips": [describe_zip(n) for n in ["dense.keras", "lstm.keras", "deflated.zip"]],
        "hdf5": [describe_hdf5(n) for n in ["dense.weights.h5", "dense_legacy.h5", "kinds.h5", "latest.h5"]],
    }
    # lstm.keras's weights are read from inside the archive: describe them from a temporary copy.
    temporary = path_of("lstm.weights.h5.tmp")
    with open(temporary, "wb") as f:
        f.write(lstm_weights)
    lstm_entry = describe_hdf5("lstm.weights.h5.tmp")
    os.remove(temporary)
    lstm_entry["file"] = "lstm.keras/model.weights.h5"
    manifest["hdf5"].append(lstm_entry)
    with open(path_of("hdf5_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    for n in ["dense.keras", "lstm.keras", "dense.weights.h5", "dense_legacy.h5", "kinds.h5", "latest.h5",
              "deflated.zip", "hdf5_manifest.json"]:
        print("wrote %s (%d bytes)" % (n, os.path.getsize(path_of(n))), file=sys.stderr)


if __name__ == "__main__":
    main()
