"""Libraries the workloads share: not workloads themselves (no ``WORKLOAD``), so the registry lists none.

``tensor_core``: MiniTorch's strided tensor indexing and its per-backend forms (the tensor
workloads). ``scalar_graph``: a scalar autodiff graph, its optimiser and code generators
(``scalar_network``). Importing this package imports neither.
"""
