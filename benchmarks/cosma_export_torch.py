"""Export a PyTorch model as a COSMA graph (native graph JSON of instances/cosma/README.md).

Optional: needs torch (and torchvision for its models), which schedkit does not depend on; install
them apart, e.g. ``pip install torch torchvision`` in a separate virtual environment (see below for
the builds that fit). Models are built with ``weights=None`` (random init, nothing downloaded), traced with
torch.fx and sized with ShapeProp (research notes §5.1): one operator per fx node (unfused, the
PyTorch default order the paper uses), one activation tensor per node output of numel × bytes per
element (1 byte: the paper's 8-bit setting), one weight tensor per leaf module with parameters (all
its parameters and buffers, BatchNorm running statistics excepted: they fold into scale and bias for
inference, as in the shipped graphs), read by every call of that module, and one per parameter the
graph reads directly (``get_attr``, e.g. ViT's class token and position embedding). A node that reads
no tensor (a constant built in ``forward``) becomes a weight. Examples:

    python benchmarks/cosma_export_torch.py resnext50_32x4d fcn_resnet50 vit_b_16 r2plus1d_18 \
        --out instances/cosma/exported        # the shipped graphs (instances/cosma/SOURCES.md §5)
    python benchmarks/cosma_export_torch.py r2plus1d_18 --input-shape 1,3,8,112,112 --out graphs/
    python benchmarks/cosma_export_torch.py tiny_cnn --out graphs/      # torch alone, no torchvision

The PyPI torchvision wheels for Linux are CUDA builds: pair them with the matching CUDA torch wheel
(e.g. torch 2.13.0 with torchvision 0.28.0; it runs on the CPU), not with a ``+cpu`` torch, whose
missing CUDA libraries make ``import torchvision`` fail with "operator torchvision::nms does not exist".
"""

from __future__ import annotations

import argparse
import inspect
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
    # the segmentation builders default to an ImageNet backbone, which would be downloaded
    options = {"weights_backbone": None} if "weights_backbone" in inspect.signature(builder).parameters else {}
    return builder(weights=None, **options).eval(), shape


def _tensors_of(value):
    """The tensor metadata inside a ShapeProp result (a TensorMetadata, or nested tuples of them)."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return [value]
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _tensors_of(item)]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _tensors_of(item)]
    return []


def _op_type(node, modules) -> str:
    """The operator type as PyTorch names it: the module class, the function or the method name."""
    if node.op == "call_module":
        return type(modules[node.target]).__name__
    if node.op == "call_function":
        return getattr(node.target, "__name__", str(node.target))
    return str(node.target)


def _module_weight_elements(module, torch) -> int:
    """Elements of a leaf module's parameters and buffers; BatchNorm's running statistics are left out
    (they fold into scale and bias for inference, the convention of the shipped graphs)."""
    batch_norm = isinstance(module, torch.nn.modules.batchnorm._BatchNorm)
    buffers = [] if batch_norm else list(module.buffers())
    return sum(p.numel() for p in [*module.parameters(), *buffers])


def export(name: str, input_shape=None, bytes_per_element: int = 1) -> dict:
    """The native graph JSON object of model ``name`` traced with an input of ``input_shape``."""
    torch, fx, ShapeProp = _import_torch()
    model, shape = build_model(name)
    shape = tuple(input_shape or shape)
    traced = fx.symbolic_trace(model)
    with torch.no_grad():
        ShapeProp(traced).propagate(torch.zeros(shape))
    modules = dict(traced.named_modules())
    tensors, operators, tensor_of, weight_of_module = [], [], {}, {}

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
        one_shape = metas[0].shape if len(metas) == 1 else None
        if node.op == "placeholder":
            tensor_of[node.name] = new_tensor(size, "input", node.name, one_shape)
            continue
        reads = list(dict.fromkeys(tensor_of[a.name] for a in node.all_input_nodes if a.name in tensor_of))
        if node.op == "get_attr" or not reads:  # a parameter, or a constant built from no tensor
            tensor_of[node.name] = new_tensor(size, "weight", node.name, one_shape)
            continue
        if node.op == "call_module":
            # fx keeps the module a leaf, so all of its parameters (e.g. MultiheadAttention's out_proj) are its own
            if node.target not in weight_of_module:
                elements = _module_weight_elements(modules[node.target], torch)
                weight_of_module[node.target] = (new_tensor(elements * bytes_per_element, "weight", f"{node.target}.params")
                                                 if elements else None)
            if weight_of_module[node.target] is not None:
                reads.append(weight_of_module[node.target])
        out = new_tensor(size, "activation", node.name, one_shape)
        tensor_of[node.name] = out
        operators.append({"id": len(operators), "name": node.name, "op": _op_type(node, modules),
                          "inputs": reads, "outputs": [out]})
    read = {t for op in operators for t in op["inputs"]}
    for row in tensors:
        if row["kind"] == "activation" and (row["id"] in outputs or row["id"] not in read):
            row["kind"] = "output"
    tensors, operators = _drop_unread_constants(tensors, operators, read)
    source = "torchvision (weights=None) traced by torch.fx, sized by ShapeProp" if name in TORCHVISION else \
        "torch alone (tiny_cnn of cosma_export_torch.py) traced by torch.fx, sized by ShapeProp"
    return {"name": name, "units": "bytes",
            "meta": {"network": name, "source": source, "versions": _versions(),
                     "input_shape": list(shape), "batch": shape[0], "bytes_per_element": bytes_per_element,
                     "granularity": "one operator per fx node (unfused); one weight tensor per leaf module"},
            "tensors": tensors, "operators": operators}


def _drop_unread_constants(tensors: list, operators: list, read: set) -> tuple[list, list]:
    """Inputs and weights nobody reads are dropped (the format requires each to be read); ids renumbered."""
    kept = [row for row in tensors if row["kind"] not in ("input", "weight") or row["id"] in read]
    new_id = {row["id"]: position for position, row in enumerate(kept)}
    kept = [{**row, "id": new_id[row["id"]]} for row in kept]
    operators = [{**op, "inputs": [new_id[t] for t in op["inputs"]], "outputs": [new_id[t] for t in op["outputs"]]}
                 for op in operators]
    return kept, operators


def _versions() -> dict:
    import torch
    versions = {"torch": torch.__version__}
    try:
        import torchvision
        versions["torchvision"] = torchvision.__version__
    except Exception:  # tiny_cnn needs torch alone
        pass
    return versions


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
