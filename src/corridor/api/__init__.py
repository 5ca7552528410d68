"""Per-area pieces of the Python API, mixed into `corridor.Observatory`.

Each area (indicators, forecast, evaluate, drivers, track, simulate) owns one module here with
one mixin class whose methods are thin: they read from `self.con` / `self.flows(...)` and call
the area's analysis module. Adding an area = one module here + its base in observatory.py.
"""
