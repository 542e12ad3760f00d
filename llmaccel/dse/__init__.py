"""Design-space exploration: sweep spaces, search strategies, executors, result store.

Data flow: a :class:`~llmaccel.dse.space.SweepSpace` (YAML) names a host preset,
parameters (preset overrides ``hw.*`` and workload fields ``workload.*``),
workloads, objectives and constraints.  A search strategy proposes points; an
executor (process pool or Dask) evaluates them with the ordinary
workloads -> sim pipeline; every (point, workload) result is one row in SQLite.
"""
