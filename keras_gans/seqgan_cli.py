"""`keras-gans seqgan train | sample | evaluate`: SeqGAN on a text file or the oracle.

The other models train on images or vectors through `keras-gans train`; SeqGAN
trains on token sequences in three phases (algorithm 1 of the paper: maximum
likelihood pretraining of G, pretraining of D, adversarial rounds), so it has
its own subcommand. Its run directory:

    RUN_DIR/run.json        the arguments, so `sample` and `evaluate` rebuild the data
    RUN_DIR/model.keras     the trained SeqGAN (after the adversarial rounds)
    RUN_DIR/tokenizer.json  the vocabulary (text files)
    RUN_DIR/history.csv     the adversarial rounds' logs; loss_curve.png their plot
    RUN_DIR/samples.txt     decoded samples (token ids for the oracle)

`keras-gans train seqgan --dataset FILE|oracle`, `keras-gans sample RUN_DIR` and
`keras-gans evaluate RUN_DIR` come here too, with the defaults below.
"""

import json
import os
import time

RUN_FILE = "run.json"
CHECKPOINT = "model.keras"
TOKENIZER = "tokenizer.json"
ORACLE = "oracle"
# The paper's oracle: vocabulary 5,000, length 20, embedding and hidden size 32,
# 10,000 sequences, seed 88 (datasets.oracle's defaults).
ORACLE_SEED = 88


def add_parser(sub):
    """Add `seqgan` and its train / sample / evaluate actions to the CLI's subparsers."""
    seqgan = sub.add_parser("seqgan", help="SeqGAN on a text file or the oracle: train, sample, evaluate")
    actions = seqgan.add_subparsers(dest="action", required=True)

    train = actions.add_parser("train", help="pretrain G (MLE) and D, then adversarial rounds; writes a run directory")
    train.add_argument("--data", default=ORACLE, help="a UTF-8 text file, or 'oracle' (the paper's synthetic LSTM)")
    train.add_argument("--out", required=True, help="the run directory")
    train.add_argument("--level", choices=("word", "char"), default="word", help="text: tokens are words or characters")
    train.add_argument(
        "--unit", choices=("line", "sentence"), default="line", help="text: one text per line or sentence"
    )
    train.add_argument("--seq-len", type=int, default=20, help="tokens per sequence (text: <end> included)")
    train.add_argument("--max-vocab", type=int, default=5000, help="text: vocabulary cap, special tokens included")
    train.add_argument("--vocab-size", type=int, default=5000, help="oracle: its vocabulary")
    train.add_argument("--num-sequences", type=int, default=10_000, help="oracle: its training sequences")
    train.add_argument("--embedding-dim", type=int, default=32, help="G's embedding size (and the oracle's)")
    train.add_argument("--hidden-dim", type=int, default=32, help="G's LSTM size (and the oracle's)")
    train.add_argument(
        "--small-discriminator",
        action="store_true",
        help="a small text CNN (embedding 8, widths 1-3, 8 filters each) instead of the paper's",
    )
    train.add_argument("--mle-epochs", type=int, default=50, help="maximum-likelihood pretraining epochs of G")
    train.add_argument("--d-pretrain-epochs", type=int, default=3, help="pretraining epochs of D")
    train.add_argument("--rounds", type=int, default=200, help="adversarial rounds (one batch each)")
    train.add_argument("--rollouts", type=int, default=16, help="Monte Carlo completions per prefix (N)")
    train.add_argument("--discriminator-steps", type=int, default=5, help="D updates per round")
    train.add_argument(
        "--d-learning-rate", type=float, default=1e-4, help="D's Adam learning rate (G: Adam(1e-2), clip 5)"
    )
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--tensorboard",
        action="store_true",
        help="log the adversarial rounds to OUT/tensorboard (needs keras-gans[tensorboard])",
    )
    train.add_argument("--verbose", type=int, default=2, help="0 silent, 1 progress bar, 2 one line per epoch")

    sample = actions.add_parser("sample", help="print and write samples of a SeqGAN run")
    sample.add_argument("run_dir")
    sample.add_argument("-n", "--num-samples", type=int, default=10)
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default=None, help="text file (default: RUN_DIR/samples.txt)")

    evaluate = actions.add_parser("evaluate", help="BLEU against held-out text, or NLL-oracle")
    evaluate.add_argument("run_dir")
    evaluate.add_argument(
        "--num-samples",
        type=int,
        default=None,
        help="generated sequences (default 500 for BLEU, 10,000 for NLL-oracle)",
    )
    evaluate.add_argument("--seed", type=int, default=0)
    return seqgan


