"""Does SeqGAN's discriminator earn its place? SeqGAN against two controls.

After the same maximum-likelihood pretraining (and, for SeqGAN, the same
discriminator pretraining), each arm makes the same number of generator
updates (`--rounds` x 1):

- `mle`: continued maximum likelihood on real batches (the pretraining
  optimizer's Adam state carries on);
- `constant`: REINFORCE with a constant reward of 0.5 on every token (no
  discriminator): what the policy gradient alone does (it sharpens G);
- `seqgan`: REINFORCE with Monte Carlo rewards from D, D trained after each
  round on the paper's schedule, reduced (`--d-samples`, `--d-epochs`,
  `--d-repeats`).

Scores, on the synthetic oracle of the paper: NLL-oracle (the oracle's NLL
per token of `--eval-samples` generated sequences; lower = samples more
likely under the real distribution) and NLL-test (G's NLL per token of
`--eval-samples` held-out oracle sequences, never trained on; lower = G
covers the real distribution; a G that sharpens onto a few modes gets a
better NLL-oracle and a worse NLL-test).

One JSON line per (seed, arm) is appended to `<out>/seqgan_controls.jsonl`
as it finishes, so a stopped run keeps what it measured;
`--table` prints the Markdown table from that file.

    python benchmarks/seqgan_controls.py --seeds 0 1 2 --out benchmarks/results
    python benchmarks/seqgan_controls.py --table --out benchmarks/results
    python benchmarks/seqgan_controls.py --smoke --out /tmp/seqgan_smoke
"""

import argparse
import ast
import json
import os
import re
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from keras_gans.datasets import text as text_data
from keras_gans.models.seqgan import SeqGAN
from keras_gans.networks import text as text_networks

ARMS = ("mle", "constant", "seqgan")


