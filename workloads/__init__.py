"""Built-in workloads: one package per workload, one module per backend."""
