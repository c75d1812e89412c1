#!/usr/bin/env python3
"""Reads files written by RareEventKit's ZIPWriter and HDF5Writer with independent readers (Python's
zipfile, h5py/libhdf5, Keras) and prints what they see as JSON, for Tests/FileFormatsTests to compare.

    check_file_writers.py zip ARCHIVE           # zipfile: testzip(), members, their bytes (hex)
    check_file_writers.py hdf5 FILE             # h5py: every group, dataset (bytes as hex), attribute;
                                                # then edits a copy with libhdf5 and reads it back
    check_file_writers.py keras FILE WEIGHTS    # Keras 3: load_weights on the Dense model of WEIGHTS (JSON)
    check_file_writers.py keras-config WEIGHTS  # Keras 3: config.json of that model (for a .keras archive)
    check_file_writers.py keras-archive FILE WEIGHTS  # Keras 3: load_model of a .keras archive, predict

Standard library only for `zip`; `hdf5` needs h5py and numpy, `keras` needs keras too.
"""
import json
import shutil
import sys
import tempfile


def check_zip(path):
    import zipfile

    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
        members = []
        for info in archive.infolist():
            members.append({
                "name": info.filename,
                "size": info.file_size,
                "compressedSize": info.compress_size,
                "compressType": info.compress_type,
                "crc": info.CRC,
                "dateTime": list(info.date_time),
                "flagBits": info.flag_bits,
                "hex": archive.read(info).hex(),
            })
    return {"testzip": bad, "members": members}


def describe_attribute(obj, name):
    import h5py
    import numpy as np

    attribute_id = obj.attrs.get_id(name)
    datatype = attribute_id.get_type()
    value = obj.attrs[name]
    shape = list(attribute_id.shape)
    if isinstance(datatype, h5py.h5t.TypeStringID):
        kind = "vlen" if datatype.is_variable_str() else "fixed"
        values = np.array(value, dtype=object).reshape(-1).tolist()
        values = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]
        return {"kind": kind, "cset": datatype.get_cset(), "shape": shape, "strings": values}
    array = np.asarray(value)
    return {"kind": "number", "dtype": array.dtype.str, "shape": shape, "hex": array.tobytes().hex()}


def describe_hdf5(path):
    import h5py

    objects = {}

    def visit(name, obj):
        entry = {"attributes": {key: describe_attribute(obj, key) for key in obj.attrs.keys()}}
        if isinstance(obj, h5py.Dataset):
            layout = obj.id.get_create_plist().get_layout()
            entry.update({
                "kind": "dataset",
                "dtype": obj.dtype.str,
                "shape": list(obj.shape),
                "contiguous": layout == h5py.h5d.CONTIGUOUS,
                "hex": obj[()].tobytes().hex(),
            })
        else:
            entry.update({"kind": "group", "members": sorted(obj.keys())})
        objects["/" + name if name else "/"] = entry

    with h5py.File(path, "r") as file:
        visit("", file)
        file.visititems(visit)
    return objects


def check_hdf5(path):
    import h5py
    import numpy as np

    objects = describe_hdf5(path)
    # libhdf5 edits a copy: inserting into every group exercises its B-trees, heaps and headers.
    with tempfile.TemporaryDirectory() as folder:
        copy = folder + "/copy.h5"
        shutil.copy(path, copy)
        with h5py.File(copy, "r+") as file:
            groups = [name for name, entry in objects.items() if entry["kind"] == "group"]
            for name in groups:
                file[name].create_dataset("zz_added", data=np.arange(3, dtype="<f4"))
                file[name].attrs["zz_added"] = "added"
        edited = describe_hdf5(copy)
    def without_added(attributes):
        return {key: value for key, value in attributes.items() if key != "zz_added"}

    unchanged = all(
        without_added(edited[name]["attributes"]) == entry["attributes"] and edited[name].get("hex") == entry.get("hex")
        for name, entry in objects.items())
    added = all(
        (name.rstrip("/") + "/zz_added") in edited and edited[name]["attributes"]["zz_added"]["strings"] == ["added"]
        for name, entry in objects.items() if entry["kind"] == "group")
    return {"objects": objects, "edited_copy_reads_back": unchanged and added}


def reference_model(weights_path):
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    with open(weights_path) as handle:
        spec = json.load(handle)
    layers = [keras.Input((spec["inputs"],))]
    for layer in spec["layers"]:
        layers.append(keras.layers.Dense(layer["units"], activation=layer["activation"]))
    reference = keras.Sequential(layers)
    reference.set_weights([np.array(w["values"], dtype="<f4").reshape(w["shape"])
                           for layer in spec["layers"] for w in layer["weights"]])
    x = np.array(spec["x"], dtype="<f4").reshape(-1, spec["inputs"])
    return reference, x


def compare(reference, loaded, x):
    import numpy as np

    same_weights = len(reference.get_weights()) == len(loaded.get_weights()) and all(
        np.array_equal(a, b) for a, b in zip(reference.get_weights(), loaded.get_weights()))
    expected = reference.predict(x, verbose=0)
    predicted = loaded.predict(x, verbose=0)
    return {
        "same_weights": bool(same_weights),
        "same_predictions": bool(np.array_equal(expected, predicted)),
        "predictions": predicted.reshape(-1).astype(float).tolist(),
    }


def check_keras(path, weights_path):
    import keras

    reference, x = reference_model(weights_path)
    loaded = keras.models.clone_model(reference)
    loaded.load_weights(path)
    return compare(reference, loaded, x)


def keras_config(weights_path):
    import keras

    reference, _ = reference_model(weights_path)
    return {"config": json.dumps(keras.saving.serialize_keras_object(reference)),
            "metadata": json.dumps({"keras_version": keras.__version__, "date_saved": "2026-01-01@00:00:00"})}


def check_keras_archive(path, weights_path):
    import keras

    reference, x = reference_model(weights_path)
    loaded = keras.saving.load_model(path)
    return compare(reference, loaded, x)


def main(arguments):
    if len(arguments) == 2 and arguments[0] == "zip":
        result = check_zip(arguments[1])
    elif len(arguments) == 2 and arguments[0] == "hdf5":
        result = check_hdf5(arguments[1])
    elif len(arguments) == 3 and arguments[0] == "keras":
        result = check_keras(arguments[1], arguments[2])
    elif len(arguments) == 2 and arguments[0] == "keras-config":
        result = keras_config(arguments[1])
    elif len(arguments) == 3 and arguments[0] == "keras-archive":
        result = check_keras_archive(arguments[1], arguments[2])
    else:
        sys.exit(__doc__)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
