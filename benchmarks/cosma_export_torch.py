"""Export a PyTorch model as a COSMA graph (native graph JSON of instances/cosma/README.md).

Optional: needs torch (and torchvision for its models), which schedkit does not depend on; install
them apart, e.g. ``pip install torch torchvision`` in a separate virtual environment (the CPU builds
suffice). Models are built with ``weights=None`` (random init, nothing downloaded), traced with
torch.fx and sized with ShapeProp (research notes §5.1): one operator per fx node (unfused, the
PyTorch default order the paper uses), one activation tensor per node output of numel × bytes per
element (1 byte: the paper's 8-bit setting), one weight tensor per module's own parameters and
buffers. Examples:

    python benchmarks/cosma_export_torch.py resnext50_32x4d fcn_resnet50 vit_b_16 --out graphs/
    python benchmarks/cosma_export_torch.py r2plus1d_18 --input-shape 1,3,16,112,112 --out graphs/
    python benchmarks/cosma_export_torch.py tiny_cnn --out graphs/      # torch alone, no torchvision
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

# torchvision builders by name: (module path inside torchvision.models, default input shape)
TORCHVISION = {
    "resnet50": ("", (1, 3, 224, 224)),
    "resnext50_32x4d": ("", (1, 3, 224, 224)),
    "densenet121": ("", (1, 3, 224, 224)),
    "vit_b_16": ("", (1, 3, 224, 224)),
    "fcn_resnet50": ("segmentation", (1, 3, 224, 224)),
    "deeplabv3_resnet50": ("segmentation", (1, 3, 224, 224)),
    "lraspp_mobilenet_v3_large": ("segmentation", (1, 3, 224, 224)),
    "r2plus1d_18": ("video", (1, 3, 16, 224, 224)),
    "s3d": ("video", (1, 3, 16, 224, 224)),
}


def _import_torch():
    try:
        import torch
        import torch.fx
        from torch.fx.passes.shape_prop import ShapeProp
    except ImportError:
        sys.exit("cosma_export_torch needs torch (and torchvision for its models), which schedkit does not install: "
                 "pip install torch torchvision in a separate environment, then run this script there.")
    return torch, torch.fx, ShapeProp


def build_model(name: str):
    """(model in eval mode, default input shape) for a torchvision name or ``tiny_cnn``."""
    torch, _, _ = _import_torch()
    if name == "tiny_cnn":  # a small residual CNN in torch alone, to try the export without torchvision
        class TinyCNN(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = torch.nn.Conv2d(3, 8, 3, padding=1)
                self.bn = torch.nn.BatchNorm2d(8)
                self.body = torch.nn.Conv2d(8, 8, 3, padding=1)
                self.head = torch.nn.Linear(8, 10)

            def forward(self, x):
                x = torch.relu(self.bn(self.stem(x)))
                x = x + torch.relu(self.body(x))
                return self.head(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1))

        return TinyCNN().eval(), (1, 3, 32, 32)
    if name not in TORCHVISION:
        sys.exit(f"unknown model {name!r}: expected tiny_cnn or one of {', '.join(TORCHVISION)}")
    try:
        import torchvision.models as models
    except Exception as error:  # ImportError, or a torchvision build that does not match torch
        sys.exit(f"torchvision is needed for {name} and could not be imported ({error}); "
                 "install a torchvision build matching torch")
    package, shape = TORCHVISION[name]
    builder = getattr(getattr(models, package) if package else models, name)
    return builder(weights=None).eval(), shape


def _tensors_of(value):
    """The tensor metadata inside a ShapeProp result (a TensorMetadata, or nested tuples of them)."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return [value]
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _tensors_of(item)]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _tensors_of(item)]
    return []


def export(name: str, input_shape=None, bytes_per_element: int = 1) -> dict:
    """The native graph JSON object of model ``name`` traced with an input of ``input_shape``."""
    torch, fx, ShapeProp = _import_torch()
    model, shape = build_model(name)
    shape = tuple(input_shape or shape)
    traced = fx.symbolic_trace(model)
    with torch.no_grad():
        ShapeProp(traced).propagate(torch.zeros(shape))
    modules = dict(traced.named_modules())
    tensors, operators, tensor_of = [], [], {}

    def new_tensor(size: int, kind: str, label: str, tensor_shape=None) -> int:
        row = {"id": len(tensors), "size": max(1, int(size)), "kind": kind, "name": label}
        if tensor_shape is not None:
            row["shape"] = list(tensor_shape)
        tensors.append(row)
        return row["id"]

    outputs = set()
    for node in traced.graph.nodes:
        metas = _tensors_of(node.meta.get("tensor_meta"))
        if node.op == "output":
            outputs |= {tensor_of[a.name] for a in node.all_input_nodes if a.name in tensor_of}
            continue
        if not metas:  # sizes, shapes, Python values: not tensors
            continue
        size = sum(math.prod(m.shape) for m in metas) * bytes_per_element
        if node.op == "placeholder":
            tensor_of[node.name] = new_tensor(size, "input", node.name, metas[0].shape)
            continue
        if node.op == "get_attr":
            tensor_of[node.name] = new_tensor(size, "weight", node.name, metas[0].shape)
            continue
        reads = list(dict.fromkeys(tensor_of[a.name] for a in node.all_input_nodes if a.name in tensor_of))
        if node.op == "call_module":
            own = [*modules[node.target].parameters(recurse=False), *modules[node.target].buffers(recurse=False)]
            if own:
                reads.append(new_tensor(sum(p.numel() for p in own) * bytes_per_element, "weight", f"{node.target}.params"))
        out = new_tensor(size, "activation", node.name, metas[0].shape if len(metas) == 1 else None)
        tensor_of[node.name] = out
        operators.append({"id": len(operators), "name": node.name, "op": str(node.target), "inputs": reads, "outputs": [out]})
    read = {t for op in operators for t in op["inputs"]}
    for row in tensors:
        if row["kind"] == "activation" and (row["id"] in outputs or row["id"] not in read):
            row["kind"] = "output"
    return {"name": name, "units": "bytes",
            "meta": {"network": name, "source": "torchvision (weights=None) traced by torch.fx, sized by ShapeProp",
                     "input_shape": list(shape), "bytes_per_element": bytes_per_element,
                     "granularity": "one operator per fx node (unfused)"},
            "tensors": tensors, "operators": operators}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help=f"tiny_cnn or torchvision names: {', '.join(TORCHVISION)}")
    parser.add_argument("--input-shape", default=None, help="comma-separated, e.g. 1,3,224,224 (default per model)")
    parser.add_argument("--bytes-per-element", type=int, default=1)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    shape = tuple(int(d) for d in args.input_shape.split(",")) if args.input_shape else None
    for name in args.models:
        graph = export(name, shape, args.bytes_per_element)
        path = folder / f"{name}.json"
        path.write_text(json.dumps(graph, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {len(graph['operators'])} operators, {len(graph['tensors'])} tensors")


if __name__ == "__main__":
    main()
