"""SeqGAN on the synthetic oracle of the paper: NLL-oracle of random, MLE and SeqGAN.

The real data are 10,000 sequences (vocabulary 5,000, length 20) sampled from
an LSTM whose weights are drawn from N(0, 1); a generator is scored by
NLL-oracle, the oracle's average negative log-likelihood of its samples
(Yu et al. 2017, table 1: random 10.310, MLE 9.038, SeqGAN 8.736).

    python examples/seqgan_oracle.py                  # the paper's schedule: GPU-scale (days on this 2-core CPU)
    python examples/seqgan_oracle.py --mle-epochs 15 --d-pretrain-repeats 3 --d-pretrain-epochs 1 \
        --d-samples 2000 --d-epochs 1 --d-repeats 1 --d-learning-rate 1e-3 --adversarial-minutes 8
    python examples/seqgan_oracle.py --paper-d-schedule=off --discriminator-steps 5   # D: 5 minibatches per round
    python examples/seqgan_oracle.py --smoke          # a tiny run in well under a minute

The defaults are the paper's code (LantaoYu/SeqGAN): 120 MLE epochs; D
pretrained 50 times on 10,000 fresh samples and the 10,000 real sequences,
3 epochs each (about 46,900 minibatches); 200 rounds of one G update and 5 x 3
epochs of D on 10,000 fresh samples (about 4,690 minibatches per round). For
a CPU-sized comparison against controls see benchmarks/seqgan_controls.py.

Progress is printed as it goes; the numbers, the per-round timing and the
trained model are written under --output.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gans.datasets import text as text_data  # noqa: E402
from keras_gans.models.seqgan import SeqGAN  # noqa: E402
from keras_gans.networks import text as text_networks  # noqa: E402

START = time.time()
PAPER = {"random": 10.310, "mle": 9.038, "seqgan": 8.736}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny oracle and networks, a few steps")
    p.add_argument("--mle-epochs", type=int, default=120, help="MLE pretraining epochs (paper's code: 120)")
    p.add_argument(
        "--paper-d-schedule",
        choices=("on", "off"),
        default="on",
        help="on: D trains on fresh sample sets (--d-pretrain-*, --d-samples/epochs/repeats); "
        "off: --discriminator-steps minibatches per round, --d-pretrain-epochs passes over the data",
    )
    p.add_argument(
        "--d-pretrain-samples", type=int, default=10_000, help="fresh samples per D pretraining repeat (paper: 10,000)"
    )
    p.add_argument("--d-pretrain-epochs", type=int, default=3, help="D pretraining epochs per repeat (paper: 3)")
    p.add_argument("--d-pretrain-repeats", type=int, default=50, help="D pretraining repeats (paper: 50)")
    p.add_argument("--d-pretrain-steps", type=int, default=None, help="off-schedule: this many D pretraining steps")
    p.add_argument(
        "--d-samples", type=int, default=10_000, help="fresh samples per D repeat in a round (paper: 10,000)"
    )
    p.add_argument("--d-epochs", type=int, default=3, help="D epochs per repeat in a round (paper: 3)")
    p.add_argument("--d-repeats", type=int, default=5, help="D repeats per round (paper: 5)")
    p.add_argument("--rounds", type=int, default=200, help="adversarial rounds (paper's code: 200)")
    p.add_argument(
        "--adversarial-minutes", type=float, default=None, help="stop the adversarial phase after this wall time"
    )
    p.add_argument("--rollouts", type=int, default=16)
    p.add_argument("--discriminator-steps", type=int, default=5, help="off-schedule: D updates per round")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--d-learning-rate",
        type=float,
        default=1e-4,
        help="D's Adam learning rate (paper: 1e-4, with ~47k pretraining steps; 1e-3 separates in ~200)",
    )
    p.add_argument("--eval-every", type=int, default=5, help="NLL-oracle every N epochs / rounds")
    p.add_argument("--eval-samples", type=int, default=2000, help="samples per progress evaluation")
    p.add_argument("--final-samples", type=int, default=10_000, help="samples for the reported numbers")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", default="runs/seqgan_oracle")
    return p.parse_args(argv)


class Progress(keras.callbacks.Callback):
    """Print the logs, wall and CPU time of every epoch/round, and NLL-oracle every N."""

    def __init__(self, phase, evaluate, every, log):
        super().__init__()
        self.phase, self.evaluate, self.every, self.log = phase, evaluate, every, log
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._wall, self._cpu = time.time(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        wall, cpu = time.time() - self._wall, time.process_time() - self._cpu
        self.times.append({"wall": wall, "cpu": cpu})
        line = f"[{self.phase} {epoch + 1}] " + " ".join(f"{k}={float(v):.4f}" for k, v in (logs or {}).items())
        line += f" ({wall:.1f}s wall, {cpu:.1f}s cpu, {(time.time() - START) / 60:.1f} min in all)"
        if self.evaluate is not None and (epoch + 1) % self.every == 0:
            nll = self.evaluate()
            self.log.append({"phase": self.phase, "epoch": epoch + 1, "nll_oracle": nll})
            line += f"  NLL-oracle={nll:.3f}"
        print(line, flush=True)


class TimeLimit(keras.callbacks.Callback):
    def __init__(self, minutes):
        super().__init__()
        self.seconds = None if minutes is None else 60.0 * minutes

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if self.seconds is not None and time.time() - self.start > self.seconds:
            print(f"time limit reached after {epoch + 1} rounds", flush=True)
            self.model.stop_training = True


def main(argv=None):
    args = parse_args(argv)
    if args.smoke:
        sizes = dict(vocab_size=100, seq_len=8, embedding_dim=8, hidden_dim=8, num_sequences=256)
        d_options = dict(embedding_dim=8, filter_widths=(1, 2, 3), filter_counts=(8, 8, 8))
        args.mle_epochs, args.d_pretrain_epochs, args.rounds = 2, 1, 2
        args.rollouts, args.discriminator_steps, args.batch_size = 2, 1, 32
        args.d_pretrain_samples, args.d_pretrain_repeats, args.d_samples, args.d_epochs, args.d_repeats = (
            128,
            1,
            64,
            1,
            1,
        )
        args.eval_every, args.eval_samples, args.final_samples = 1, 64, 128
    else:
        sizes = dict(vocab_size=5000, seq_len=20, embedding_dim=32, hidden_dim=32, num_sequences=10_000)
        d_options = {}  # the paper's discriminator
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    start = time.time()

    oracle = text_data.oracle(**sizes)
    data = oracle.dataset(args.batch_size, seed=args.seed)
    print(
        f"oracle: {oracle.sequences.shape[0]} sequences, vocabulary {oracle.vocab_size}, length {oracle.seq_len} "
        f"({time.time() - start:.0f}s)",
        flush=True,
    )
    print(
        f"NLL-oracle of the oracle's own samples (its entropy rate): "
        f"{oracle.nll_oracle(oracle.sample(args.eval_samples, seed=1)):.3f}",
        flush=True,
    )

    paper = args.paper_d_schedule == "on"
    if paper:
        paper_schedule = dict(
            discriminator_steps=args.d_repeats,
            discriminator_samples=args.d_samples,
            discriminator_epochs=args.d_epochs,
            discriminator_batch_size=args.batch_size,
        )
    else:
        paper_schedule = dict(discriminator_steps=args.discriminator_steps)
    model = SeqGAN(
        text_networks.lstm_generator(oracle.vocab_size, sizes["embedding_dim"], sizes["hidden_dim"], oracle.seq_len),
        text_networks.text_cnn_discriminator(oracle.vocab_size, oracle.seq_len, **d_options),
        seq_len=oracle.seq_len,
        rollouts=args.rollouts,
        seed=args.seed,
        **paper_schedule,
    )
    model.compile(d_optimizer=keras.optimizers.Adam(args.d_learning_rate))  # G: Adam(1e-2), clip 5
    history = []

    def nll(num_samples, seed=7):
        return oracle.nll_oracle(model.generate(num_samples, seed=seed))

    results = {"random": nll(args.final_samples)}
    print(f"NLL-oracle, untrained generator: {results['random']:.3f}", flush=True)

    phase_start = time.time()
    model.pretrain_generator(
        data,
        epochs=args.mle_epochs,
        verbose=0,
        callbacks=[Progress("mle", lambda: nll(args.eval_samples), args.eval_every, history)],
    )
    results["mle"] = nll(args.final_samples)
    results["mle_minutes"] = (time.time() - phase_start) / 60
    print(f"NLL-oracle after {args.mle_epochs} MLE epochs: {results['mle']:.3f}", flush=True)

    phase_start = time.time()
    if paper:
        d_history = model.pretrain_discriminator(
            data, samples=args.d_pretrain_samples, epochs=args.d_pretrain_epochs, repeats=args.d_pretrain_repeats
        ).history
        print(f"D pretraining: accuracy per repeat {[round(float(a), 3) for a in d_history['d_accuracy']]}", flush=True)
    else:
        if args.d_pretrain_steps:
            d_schedule = dict(x=data.repeat(), epochs=1, steps_per_epoch=args.d_pretrain_steps)
        else:
            d_schedule = dict(x=data, epochs=args.d_pretrain_epochs)
        model.pretrain_discriminator(**d_schedule, verbose=0, callbacks=[Progress("d-pretrain", None, 1, history)])
    results["d_pretrain_minutes"] = (time.time() - phase_start) / 60

    progress = Progress("round", lambda: nll(args.eval_samples), args.eval_every, history)
    phase_start = time.time()
    model.fit(
        data.repeat(),
        epochs=args.rounds,
        steps_per_epoch=1,
        verbose=0,
        callbacks=[progress, TimeLimit(args.adversarial_minutes)],
    )
    rounds = len(progress.times)
    results["seqgan"] = nll(args.final_samples)
    results["rounds"] = rounds
    results["adversarial_minutes"] = (time.time() - phase_start) / 60
    steady = progress.times[1:] or progress.times  # the first round includes tracing
    results["round_seconds_wall"] = float(np.median([t["wall"] for t in steady]))
    results["round_seconds_cpu"] = float(np.median([t["cpu"] for t in steady]))
    results["total_minutes"] = (time.time() - start) / 60
    results["load_average"] = os.getloadavg()
    results["settings"] = {**vars(args), **sizes}
    results["history"] = history

    print("\nNLL-oracle (lower is better)        this run   paper")
    for key, label in (("random", "random (untrained G)"), ("mle", "MLE"), ("seqgan", "SeqGAN")):
        print(f"  {label:<32} {results[key]:8.3f}  {PAPER[key]:6.3f}")
    d_note = (
        f"D {args.d_repeats} x {args.d_epochs} epochs on {args.d_samples} fresh samples"
        if paper
        else f"{args.discriminator_steps} D steps"
    )
    print(
        f"adversarial rounds: {rounds}; one round (batch {args.batch_size}, rollouts {args.rollouts}, "
        f"{d_note}): {results['round_seconds_wall']:.1f}s wall, "
        f"{results['round_seconds_cpu']:.1f}s CPU; load average {results['load_average'][0]:.1f}"
    )
    print(
        f"SeqGAN {'lowered' if results['seqgan'] < results['mle'] else 'did NOT lower'} NLL-oracle below MLE "
        f"({results['mle']:.3f} -> {results['seqgan']:.3f}); total {results['total_minutes']:.1f} min"
    )
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    model.save(os.path.join(args.output, "seqgan.keras"))
    print(f"wrote {args.output}/results.json and {args.output}/seqgan.keras")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
