#!/usr/bin/python3
"""Writes tests/fixtures/tiny-detector.onnx: a model in the standard detection export layout
([1, 4 + classes, anchors], cx cy w h in input pixels, sigmoid scores) whose output is fixed, so
the tests know exactly which boxes the runtime must decode. Input [1, 3, 32, 64]; classes
package and person; four anchors: a package, a weaker duplicate of it (NMS must drop it), a
person, and a package below the default score threshold.

    /usr/bin/python3 models/training/make_test_fixture.py
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ANCHORS = np.array(
    [
        # cx,  cy,   w,    h,  package, person
        [16.0, 16.0, 20.0, 10.0, 0.90, 0.10],
        [17.0, 16.0, 20.0, 10.0, 0.80, 0.05],
        [48.0, 20.0, 10.0, 16.0, 0.10, 0.70],
        [40.0, 8.0, 8.0, 8.0, 0.20, 0.10],
    ],
    dtype=np.float32,
)


def main() -> None:
    table = ANCHORS.T[None]  # [1, 6, 4]
    constant = numpy_helper.from_array(table, "table")
    # The output must depend on the input for onnxruntime to keep the graph honest: add 0 × mean.
    zero = numpy_helper.from_array(np.zeros((1,), dtype=np.float32), "zero")
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=1),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Reshape", ["nothing", "shape"], ["nothing_flat"]),
        helper.make_node("Add", ["table", "nothing_flat"], ["output0"]),
    ]
    shape = numpy_helper.from_array(np.array([1, 1, 1], dtype=np.int64), "shape")
    graph = helper.make_graph(
        nodes,
        "tiny-detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 32, 64])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 6, 4])],
        initializer=[constant, zero, shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="parcelroom-tests")
    model.ir_version = 8
    for key, value in {"names": "{0: 'package', 1: 'person'}", "imgsz": "[32, 64]", "task": "detect"}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    out = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tiny-detector.onnx"
    onnx.save(model, str(out))
    print(out)


if __name__ == "__main__":
    main()
