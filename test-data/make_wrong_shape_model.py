"""Writes test-data/wrong_shape_model.h5: a Keras-2-style weights layout (the same group and
dataset names as the published Xpresso files) whose conv1d_1 kernel is (5, 4, 128) instead of
(6, 4, 128), so xpresso must refuse it. Run once with h5py; the output is committed (about 20 kB: zeros, gzip-compressed).
"""
import h5py
import numpy as np

SHAPES = {
    "conv1d_1": [(5, 4, 128), (128,)],
    "conv1d_2": [(9, 128, 32), (32,)],
    "dense_1": [(1126, 64), (64,)],
    "dense_2": [(64, 2), (2,)],
    "dense_3": [(2, 1), (1,)],
}

with h5py.File("test-data/wrong_shape_model.h5", "w") as f:
    f.attrs["keras_version"] = "2.0.5"
    weights = f.create_group("model_weights")
    for layer, (kernel, bias) in SHAPES.items():
        g = weights.create_group(layer).create_group(layer)
        g.create_dataset("kernel:0", data=np.zeros(kernel, dtype="float32"), compression="gzip")
        g.create_dataset("bias:0", data=np.zeros(bias, dtype="float32"))
