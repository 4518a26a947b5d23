"""What `model.fit` costs over a bare loop of the same step, for every model of the zoo.

One process per model. It builds the model, then alternates, in the same
process, blocks of training steps through `model.fit` and through a loop (the
same number of steps in each: about `--block-seconds` of the loop, at least
`--steps`), for `--rounds` rounds, after one warm-up block of each (tracing). The
two share the process, the machine's load at that moment and the weights, so
the ratio of a pair of blocks (fit speed / loop speed) cancels most of the
noise of a shared CPU; the report gives the median and the min-max of the
per-round ratios.

- `fit`: one `model.fit(data, epochs=1, steps_per_epoch=steps)` call per
  block; its steps are timed by a callback from the first batch's start to the
  epoch's end (the logs are read there, so the last step has finished). The
  call's own set-up and tear-down (the data checks, the iterator) are timed
  apart and reported per call as `fit call overhead`: they are paid once per
  `fit` call and once per epoch, not per step.
- `loop`: the hand-written reference loop of the model's algorithm where
  benchmarks/reference_loops.py has one (DCGAN, pix2pix, CycleGAN; its own
  optimizers, no hooks, no metrics), otherwise the model's own `train_step` in
  a `tf.function` that takes the batch from the iterator in the graph, as
  Keras' train function does: what fit does minus Keras' machinery around the
  step. `--steps-per-execution k` compiles the fit side with Keras'
  `steps_per_execution=k` (k steps in one call of its train function).

Data: synthetic images in [-1, 1] at the papers' sizes for the three
reference models; the zoo's default offline data (`zoo.load_data`) at batch
64 for the others, cached and repeated. SeqGAN is not here: its round is not
a `fit` step (benchmarks/seqgan_round.py times it). XLA off.

    python benchmarks/fit_overhead.py --models all --rounds 5 --json benchmarks/results/fit_overhead.json
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import reference_loops  # benchmarks/, on sys.path as the script's directory
import speed

# name: (zoo model, synthetic shapes or None for the zoo's default data, batch size, what)
MODELS = {
    "dcgan64": ("dcgan", [(64, 64, 3)], 64, "DCGAN 64x64x3, latent 100, batch 64 (synthetic)"),
    "pix2pix256": ("pix2pix", [(256, 256, 3), (256, 256, 3)], 1, "pix2pix 256x256, batch 1 (synthetic)"),
    "cyclegan128": ("cyclegan", [(128, 128, 3), (128, 128, 3)], 1, "CycleGAN 128x128, batch 1 (synthetic)"),
}
for _name in (
    "dcgan",
    "gan",
    "ragan",
    "wgan",
    "wgan_gp",
    "sngan",
    "sagan",
    "cgan",
    "acgan",
    "ssgan",
    "pix2pix",
    "cyclegan",
    "biggan",
    "stargan",
    "srgan",
):
    MODELS[_name] = (_name, None, 64, "the zoo's default offline data, batch 64")


def _loop(name, model, data):
    """(run(steps), kind): the reference loop for the paper-size models, else train_step in a tf.function."""
    import tensorflow as tf

    zoo_name, shapes = MODELS[name][:2]
    if shapes is not None:  # dcgan64, pix2pix256, cyclegan128
        return reference_loops.LOOPS[zoo_name](model, data, False), "hand-written reference loop"
    # As Keras' train function: no autograph, the batch taken from the iterator inside the graph.
    step = tf.function(lambda iterator: model.train_step(next(iterator)), jit_compile=False, autograph=False)
    iterator = iter(data)

    def run(steps):
        for _ in range(steps):
            logs = step(iterator)
        float(tf.nest.flatten(logs)[0])  # wait for the last step

    return run, "train_step in a tf.function"


def _clock():
    """A Keras callback timing a fit call's steps: first batch begin -> epoch end."""
    import keras

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.end = time.perf_counter()

    return Clock()