class ConstantRewardSeqGAN(SeqGAN):
    """The control: Q = 0.5 for every token, D never consulted."""

    def rewards(self, sequences, seed):
        return tf.fill(tf.shape(sequences), 0.5)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, to check the script")
    p.add_argument("--table", action="store_true", help="only print the table of <out>/seqgan_controls.jsonl")
    p.add_argument("--at-round", type=int, default=None, help="--table: the scores after this many rounds")
    p.add_argument("--logs", nargs="*", default=(), help="--table: progress logs of runs still going")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    p.add_argument("--vocab-size", type=int, default=5000)
    p.add_argument("--seq-len", type=int, default=20)
    p.add_argument("--hidden-dim", type=int, default=32)
    p.add_argument("--num-sequences", type=int, default=10_000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--mle-epochs", type=int, default=40)
    p.add_argument("--pretrain-seed", type=int, default=0, help="seed of the MLE pretraining shared by all seeds")
    p.add_argument("--d-pretrain-samples", type=int, default=5000, help="paper: 10,000")
    p.add_argument("--d-pretrain-epochs", type=int, default=1, help="paper: 3")
    p.add_argument("--d-pretrain-repeats", type=int, default=3, help="paper: 50")
    p.add_argument("--rounds", type=int, default=40, help="paper: 200")
    p.add_argument("--rollouts", type=int, default=16)
    p.add_argument("--d-samples", type=int, default=2000, help="paper: 10,000")
    p.add_argument("--d-epochs", type=int, default=1, help="paper: 3")
    p.add_argument("--d-repeats", type=int, default=1, help="paper: 5")
    p.add_argument(
        "--d-learning-rate",
        type=float,
        default=1e-3,
        help="paper: 1e-4 (with ~47k pretraining updates; 1e-3 for the reduced schedule)",
    )
    p.add_argument("--eval-every", type=int, default=10, help="rounds between progress evaluations")
    p.add_argument("--eval-samples", type=int, default=5000)
    p.add_argument("--out", default="benchmarks/results")
    return p.parse_args(argv)


def snapshot(variables):
    return [np.array(v.numpy()) for v in variables]


def restore(variables, values):
    for v, x in zip(variables, values):
        v.assign(x)


def run_seed(args, seed, sizes, d_options, oracle, held_out, out_file):
    keras.utils.set_random_seed(seed)
    data = oracle.dataset(args.batch_size, seed=seed)
    pretrained_file = os.path.join(args.out, f"seqgan_controls_pretrained_{args.mle_epochs}.npz")

    def build(cls=SeqGAN, **options):
        model = cls(
            text_networks.lstm_generator(
                oracle.vocab_size, sizes["embedding_dim"], sizes["hidden_dim"], oracle.seq_len
            ),
            text_networks.text_cnn_discriminator(oracle.vocab_size, oracle.seq_len, **d_options),
            seq_len=oracle.seq_len,
            rollouts=args.rollouts,
            seed=seed,
            **options,
        )
        model.compile(d_optimizer=keras.optimizers.Adam(args.d_learning_rate))  # G: Adam(1e-2), clip 5
        return model

    def scores(model):
        return {
            "nll_oracle": oracle.nll_oracle(model.generate(args.eval_samples, seed=1000 + seed)),
            "nll_test": float(-np.mean(_log_prob(model.generator, held_out))),
        }

    # Shared by the three arms: MLE pretraining (shared by the seeds too, made
    # once with --pretrain-seed and kept in <out>), D pretraining (per seed).
    keras.utils.set_random_seed(seed)
    base = build(
        discriminator_steps=args.d_repeats,
        discriminator_samples=args.d_samples,
        discriminator_epochs=args.d_epochs,
        discriminator_batch_size=args.batch_size,
    )
    start = time.time()
    if not os.path.exists(pretrained_file):
        keras.utils.set_random_seed(args.pretrain_seed)
        pretrain_model = build()
        optimizer = keras.optimizers.Adam(1e-2, global_clipnorm=5.0)
        pretrain_model.pretrain_generator(
            oracle.dataset(args.batch_size, seed=args.pretrain_seed),
            epochs=args.mle_epochs,
            optimizer=optimizer,
            verbose=0,
        )
        arrays = {f"g{i}": w for i, w in enumerate(pretrain_model.generator.get_weights())}
        arrays.update({f"o{i}": v for i, v in enumerate(snapshot(optimizer.variables))})
        np.savez(pretrained_file, minutes=(time.time() - start) / 60, **arrays)
        keras.utils.set_random_seed(seed)
    saved = np.load(pretrained_file)
    base.generator.set_weights([saved[f"g{i}"] for i in range(len(base.generator.weights))])
    base.reset_rollout_generator()
    mle_optimizer = keras.optimizers.Adam(1e-2, global_clipnorm=5.0)  # its state carries on (the mle arm)
    mle_optimizer.build(base.generator.trainable_variables)
    restore(mle_optimizer.variables, [saved[f"o{i}"] for i in range(len(mle_optimizer.variables))])
    mle_minutes = float(saved["minutes"])
    pretrained = scores(base)
    print(f"[seed {seed}] MLE pretraining {args.mle_epochs} epochs ({mle_minutes:.1f} min): {pretrained}", flush=True)
    start = time.time()
    d_history = base.pretrain_discriminator(
        data, samples=args.d_pretrain_samples, epochs=args.d_pretrain_epochs, repeats=args.d_pretrain_repeats
    ).history
    d_minutes = (time.time() - start) / 60
    print(
        f"[seed {seed}] D pretraining ({d_minutes:.1f} min): accuracy per repeat "
        f"{[round(float(a), 3) for a in d_history['d_accuracy']]}",
        flush=True,
    )
    g_weights, d_weights = base.generator.get_weights(), base.discriminator.get_weights()
    mle_state = snapshot(mle_optimizer.variables)

    for arm in args.arms:
        keras.utils.set_random_seed(seed)
        if arm == "seqgan":
            model = base
            model.generator.set_weights(g_weights)
            model.discriminator.set_weights(d_weights)
        elif arm == "constant":
            model = build(ConstantRewardSeqGAN, discriminator_steps=0)
            model.generator.set_weights(g_weights)
        else:
            model = base
            model.generator.set_weights(g_weights)
            restore(mle_optimizer.variables, mle_state)
        curve, d_curve = [], []
        start = time.time()
        done = 0
        while done < args.rounds:
            chunk = min(args.eval_every, args.rounds - done)
            if arm == "mle":
                model.pretrain_generator(
                    data.repeat(), epochs=1, steps_per_epoch=chunk, optimizer=mle_optimizer, verbose=0
                )
            else:
                history = model.fit(data.repeat(), epochs=chunk, steps_per_epoch=1, verbose=0).history
                if "d_accuracy" in history:
                    d_curve += [round(float(a), 4) for a in history["d_accuracy"]]
            done += chunk
            curve.append({"round": done, **scores(model), "minutes": (time.time() - start) / 60})
            print(
                f"[seed {seed} {arm}] {curve[-1]}" + (f" d_accuracy {d_curve[-chunk:]}" if d_curve else ""), flush=True
            )
        record = {
            "seed": seed,
            "arm": arm,
            "pretrained": pretrained,
            "final": curve[-1],
            "curve": curve,
            "d_accuracy": d_curve,
            "d_pretrain_accuracy": d_history["d_accuracy"],
            "mle_pretrain_minutes": mle_minutes,
            "d_pretrain_minutes": d_minutes,
            "arm_minutes": (time.time() - start) / 60,
            "load_average": os.getloadavg(),
            "settings": {**vars(args), **sizes},
        }
        with open(out_file, "a") as f:
            f.write(json.dumps(record) + "\n")


def _log_prob(generator, tokens, batch_size=1000):
    function = tf.function(generator.log_prob, reduce_retracing=True)
    return np.concatenate(
        [function(tf.constant(tokens[i : i + batch_size])).numpy() for i in range(0, len(tokens), batch_size)]
    )


def load_rows(out_file, logs=()):
    """Finished runs from the JSON lines; with `logs` (this script's printed
    progress), also the runs still going, up to their last evaluation."""
    rows = []
    if os.path.exists(out_file):
        with open(out_file) as f:
            rows = [json.loads(line) for line in f]
    done = {(r["seed"], r["arm"]) for r in rows}
    pretrained, partial = {}, {}
    for path in logs:
        with open(path) as f:
            for line in f:
                match = re.match(r"\[seed (\d+)\] MLE pretraining .*?: (\{.*\})$", line.strip())
                if match:
                    pretrained[int(match.group(1))] = ast.literal_eval(match.group(2))
                match = re.match(r"\[seed (\d+) (\w+)\] (\{.*?\})( d_accuracy (\[.*\]))?$", line.strip())
                if match and (int(match.group(1)), match.group(2)) not in done:
                    key = (int(match.group(1)), match.group(2))
                    row = partial.setdefault(
                        key, {"seed": key[0], "arm": key[1], "curve": [], "d_accuracy": [], "partial": True}
                    )
                    row["curve"].append(ast.literal_eval(match.group(3)))
                    if match.group(5):
                        row["d_accuracy"] += ast.literal_eval(match.group(5))
    for (seed, _), row in partial.items():
        if seed in pretrained:
            row["pretrained"] = pretrained[seed]
            row["final"] = row["curve"][-1]
            rows.append(row)
    return rows


def table(out_file, at_round=None, logs=()):
    """The Markdown table: mean and spread over seeds, at the last round (or `at_round`)."""
    rows = []
    for row in load_rows(out_file, logs):
        point = row["final"]
        if at_round is not None:
            points = [c for c in row["curve"] if c["round"] == at_round]
            if not points:
                continue
            point = points[0]
        rows.append({**row, "at": point})
    lines = [
        "| arm | seeds | rounds | NLL-oracle after pretraining | NLL-oracle after the arm | gain | "
        "NLL-test after pretraining | NLL-test after the arm | change |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def stat(values):
        values = np.asarray(values, float)
        return f"{values.mean():.3f} ± {values.std(ddof=1) if len(values) > 1 else 0.0:.3f}"

    gains = {}
    for arm in ARMS:
        runs = sorted((r for r in rows if r["arm"] == arm), key=lambda r: r["seed"])
        if not runs:
            continue
        before = [r["pretrained"]["nll_oracle"] for r in runs]
        after = [r["at"]["nll_oracle"] for r in runs]
        test_before = [r["pretrained"]["nll_test"] for r in runs]
        test_after = [r["at"]["nll_test"] for r in runs]
        gains[arm] = {r["seed"]: b - a for r, b, a in zip(runs, before, after)}
        rounds = sorted({r["at"]["round"] for r in runs})
        lines.append(
            f"| {arm} | {', '.join(str(r['seed']) for r in runs)} | {', '.join(map(str, rounds))} | {stat(before)} | "
            f"{stat(after)} | {stat(np.subtract(before, after))} | {stat(test_before)} | {stat(test_after)} | "
            f"{stat(np.subtract(test_after, test_before))} |"
        )
    lines.append("")
    lines.append("mean ± sample standard deviation over seeds; gain = before - after (positive: better);")
    lines.append("change of NLL-test = after - before (positive: G lost coverage of held-out real sequences).")
    for control in ("mle", "constant"):
        paired = [
            gains["seqgan"][s] - gains[control][s] for s in gains.get("seqgan", {}) if s in gains.get(control, {})
        ]
        if paired:
            lines.append(f"SeqGAN's gain minus {control}'s, paired by seed: {stat(paired)} ({len(paired)} seeds)")
    for r in rows:
        if r["arm"] == "seqgan" and r["d_accuracy"]:
            acc = r["d_accuracy"]
            lines.append(
                f"seed {r['seed']}: D accuracy in the rounds, first {acc[0]:.3f}, last {acc[-1]:.3f}"
                + (" (run still going)" if r.get("partial") else "")
            )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    out_file = os.path.join(args.out, "seqgan_controls.jsonl")
    if args.table:
        print(table(out_file, args.at_round, args.logs))
        return
    if args.smoke:
        args.vocab_size, args.seq_len, args.hidden_dim, args.num_sequences = 50, 6, 8, 512
        args.mle_epochs, args.rounds, args.rollouts, args.eval_every, args.eval_samples = 2, 2, 2, 1, 200
        args.d_pretrain_samples, args.d_pretrain_repeats, args.d_samples = 256, 1, 128
        d_options = dict(embedding_dim=8, filter_widths=(1, 2, 3), filter_counts=(8, 8, 8))
    else:
        d_options = {}  # the paper's discriminator
    sizes = dict(
        vocab_size=args.vocab_size,
        seq_len=args.seq_len,
        embedding_dim=args.hidden_dim,
        hidden_dim=args.hidden_dim,
        num_sequences=args.num_sequences,
    )
    oracle = text_data.oracle(**sizes)
    held_out = oracle.sample(args.eval_samples, seed=4242)  # never trained on
    print(f"oracle {sizes}; NLL-oracle of its own samples {oracle.nll_oracle(held_out):.3f}", flush=True)
    for seed in args.seeds:
        run_seed(args, seed, sizes, d_options, oracle, held_out, out_file)
    print(table(out_file))


if __name__ == "__main__":
    main(sys.argv[1:])
