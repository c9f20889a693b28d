#!/bin/sh
# The tensor workloads' target cases (docs/workloads/tensor.md), one after another (about a minute in all on 2 cores).
# Usage: sh tools/tensor_targets.sh [python]   (default python: the current one)
PY=${1:-python}
E=4194304
for case in \
    "tensor_map op=neg layout=contiguous elements=$E" \
    "tensor_map op=neg layout=transposed elements=$E" \
    "tensor_map op=sigmoid layout=contiguous elements=$E" \
    "tensor_map op=sigmoid layout=transposed elements=$E" \
    "tensor_zip op=add layout=contiguous elements=$E" \
    "tensor_zip op=add layout=broadcast elements=$E" \
    "tensor_reduce op=sum layout=contiguous elements=$E" \
    "tensor_reduce op=sum layout=transposed elements=$E" \
    "tensor_reduce op=max layout=contiguous elements=$E"; do
    $PY tools/tensor_targets.py $case --repeats 30
done
for layout in contiguous broadcast; do
    $PY tools/tensor_targets.py matmul n=512 batch=2 layout=$layout --repeats 6
done