def worker(args):
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from keras_gans import zoo

    zoo_name, shapes, batch_size, _ = MODELS[args.model]
    keras.utils.set_random_seed(0)
    if shapes is not None:
        data, dataset = speed.synthetic_data(shapes, batch_size), None
    else:
        dataset = zoo.MODELS[zoo_name].default_dataset
        data = zoo.load_data(zoo_name, dataset, batch_size=batch_size, seed=0).take(8).cache().repeat()
    options = {"latent_dim": 100} if args.model == "dcgan64" else {}
    model = zoo.build(zoo_name, data.element_spec, dataset=dataset, seed=0, **options)
    if args.steps_per_execution > 1:
        model.compile(steps_per_execution=args.steps_per_execution)
    model.jit_compile = False
    run_loop, loop_kind = _loop(args.model, model, data)
    clock = _clock()

    def run_fit(steps):
        start = time.perf_counter()
        model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[clock])
        whole = time.perf_counter() - start
        return clock.end - clock.start, whole - (clock.end - clock.start)

    def run_timed_loop(steps):
        start = time.perf_counter()
        run_loop(steps)
        return time.perf_counter() - start

    spe = args.steps_per_execution  # Keras runs whole executions: every fit call a multiple of it
    run_fit(-(-args.warmup // spe) * spe)
    run_loop(args.warmup)
    # Blocks of about --block-seconds each (at least --steps steps): small models take many steps.
    steps = max(args.steps, min(512, int(np.ceil(args.block_seconds * 2 / run_timed_loop(2)))))
    steps = -(-steps // spe) * spe
    fit_sps, loop_sps, overhead = [], [], []
    for _ in range(args.rounds):
        seconds, rest = run_fit(steps)
        fit_sps.append(steps / seconds)
        overhead.append(rest)
        loop_sps.append(steps / run_timed_loop(steps))
    players = {n: int(sum(np.prod(v.shape) for v in getattr(model, n).trainable_variables)) for n in model.player_names}
    print(
        json.dumps(
            {
                "fit": fit_sps,
                "loop": loop_sps,
                "fit_call_overhead_s": overhead,
                "steps_per_block": steps,
                "steps_per_execution": args.steps_per_execution,
                "loop_kind": loop_kind,
                "parameters": players,
                "dataset": dataset or "synthetic",
            }
        )
    )


def _row(name, result, load):
    fit, loop = np.array(result["fit"]), np.array(result["loop"])
    ratio = fit / loop
    return {
        "model": name,
        "what": MODELS[name][3],
        "dataset": result["dataset"],
        "loop": result["loop_kind"],
        "fit_steps_per_s": round(float(np.median(fit)), 3),
        "loop_steps_per_s": round(float(np.median(loop)), 3),
        "fit_over_loop": [
            round(float(np.median(ratio)), 3),
            round(float(ratio.min()), 3),
            round(float(ratio.max()), 3),
        ],
        "fit_call_overhead_s": round(float(np.median(result["fit_call_overhead_s"])), 3),
        "steps_per_block": result["steps_per_block"],
        "steps_per_execution": result["steps_per_execution"],
        "load_1min": round(load, 1),
        "parameters": result["parameters"],
    }


def markdown(rows):
    lines = [
        "| model | data | loop | steps per block | fit steps/s | loop steps/s | fit/loop per round: median (min-max) "
        "| fit call overhead, s | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = r["fit_over_loop"]
        lines.append(
            f"| {r['model']} | {r['dataset']} | {r['loop']} | {r['steps_per_block']} | {r['fit_steps_per_s']} | {r['loop_steps_per_s']} | "
            f"{ratio[0]} ({ratio[1]}-{ratio[2]}) | {r['fit_call_overhead_s']} | {r['load_1min']} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="all", help=f"comma-separated, or all: {', '.join(MODELS)}")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=4, help="the fewest steps in a timed block")
    parser.add_argument("--block-seconds", type=float, default=4.0, help="about how long a timed block runs")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--steps-per-execution", type=int, default=1, help="compile(steps_per_execution=...) for the fit side"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", default=None, help="append one JSON line per model to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    names = list(MODELS) if args.models == "all" else args.models.split(",")
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f"Unknown model(s) {unknown}; expected some of: {', '.join(MODELS)}.")
    rows = []
    for name in names:
        load = os.getloadavg()[0]
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--model", name]
        for flag in ("rounds", "steps", "block_seconds", "warmup", "threads", "steps_per_execution"):
            cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            print(f"{name}: failed\n{done.stderr[-2000:]}", flush=True)
            continue
        row = _row(name, json.loads(lines[-1]), load)
        row["machine"] = f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        rows.append(row)
        print(markdown([row]).splitlines()[-1], flush=True)
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(row) + "\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
