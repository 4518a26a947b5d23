"""Training speed of the zoo at each paper's size and batch: fit, a hand-written loop, PyTorch.

Contenders per model (each a fresh process, so one cannot warm another's caches):

- `fit`: the zoo model through `model.fit` on an in-memory synthetic dataset
  (random images in [-1, 1], cached, repeated), XLA on and off.
- `loop`: a minimal hand-written `tf.function` step of the same algorithm on
  the same networks, with fresh optimizers of the model's configuration and
  no hooks, metrics or distribution code (benchmarks/reference_loops.py,
  checked against `fit` by tests/test_reference_loops.py), XLA on and off.
- `torch`: the same networks and step written in PyTorch after the reference
  implementation (benchmarks/torch_reference.py), run by the Python given with
  `--torch-python` (default /work/torchvenv/bin/python, or $TORCH_PYTHON); the
  column is skipped with a message when that Python cannot import torch.

Each contender process builds its model, runs `--warmup` steps (tracing,
compilation), then times `--steps` steps and prints one JSON line. The driver
runs the contenders of a model in turn (A B C ... A B C ...) for `--rounds`
rounds and reports per contender the median steps/s with the min-max over
rounds, and ratios to the `fit` XLA-off column computed round by round
(median and min-max). Threads: TensorFlow intra-op `--threads`, inter-op 1;
PyTorch `torch.set_num_threads(--threads)` with OMP_WAIT_POLICY=PASSIVE (see `_run`). Mixed precision: measured only on
a GPU (skipped with a message on CPU).

    python benchmarks/speed.py --models dcgan64 --rounds 3 --steps 10 --out benchmarks/results
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

MODELS = {
    # name: (zoo model, shapes of a batch's elements, batch size, paper)
    "dcgan64": (
        "dcgan",
        [(64, 64, 3)],
        64,
        "DCGAN (Radford et al. 2016): 64x64, batch 128 in the paper, 64 in the PyTorch example's default",
    ),
    "pix2pix256": ("pix2pix", [(256, 256, 3), (256, 256, 3)], 1, "pix2pix (Isola et al. 2017): 256x256, batch 1"),
    "cyclegan128": (
        "cyclegan",
        [(128, 128, 3), (128, 128, 3)],
        1,
        "CycleGAN (Zhu et al. 2017): 128x128 (6 ResNet blocks), batch 1",
    ),
    "cyclegan256": ("cyclegan", [(256, 256, 3), (256, 256, 3)], 1, "CycleGAN: 256x256 (9 ResNet blocks), batch 1"),
}
LOOP_MODELS = ("dcgan64", "pix2pix256", "cyclegan128", "cyclegan256")
TORCH_MODELS = ("dcgan64", "pix2pix256", "cyclegan128", "cyclegan256")
HERE = os.path.dirname(os.path.abspath(__file__))


# --- the worker: one contender in one process ----------------------------------------


def synthetic_data(shapes, batch_size):
    """Random images in [-1, 1] of the given element shapes, batched, cached and repeated."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    n = max(4 * batch_size, 8)
    arrays = tuple(rng.uniform(-1, 1, (n, *s)).astype("float32") for s in shapes)
    ds = tf.data.Dataset.from_tensor_slices(arrays if len(arrays) > 1 else arrays[0])
    return ds.batch(batch_size, drop_remainder=True).cache().repeat()


def _count(variables):
    return int(sum(np.prod(v.shape) for v in variables))


def worker(args):
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from keras_gans import zoo

    if args.instance_norm == "group":  # the networks as they were: instance norm by GroupNormalization
        from keras_gans.networks import normalization

        normalization.InstanceNormalization = lambda epsilon, center, scale, name: keras.layers.GroupNormalization(
            groups=-1, epsilon=epsilon, center=center, scale=scale, name=name
        )
    if args.batch_norm == "keras":  # the networks as they were: Keras' unfused BatchNormalization
        from keras_gans.networks import normalization

        normalization.BatchNormalization = keras.layers.BatchNormalization
    zoo_name, shapes, batch_size, _ = MODELS[args.model]
    keras.utils.set_random_seed(0)
    data = synthetic_data(shapes, batch_size)
    options = {"latent_dim": 100} if zoo_name == "dcgan" else {}
    model = zoo.build(zoo_name, data.element_spec, seed=0, **options)
    model.jit_compile = args.xla == "on"  # the pix2pix/CycleGAN builders take no jit_compile
    if args.contender == "fit":

        def run(steps):
            model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    else:
        from reference_loops import LOOPS  # benchmarks/, on sys.path as the script's directory

        run = LOOPS[zoo_name](model, data, args.xla == "on")
    run(args.warmup)
    start = time.perf_counter()
    run(args.steps)
    seconds = time.perf_counter() - start
    players = {name: _count(getattr(model, name).trainable_variables) for name in model.player_names}
    print(json.dumps({"steps_per_second": args.steps / seconds, "seconds": seconds, "parameters": players}))


# --- the driver ---------------------------------------------------------------------


