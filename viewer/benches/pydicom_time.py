"""Times pydicom's decoding in-process: for each file, the best of repeated pixel_array calls.

Usage: pydicom_time.py FILE ... ; prints "seconds<TAB>decoded_bytes<TAB>path" per file, or
"error<TAB>0<TAB>path" when pydicom cannot decode it.
"""
import sys
import time
import warnings

import pydicom
from pydicom.pixels import pixel_array

warnings.simplefilter("ignore")

for path in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(path)
        arr = pixel_array(ds, as_rgb=False)
        best = float("inf")
        total = 0.0
        runs = 0
        while total < 0.2 or runs < 3:
            t = time.perf_counter()
            pixel_array(ds, as_rgb=False)
            dt = time.perf_counter() - t
            best = min(best, dt)
            total += dt
            runs += 1
        print(f"{best}\t{arr.nbytes}\t{path}")
    except Exception:  # noqa: BLE001
        print(f"error\t0\t{path}")
