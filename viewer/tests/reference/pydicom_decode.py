"""Reference decoding with pydicom (+ pylibjpeg, pyjpegls, gdcm) for the corpus test.

Usage: pydicom_decode.py OUT_DIR [FILE ...]
Without files, walks pydicom's own data/test_files. For every file with Pixel Data writes
OUT_DIR/<n>.bin (the pixel_array with as_rgb=False, little endian, C order) and a line of
OUT_DIR/manifest.tsv: index, path, dtype or "error", shape (x-joined), photometric, message.
Never calls get_testdata_files('*') (it tries the network).
"""
import os
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixels import pixel_array

warnings.simplefilter("ignore")


def corpus():
    root = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
    for dirpath, _, names in os.walk(root):
        for name in names:
            yield os.path.join(dirpath, name)


def main():
    out = sys.argv[1]
    files = sys.argv[2:] or sorted(corpus())
    rows = []
    for i, path in enumerate(files):
        try:
            ds = pydicom.dcmread(path, force=True)
        except Exception:
            continue
        if "PixelData" not in ds:
            continue
        photometric = str(ds.get("PhotometricInterpretation", ""))
        try:
            arr = pixel_array(ds, as_rgb=False)
            arr = np.ascontiguousarray(arr)
            arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(out, f"{i}.bin"))
            shape = "x".join(str(d) for d in arr.shape)
            rows.append(f"{i}\t{path}\t{arr.dtype.name}\t{shape}\t{photometric}\t")
        except Exception as e:  # noqa: BLE001 - any failure is "pydicom can't"
            msg = " ".join(str(e).split())[:100].replace("\t", " ")
            rows.append(f"{i}\t{path}\terror\t\t{photometric}\t{type(e).__name__}: {msg}")
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    root = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
    print(root)


if __name__ == "__main__":
    main()