def _contenders(model, torch_python, skip_torch_reason):
    out = [("fit", "off"), ("fit", "on")]
    if model in LOOP_MODELS:
        out += [("loop", "off"), ("loop", "on")]
    if model in TORCH_MODELS and not skip_torch_reason:
        out += [("torch", "-")]
    return out


def _run(model, contender, xla, args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    budget = ["--model", model] + [f"--{name}={getattr(args, name)}" for name in ("steps", "warmup", "threads")]
    if contender == "torch":
        # PyTorch's OpenMP threads spin while they wait; on a shared, oversubscribed CPU that
        # made it several times slower (norm layers: 500+ ms against 10-120 ms passive).
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        cmd = [args.torch_python, os.path.join(HERE, "torch_reference.py"), *budget]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--contender", contender, "--xla", xla, *budget]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def _torch_available(python):
    if not python or not os.path.exists(python):
        return f"no PyTorch Python at {python!r} (set --torch-python or TORCH_PYTHON)"
    done = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"{python} cannot import torch"
    return None


def _gpu():
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def driver(args):
    skip_torch = _torch_available(args.torch_python)
    if skip_torch:
        print(f"PyTorch column skipped: {skip_torch}")
    if not _gpu():
        print("Mixed precision skipped: no GPU (mixed_float16 is not faster on CPU).")
    report = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "settings": {k: getattr(args, k) for k in ("rounds", "steps", "warmup", "threads")},
        "torch_skipped": skip_torch,
        "models": {},
    }
    for model in args.models.split(","):
        contenders = _contenders(model, args.torch_python, skip_torch)
        runs = {c: [] for c in contenders}
        loads = []
        for round_ in range(args.rounds):
            for c in contenders:
                loads.append(os.getloadavg()[0])
                runs[c].append(_run(model, *c, args))
                print(
                    f"{model} round {round_ + 1} {c[0]} xla={c[1]}: {runs[c][-1]['steps_per_second']:.3f} steps/s",
                    flush=True,
                )
        base = np.array([r["steps_per_second"] for r in runs[("fit", "off")]])
        rows = []
        for c in contenders:
            sps = np.array([r["steps_per_second"] for r in runs[c]])
            ratio = sps / base
            rows.append(
                {
                    "contender": c[0],
                    "xla": c[1],
                    "steps_per_second": [
                        round(float(np.median(sps)), 3),
                        round(float(sps.min()), 3),
                        round(float(sps.max()), 3),
                    ],
                    "speed_vs_fit_xla_off": [
                        round(float(np.median(ratio)), 3),
                        round(float(ratio.min()), 3),
                        round(float(ratio.max()), 3),
                    ],
                    "parameters": runs[c][0]["parameters"],
                }
            )
        report["models"][model] = {
            "paper": MODELS[model][3],
            "batch": MODELS[model][2],
            "rows": rows,
            "load_1min_median": round(float(np.median(loads)), 1),
        }
    text = markdown(report)
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "speed.json"), "w") as f:
            json.dump(report, f, indent=1)
        with open(os.path.join(args.out, "speed.md"), "w") as f:
            f.write(text)


def markdown(report):
    m = report["machine"]
    s = report["settings"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs ({m['processor'] or 'unknown processor'}), Python {m['python']}. "
        f"{s['rounds']} rounds, {s['warmup']} warm-up + {s['steps']} timed steps per run, {s['threads']} intra-op threads.",
        "",
    ]
    if report["torch_skipped"]:
        lines += [f"PyTorch column skipped: {report['torch_skipped']}.", ""]
    for name, model in report["models"].items():
        lines += [
            f"### {name}: {model['paper']} (median 1-min load during the runs: {model['load_1min_median']})",
            "",
            "| contender | XLA | steps/s median (min-max) | speed / fit XLA off, per round: median (min-max) | trainable parameters |",
            "|---|---|---|---|---|",
        ]
        for r in model["rows"]:
            sps, ratio = r["steps_per_second"], r["speed_vs_fit_xla_off"]
            params = ", ".join(f"{k} {v:,}" for k, v in r["parameters"].items())
            lines.append(
                f"| {r['contender']} | {r['xla']} | {sps[0]} ({sps[1]}-{sps[2]}) | {ratio[0]} ({ratio[1]}-{ratio[2]}) | {params} |"
            )
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="dcgan64,pix2pix256,cyclegan128")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--torch-python", default=os.environ.get("TORCH_PYTHON", "/work/torchvenv/bin/python"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--xla", default="off", help=argparse.SUPPRESS)
    parser.add_argument(
        "--instance-norm",
        default="fused",
        choices=("group", "fused"),
        help="worker only: instance norm by GroupNormalization(groups=-1), as before the networks used the fused layer",
    )
    parser.add_argument(
        "--batch-norm",
        default="fused",
        choices=("keras", "fused"),
        help="worker only: Keras' BatchNormalization, as before the networks used the fused layer",
    )
    args = parser.parse_args()
    if args.worker:
        worker(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
