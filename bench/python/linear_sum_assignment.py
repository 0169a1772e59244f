"""Reference for bench/mapping.ts: scipy's linear_sum_assignment (maximise) on a weight matrix.

stdin: JSON {"rows": R, "cols": C, "w": [...] row-major}. stdout: JSON {"seconds": s, "total": t, "columnOf": [...]}.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

doc = json.load(sys.stdin)
w = np.asarray(doc["w"], dtype=np.float64).reshape(doc["rows"], doc["cols"])
t0 = time.perf_counter()
r, c = linear_sum_assignment(w, maximize=True)
seconds = time.perf_counter() - t0
col = [-1] * doc["rows"]
for i, j in zip(r.tolist(), c.tolist()):
    col[i] = j
print(json.dumps({"seconds": seconds, "total": float(w[r, c].sum()), "columnOf": col}))
