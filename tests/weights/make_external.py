#!/usr/bin/python3
"""Models whose one initializer "c" (float32[2,3]) lies in external data, for
test_external_data: y = x + c.  Only the models are written here; the files
they point at (a regular file, a symlink to /etc/passwd, a FIFO, a symlinked
directory) are made by the test itself.  Usage: make_external.py DIR"""
import os
import sys

from onnx import TensorProto, helper, save

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT


def model(name, location, offset, length=24):
    t = TensorProto()
    t.name, t.data_type = "c", F
    t.dims.extend([2, 3])
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
        e = t.external_data.add()
        e.key, e.value = k, v
    vi = lambda n: helper.make_tensor_value_info(n, F, [2, 3])
    g = helper.make_graph([helper.make_node("Add", ["x", "c"], ["y"])], name, [vi("x")], [vi("y")], [t])
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(out, name + ".onnx"))


model("ext_ok", "w.bin", 16)
model("ext_in_subdir", "sub/w.bin", 16)
model("ext_symlink", "passwd.bin", 0)
model("ext_dotdot", "../w.bin", 16)
model("ext_dotdot_inner", "sub/../../w.bin", 16)
model("ext_dir_symlink", "linkdir/w.bin", 16)
model("ext_fifo", "fifo.bin", 0)
model("ext_offset_past_end", "w.bin", 1 << 40)
model("ext_offset_overflow", "w.bin", (1 << 63) - 8)
model("ext_directory", "sub", 0)
