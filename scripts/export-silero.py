#!/usr/bin/env python3
"""Writes assets/silero-vad/silero_vad_16k.bin, the weights of the Silero VAD v5 speech detector
(16 kHz), that src/detect/speech.rs runs.

Source: the `silero-vad` wheel on PyPI, version 6.2.3, file
silero_vad/data/silero_vad_16k_op15.onnx (SHA-256
7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49), MIT licence (copied to
assets/silero-vad/LICENSE).

    pip download --no-deps silero-vad==6.2.3 -d /tmp/w && unzip -o /tmp/w/*.whl -d /tmp/w/x
    pip install onnx numpy
    python3 scripts/export-silero.py /tmp/w/x/silero_vad/data/silero_vad_16k_op15.onnx

The file is the tensors below, in this order, as little-endian float32, row-major, nothing
else. The model's first layer (`model.stft.forward_basis_buffer`) is not written: it is a
256-point DFT under a periodic Hann window (this script checks that to 1e-6), which the Rust
code computes with realfft.
"""
import hashlib
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ORDER = [
    "model.encoder.0.reparam_conv.weight",  # (128, 129, 3)
    "model.encoder.0.reparam_conv.bias",
    "model.encoder.1.reparam_conv.weight",  # (64, 128, 3), stride 2
    "model.encoder.1.reparam_conv.bias",
    "model.encoder.2.reparam_conv.weight",  # (64, 64, 3), stride 2
    "model.encoder.2.reparam_conv.bias",
    "model.encoder.3.reparam_conv.weight",  # (128, 64, 3)
    "model.encoder.3.reparam_conv.bias",
    "model.decoder.rnn.weight_ih",  # (512, 128), gates i, f, g, o (PyTorch LSTMCell)
    "model.decoder.rnn.weight_hh",  # (512, 128)
    "model.decoder.rnn.bias_ih",
    "model.decoder.rnn.bias_hh",
    "model.decoder.decoder.2.weight",  # (1, 128, 1)
    "model.decoder.decoder.2.bias",
]


def main(path: str, out: str = "assets/silero-vad/silero_vad_16k.bin") -> None:
    raw = open(path, "rb").read()
    print("source sha256", hashlib.sha256(raw).hexdigest())
    model = onnx.load_from_string(raw)
    w = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    basis = w["model.stft.forward_basis_buffer"][:, 0, :]
    n = np.arange(256)
    k = np.arange(129)[:, None]
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / 256)
    assert np.abs(basis[:129] - np.cos(2 * np.pi * k * n / 256) * hann).max() < 1e-6
    assert np.abs(basis[129:] + np.sin(2 * np.pi * k * n / 256) * hann).max() < 1e-6
    blob = b"".join(w[name].astype("<f4").tobytes() for name in ORDER)
    open(out, "wb").write(blob)
    print(out, len(blob) // 4, "floats, sha256", hashlib.sha256(blob).hexdigest())


if __name__ == "__main__":
    main(*sys.argv[1:])