COMMAND = "seqgan"  # the subcommand `add_parser` adds


def main(args):
    """`keras-gans seqgan ACTION ...`."""
    return {"train": train, "sample": sample, "evaluate": evaluate}[args.action](args)


def train_from_cli(args):
    """`keras-gans train seqgan ...`: `seqgan train` with the shared options mapped."""
    return train(from_train_args(args))


def sample_from_cli(args):
    """`keras-gans sample RUN_DIR` of a SeqGAN run: decoded samples at temperature 1."""
    args.temperature, args.out = 1.0, getattr(args, "out", None)
    return sample(args)


def evaluate_from_cli(args):
    """`keras-gans evaluate RUN_DIR` of a SeqGAN run: NLL-oracle or BLEU (its --num-samples)."""
    return evaluate(args)


def from_train_args(args):
    """`keras-gans train seqgan ...`: the `seqgan train` arguments with the shared options mapped."""
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    mapped = parser.parse_args(["seqgan", "train", "--data", args.dataset or ORACLE, "--out", str(args.out)])
    mapped.rounds, mapped.batch_size, mapped.seed, mapped.verbose = (
        args.epochs,
        args.batch_size,
        args.seed,
        args.verbose,
    )
    mapped.tensorboard = getattr(args, "tensorboard", False)
    for option in ("loss", "latent_dim", "image_size", "ema_decay", "steps_per_epoch", "resume"):
        if getattr(args, option, None):
            raise ValueError(
                f"--{option.replace('_', '-')} does not apply to seqgan; see `keras-gans seqgan train --help`."
            )
    return mapped


def _read_run(run_dir):
    path = os.path.join(str(run_dir), RUN_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{run_dir!r} is not a run directory (no {RUN_FILE}).")
    with open(path) as f:
        run = json.load(f)
    if run.get("model") != "seqgan":
        raise ValueError(f"{run_dir!r} is a {run.get('model')} run, not a SeqGAN run.")
    return run


def load_data(run):
    """(Oracle or TextData, tokenizer or None) of a run's settings; the same split every time."""
    from keras_gans.datasets import text as text_data

    if run["data"] == ORACLE:
        oracle = text_data.oracle(
            vocab_size=run["vocab_size"],
            seq_len=run["seq_len"],
            embedding_dim=run["embedding_dim"],
            hidden_dim=run["hidden_dim"],
            num_sequences=run["num_sequences"],
            seed=ORACLE_SEED,
        )
        return oracle, None
    data = text_data.text_file(
        run["data"],
        level=run["level"],
        unit=run["unit"],
        seq_len=run["seq_len"],
        max_vocab=run["max_vocab"],
        seed=run["seed"],
    )
    return data, data.tokenizer


def train(args):
    import keras

    from keras_gans import callbacks
    from keras_gans.models.seqgan import SeqGAN
    from keras_gans.networks import text as text_networks

    if args.data != ORACLE and not os.path.isfile(args.data):
        raise FileNotFoundError(f"--data {args.data!r}: expected a text file or 'oracle'.")
    if os.path.exists(os.path.join(args.out, CHECKPOINT)):
        raise ValueError(f"{args.out} already holds a run; choose another --out.")
    os.makedirs(args.out, exist_ok=True)
    run = {k: v for k, v in vars(args).items() if k not in ("command", "action", "out", "verbose", "tensorboard")}
    run["model"], run["model_class"] = "seqgan", "SeqGAN"
    if run["data"] != ORACLE:
        run["data"] = os.path.abspath(run["data"])
    keras.utils.set_random_seed(args.seed)
    start = time.time()
    data, tokenizer = load_data(run)
    sequences = data.sequences if tokenizer is None else data.train
    if len(sequences) < args.batch_size:
        raise ValueError(
            f"{args.data}: {len(sequences)} training sequences, fewer than --batch-size {args.batch_size}."
        )
    print(
        f"{args.data}: {len(sequences)} training sequences of {data.seq_len} tokens, vocabulary {data.vocab_size}",
        flush=True,
    )
    small = dict(embedding_dim=8, filter_widths=(1, 2, 3), filter_counts=(8, 8, 8)) if args.small_discriminator else {}
    model = SeqGAN(
        text_networks.lstm_generator(
            data.vocab_size,
            args.embedding_dim,
            args.hidden_dim,
            data.seq_len,
            start_token=tokenizer.pad_id if tokenizer else 0,
        ),
        text_networks.text_cnn_discriminator(data.vocab_size, data.seq_len, **small),
        seq_len=data.seq_len,
        rollouts=args.rollouts,
        discriminator_steps=args.discriminator_steps,
        seed=args.seed,
    )
    model.compile(d_optimizer=keras.optimizers.Adam(args.d_learning_rate))
    with open(os.path.join(args.out, RUN_FILE), "w") as f:
        json.dump(run, f, indent=2)
    if tokenizer is not None:
        tokenizer.save(os.path.join(args.out, TOKENIZER))
    dataset = data.dataset(args.batch_size, seed=args.seed)

    print(f"1/3 maximum-likelihood pretraining of G, {args.mle_epochs} epochs", flush=True)
    model.pretrain_generator(dataset, epochs=args.mle_epochs, verbose=args.verbose)
    print(f"2/3 pretraining of D, {args.d_pretrain_epochs} epochs", flush=True)
    model.pretrain_discriminator(dataset, epochs=args.d_pretrain_epochs, verbose=args.verbose)
    print(f"3/3 adversarial rounds: {args.rounds}", flush=True)
    cbs = [
        callbacks.StopOnNaN(),
        keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv")),
        callbacks.LossCurve(os.path.join(args.out, "loss_curve.png")),
    ]
    if args.tensorboard:
        cbs.append(
            callbacks.GANTensorBoard(
                os.path.join(args.out, "tensorboard"),
                num_samples=8,
                sample_fn=lambda m, n, seed: _decode(m.generate(n, seed=seed), tokenizer),
            )
        )
    model.fit(dataset.repeat(), epochs=args.rounds, steps_per_epoch=1, callbacks=cbs, verbose=args.verbose)
    model.save(os.path.join(args.out, CHECKPOINT))
    samples = _write_samples(model, tokenizer, os.path.join(args.out, "samples.txt"), 10, seed=0)
    print(f"trained SeqGAN in {time.time() - start:.0f} s; run directory: {args.out}")
    for line in samples[:5]:
        print(f"    {line}")
    return 0


def _decode(tokens, tokenizer):
    if tokenizer is None:
        return [" ".join(str(int(t)) for t in row) for row in tokens]
    return list(tokenizer.decode(tokens))


def _write_samples(model, tokenizer, path, num_samples, seed, temperature=1.0):
    lines = _decode(model.generate(num_samples, temperature=temperature, seed=seed), tokenizer)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def _load(run_dir):
    import keras

    from keras_gans.datasets import text as text_data

    run = _read_run(run_dir)
    model = keras.models.load_model(os.path.join(str(run_dir), CHECKPOINT))
    tokenizer_path = os.path.join(str(run_dir), TOKENIZER)
    tokenizer = text_data.Tokenizer.load(tokenizer_path) if os.path.exists(tokenizer_path) else None
    return run, model, tokenizer


def sample(args):
    _, model, tokenizer = _load(args.run_dir)
    out = args.out or os.path.join(str(args.run_dir), "samples.txt")
    lines = _write_samples(model, tokenizer, out, args.num_samples, args.seed, args.temperature)
    for line in lines:
        print(line)
    print(f"wrote {len(lines)} samples to {out}")
    return 0


def evaluate(args):
    run, model, tokenizer = _load(args.run_dir)
    data, _ = load_data(run)
    if run["data"] == ORACLE:
        num_samples = args.num_samples or 10_000
        score = data.nll_oracle(model.generate(num_samples, seed=args.seed))
        print("metric      value")
        print(f"nll_oracle  {score:.4f}")
        print("protocol:")
        print(
            f"  {num_samples} samples (seed {args.seed}) scored by the oracle LSTM (vocabulary {run['vocab_size']}, "
            f"length {run['seq_len']}, seed {ORACLE_SEED}); nats per token, lower is better "
            "(paper, table 1: random 10.310, MLE 9.038, SeqGAN 8.736)"
        )
        return 0
    num_samples = args.num_samples or 500
    samples = model.generate(num_samples, seed=args.seed)
    print("metric  value")
    for order in (2, 3, 4):
        print(f"bleu{order}   {data.bleu(samples, max_order=order):.4f}")
    print("protocol:")
    print(
        f"  {num_samples} samples (seed {args.seed}) against the {len(data.test)} held-out sequences of "
        f"{run['data']} ({run['level']} level, the run's split); higher is better"
    )
    return 0
