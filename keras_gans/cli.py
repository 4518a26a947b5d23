"""The `keras-gans` command line: list, train, sample, export, evaluate, demo.

The zoo (keras_gans/zoo.py) says how each model is built, loaded, sampled and
evaluated; a model that trains outside `fit` (on token sequences) has a
`Runner` in its entry, which may add a subcommand of its own. The CLI names no
model but the demo's.

A run directory holds everything of one training run:

    RUN_DIR/run.json        the arguments, so `--resume` and `sample` rebuild it
    RUN_DIR/model.keras     the checkpoint (model, both optimizers), every epoch
    RUN_DIR/history.csv     the per-epoch logs
    RUN_DIR/loss_curve.png  the losses so far
    RUN_DIR/samples/        a sample grid per epoch (fixed latents)
"""

import argparse
import csv
import json
import os
import sys
import time

RUN_FILE = "run.json"
CHECKPOINT = "model.keras"
HISTORY = "history.csv"


def _parser():
    parser = argparse.ArgumentParser(
        prog="keras-gans",
        description="Generative adversarial networks for TensorFlow and Keras 3.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the models, games and datasets")

    train = sub.add_parser("train", help="train a model, writing a run directory")
    train.add_argument("model", help="a model name from `keras-gans list`")
    train.add_argument("--dataset", help="embedded set, TFDS name or image folder (default: the model's)")
    train.add_argument("--out", required=True, help="the run directory")
    train.add_argument("--epochs", type=int, default=10, help="total epochs (with --resume: to reach)")
    train.add_argument("--batch-size", type=int, default=64, help="the global batch size")
    train.add_argument("--loss", help="the game (default: the model's)")
    train.add_argument("--latent-dim", type=int)
    train.add_argument("--image-size", type=int, help="resize images to this size")
    train.add_argument("--learning-rate", type=float, help="both players' learning rate")
    train.add_argument("--ema-decay", type=float, help="keep a moving average of G's weights")
    train.add_argument("--steps-per-epoch", type=int)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--samples-every", type=int, default=1, help="write a sample grid every N epochs")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train.add_argument(
        "--strategy", default="auto", help="auto, one_device, mirrored, multi_worker, tpu (see docs/distributed.md)"
    )
    train.add_argument("--precision", default=None, help="float32, mixed_float16 or mixed_bfloat16")
    train.add_argument(
        "--jit-compile", default="auto", choices=("auto", "on", "off"), help="XLA (auto: on a single GPU)"
    )
    train.add_argument(
        "--steps-per-execution",
        type=int,
        default=1,
        help="training steps per call of the compiled step (Keras' steps_per_execution): small models run "
        "at a bare loop's speed with 16 or more (docs/benchmarks.md); callbacks then see every Nth step",
    )
    train.add_argument("--verbose", type=int, default=1, help="0 silent, 1 progress bar, 2 one line per epoch")
    train.add_argument(
        "--tensorboard",
        action="store_true",
        help="write TensorBoard logs to OUT/tensorboard: losses, learning rates, sample grids "
        "(needs keras-gans[tensorboard])",
    )
    train.add_argument(
        "--tensorboard-update-freq", default="epoch", help="'epoch', or log the losses every N batches too"
    )

    export = sub.add_parser("export", help="export a run's generator as SavedModel and TFLite")
    export.add_argument("run_dir")
    export.add_argument("--to", required=True, help="the export directory")
    export.add_argument("--formats", default="saved_model,tflite", help="saved_model, tflite (comma-separated)")
    export.add_argument("--quantize", default=None, help="float32, float16, dynamic (comma-separated; default float32)")
    export.add_argument("--version", type=int, default=1, help="the SavedModel version folder")
    export.add_argument("--overwrite", action="store_true", help="replace an existing export of that version")

    sample = sub.add_parser("sample", help="write a grid of samples from a run or an export")
    sample.add_argument("run_dir", help="a run directory, an export directory or a .tflite file")
    sample.add_argument("-n", "--num-samples", type=int, default=64)
    sample.add_argument("--out", default=None, help="PNG path (default: RUN_DIR/samples.png)")
    sample.add_argument("--seed", type=int, default=0)

    evaluate = sub.add_parser("evaluate", help="sample-quality metrics of a run, printed with their protocol")
    evaluate.add_argument("run_dir")
    evaluate.add_argument(
        "--metrics", default="fid,kid,is", help="comma-separated: fid, kid, is, mode_score, precision, recall, one_nn"
    )
    evaluate.add_argument(
        "--num-samples", type=int, default=2000, help="generated images (every real image of --split is used)"
    )
    evaluate.add_argument(
        "--features",
        default="domain",
        choices=("domain", "fid_inception", "inception"),
        help="domain: a small classifier trained on the labelled real data (offline; comparable only "
        "with itself); fid_inception: the FID Inception network with pytorch-fid's published weights "
        "(downloaded once; the features of published FIDs); inception: keras.applications InceptionV3 "
        "ImageNet weights (NOT comparable with published FID)",
    )
    evaluate.add_argument("--dataset", help="the real data (default: the run's)")
    evaluate.add_argument("--split", default="test", help="the real data's reference split (all of it is used)")
    evaluate.add_argument(
        "--seed", type=int, default=0, help="seeds the generated samples (a seed per batch derived from it)"
    )

    from keras_gans import zoo

    for entry in zoo.MODELS.values():
        if entry.runner is not None and entry.runner.command:
            entry.runner.add_parser(sub)

    demo = sub.add_parser("demo", help="train DCGAN on the embedded MNIST digits, offline, in a few minutes")
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--export-dir", default="exported/demo")
    demo.add_argument(
        "--dataset",
        default="mnist5k",
        choices=tuple(DEMO_EPOCHS),
        help="mnist5k: 28x28 MNIST, with the MNIST Frechet distance per epoch; digits: the former 16x16 demo",
    )
    demo.add_argument("--epochs", type=int, help="default: 40 on mnist5k, 60 on digits")
    return parser


# Measured on 2 CPU cores: see the README.
DEMO_EPOCHS = {"mnist5k": 40, "digits": 60}


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if getattr(args, "tensorboard", False):  # before the data and the model are built
            from keras_gans.callbacks import require_tensorboard

            try:
                require_tensorboard()
            except ImportError as e:
                raise RuntimeError(str(e)) from e
        runner = _runner(args)
        if runner is not None:  # a model that trains, samples and evaluates itself
            return runner.main(args) if args.command == runner.command else getattr(runner, args.command)(args)
        commands = {
            "list": cmd_list,
            "train": cmd_train,
            "sample": cmd_sample,
            "export": cmd_export,
            "evaluate": cmd_evaluate,
            "demo": cmd_demo,
        }
        return commands[args.command](args)
    except (ValueError, FileNotFoundError, FileExistsError, RuntimeError, FloatingPointError) as e:
        print(f"keras-gans {args.command}: error: {e}", file=sys.stderr)
        return 2


def _runner(args):
    """The zoo Runner of the model this command is about, or None (the fit loop's models)."""
    from keras_gans import zoo

    if args.command == "train":
        entry = zoo.MODELS.get(args.model)
        return entry.runner if entry else None
    if args.command in ("sample", "evaluate"):
        path = os.path.join(str(args.run_dir), RUN_FILE)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            entry = zoo.MODELS.get(json.load(f).get("model"))
        return entry.runner if entry else None
    for entry in zoo.MODELS.values():
        if entry.runner is not None and entry.runner.command == args.command:
            return entry.runner
    return None


def cmd_list(args):
    from keras_gans import datasets, losses, zoo

    print("models:")
    for name, entry in zoo.MODELS.items():
        print(f"  {name:<12} {entry.description} (default dataset: {entry.default_dataset})")
    print("games (--loss):")
    print("  " + ", ".join(losses.GAMES))
    print("datasets (--dataset):")
    print("  embedded, offline: " + ", ".join(datasets.available()))
    print("  any TFDS image dataset (mnist, fashion_mnist, cifar10, celeb_a, ...; downloads once)")
    print("  a folder of images")
    return 0


def _read_run(run_dir):
    path = os.path.join(run_dir, RUN_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{run_dir!r} is not a run directory (no {RUN_FILE}).")
    with open(path) as f:
        return json.load(f)


def _epochs_done(run_dir):
    path = os.path.join(run_dir, HISTORY)
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return sum(1 for _ in csv.DictReader(f))


def cmd_train(args):
    import keras

    from keras_gans import callbacks, distribute, zoo

    # First: a multi-worker strategy must exist before any TensorFlow op runs.
    jit = {"auto": None, "on": True, "off": False}[args.jit_compile]
    strategy, compile_kwargs = distribute.configure(args.strategy, args.precision, jit)
    if args.steps_per_execution < 1:
        raise ValueError(f"--steps-per-execution must be a positive integer, got {args.steps_per_execution}.")
    if args.steps_per_execution > 1:
        from keras_gans.models._base import check_steps_per_execution

        check_steps_per_execution(args.steps_per_epoch, args.steps_per_execution)
        compile_kwargs = {**compile_kwargs, "steps_per_execution": args.steps_per_execution}
    os.makedirs(args.out, exist_ok=True)
    if args.resume:
        run = _read_run(args.out)
        checkpoint = os.path.join(args.out, CHECKPOINT)
        if not os.path.exists(checkpoint):
            raise FileNotFoundError(f"No checkpoint to resume from at {checkpoint}.")
        run["epochs"] = args.epochs
    else:
        if os.path.exists(os.path.join(args.out, CHECKPOINT)):
            raise ValueError(f"{args.out} already holds a run; pass --resume to continue it or choose another --out.")
        if args.model not in zoo.MODELS:
            raise ValueError(f"Unknown model {args.model!r}. Expected one of: {', '.join(zoo.MODELS)}.")
        run = {
            k: v
            for k, v in vars(args).items()
            if k
            not in (
                "command",
                "resume",
                "out",
                "verbose",
                "strategy",
                "precision",
                "jit_compile",
                "steps_per_execution",
                "tensorboard",
                "tensorboard_update_freq",
            )
        }
        run["dataset"] = run["dataset"] or zoo.MODELS[args.model].default_dataset

    data = zoo.load_data(
        run["model"], run["dataset"], batch_size=run["batch_size"], image_size=run["image_size"], seed=run["seed"]
    )
    spec = data.element_spec
    images = _is_image_spec(spec)
    scope = strategy.scope()
    scope.__enter__()
    if args.resume:
        model = load_checkpoint(checkpoint, run)
        initial_epoch = _epochs_done(args.out)
    else:
        options = {
            "latent_dim": run["latent_dim"],
            "seed": run["seed"],
            "ema_decay": run["ema_decay"],
        }
        if run["loss"]:
            options["loss"] = run["loss"]
        if run["learning_rate"]:
            options["learning_rate"] = run["learning_rate"]
        model = zoo.build(run["model"], spec, dataset=run["dataset"], **options)
        run["model_class"] = type(model).__name__
        with open(os.path.join(args.out, RUN_FILE), "w") as f:
            json.dump(run, f, indent=2)
        initial_epoch = 0
    if compile_kwargs:
        model.compile(d_optimizer=model.d_optimizer, g_optimizer=model.g_optimizer, **compile_kwargs)
    scope.__exit__(None, None, None)

    history_path = os.path.join(args.out, HISTORY)
    previous = _read_history(history_path)
    checkpoint_path = os.path.join(args.out, CHECKPOINT)
    if distribute.is_multi_worker(strategy) and strategy.cluster_resolver.task_id != 0:
        # Every worker saves (the save is collective); only the chief's file is kept.
        import tempfile

        checkpoint_path = os.path.join(tempfile.mkdtemp(), CHECKPOINT)
    cbs = [
        callbacks.AtomicModelCheckpoint(checkpoint_path),  # a save cut short leaves the previous one
        keras.callbacks.CSVLogger(history_path, append=args.resume),
        callbacks.LossCurve(os.path.join(args.out, "loss_curve.png"), history=previous),
    ]
    if images:
        sample_fn, columns = zoo.grid_sampler(run["model"], data)
        cbs.append(
            callbacks.SampleGrid(
                os.path.join(args.out, "samples"),
                every_n_epochs=args.samples_every,
                sample_fn=sample_fn,
                columns=columns,
            )
        )
    if args.tensorboard:
        cbs.append(_tensorboard_callback(args, run, data, images, strategy))
    if initial_epoch >= run["epochs"]:
        print(f"{args.out} has already trained {initial_epoch} epochs (--epochs {run['epochs']}); nothing to do.")
        return 0
    start = time.time()
    model.fit(
        data,
        epochs=run["epochs"],
        initial_epoch=initial_epoch,
        steps_per_epoch=run.get("steps_per_epoch"),
        callbacks=cbs,
        verbose=args.verbose,
    )
    print(f"trained epochs {initial_epoch + 1}-{run['epochs']} in {time.time() - start:.0f} s")
    print(f"run directory: {args.out}")
    print(f"  checkpoint:  {os.path.join(args.out, CHECKPOINT)}")
    print(f"  history:     {history_path}")
    print(f"  loss curve:  {os.path.join(args.out, 'loss_curve.png')}")
    if images:
        print(f"  samples:     {os.path.join(args.out, 'samples')}/")
    if args.tensorboard:
        print(f"  tensorboard: tensorboard --logdir {os.path.join(args.out, TENSORBOARD)}")
    return 0


TENSORBOARD = "tensorboard"


def _tensorboard_callback(args, run, data, images, strategy):
    """GANTensorBoard into RUN_DIR/tensorboard (a throwaway folder on non-chief workers)."""
    from keras_gans import callbacks, distribute, zoo

    freq = args.tensorboard_update_freq
    if freq != "epoch":
        try:
            freq = int(freq)
        except ValueError:
            raise ValueError(
                f"--tensorboard-update-freq must be 'epoch' or a number of batches, got {freq!r}."
            ) from None
    log_dir = os.path.join(args.out, TENSORBOARD)
    if distribute.is_multi_worker(strategy) and strategy.cluster_resolver.task_id != 0:
        import tempfile

        log_dir = tempfile.mkdtemp()
    sample_fn, columns = zoo.grid_sampler(run["model"], data) if images else (None, None)
    return callbacks.GANTensorBoard(
        log_dir,
        update_freq=freq,
        images_every=args.samples_every if images else 0,
        sample_fn=sample_fn,
        columns=columns,
    )


def _is_image_spec(spec):
    while isinstance(spec, (tuple, list)):
        spec = spec[0]
    return len(spec.shape) == 4


def _read_history(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        rows = list(csv.DictReader(f))
    history = {}
    for row in rows:
        for key, value in row.items():
            if key != "epoch":
                try:
                    history.setdefault(key, []).append(float(value))
                except (TypeError, ValueError):  # CSVLogger writes "NA" for missing values
                    history.setdefault(key, []).append(float("nan"))
    # CSVLogger adds val_* columns full of "NA" when there is no validation.
    return {k: v for k, v in history.items() if not all(x != x for x in v)}


def _load_run_model(run_dir):
    return load_checkpoint(os.path.join(run_dir, CHECKPOINT), _read_run(run_dir))


def load_checkpoint(path, run=None):
    """keras.models.load_model(path), with errors that name the file and what to do.

    A missing, truncated or unreadable checkpoint, or one of another model than
    the run's (`run["model_class"]`), is a ValueError / FileNotFoundError
    naming the path, what was expected and what was found.
    """
    import keras

    if not os.path.exists(path):
        raise FileNotFoundError(f"No checkpoint at {path}: the run has not finished an epoch yet.")
    import zipfile

    advice = "restore it from a backup or start a new run with another --out."
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"The checkpoint {path} ({os.path.getsize(path)} bytes) is not a whole .keras file (a zip "
            f"archive): it is truncated or corrupted, e.g. by a save cut short; {advice}"
        )
    try:
        model = keras.models.load_model(path)
    except Exception as error:  # noqa: BLE001 -- KeyError, ValueError, OSError, ... from Keras
        first = str(error).splitlines()[0] if str(error) else ""
        raise ValueError(
            f"The checkpoint {path} cannot be loaded ({type(error).__name__}: {first}): expected a "
            f".keras file of a keras_gans model written by keras-gans train; {advice}"
        ) from None
    expected = (run or {}).get("model_class")
    if expected and type(model).__name__ != expected:
        raise ValueError(
            f"The checkpoint {path} holds a {type(model).__name__}, but the run ({RUN_FILE}) trains a "
            f"{expected} ({run.get('model')}). The file was replaced by another run's checkpoint; "
            "put back this run's model.keras or start a new run with another --out."
        )
    return model


def cmd_sample(args):
    from keras_gans import export, plotting

    if export.is_export(args.run_dir):
        samples = export.load_exported(args.run_dir).generate(args.num_samples, seed=args.seed)
        default_out = os.path.join(
            os.path.dirname(os.path.abspath(args.run_dir)) if args.run_dir.endswith(".tflite") else args.run_dir,
            "samples.png",
        )
        columns = None
    else:
        from keras_gans import zoo

        run = _read_run(args.run_dir)
        model = _load_run_model(args.run_dir)
        grid = None
        if zoo.MODELS[run["model"]].grid != "samples":
            data = zoo.load_data(
                run["model"],
                run["dataset"],
                split="test" if run["dataset"] in ("digits", "mnist5k") else "train",
                batch_size=8,
                image_size=run["image_size"],
                seed=args.seed,
            )
            grid, columns = zoo.grid_sampler(run["model"], data)
        else:
            columns = None
        samples = grid(model, args.num_samples, args.seed) if grid else model.generate(args.num_samples, seed=args.seed)
        default_out = os.path.join(args.run_dir, "samples.png")
    out = args.out or default_out
    if samples.ndim == 4:
        plotting.save_image_grid(samples, out, columns=columns)
    else:
        plotting.scatter_2d([("samples", samples)], out)
    print(f"wrote {len(samples)} samples to {out}")
    return 0


def domain_classifier(dataset, image_size, split="train", epochs=5):
    """The cached domain classifier of a labelled dataset, at the run's image size."""
    from keras_gans import datasets, metrics

    labelled = datasets.load(dataset, split=split, batch_size=64, image_size=image_size, with_labels=True)
    num_classes = int(labelled.reduce(0, lambda m, batch: max_label(m, batch[1]))) + 1
    shape = tuple(labelled.element_spec[0].shape[1:])
    name = f"{dataset}_{'x'.join(map(str, shape))}".replace("/", "_")
    return metrics.train_domain_classifier(labelled, num_classes, image_shape=shape, epochs=epochs, name=name)


def max_label(current, labels):
    import tensorflow as tf

    return tf.maximum(current, tf.cast(tf.reduce_max(labels), tf.int32))


def cmd_evaluate(args):
    from keras_gans import datasets, metrics

    run = _read_run(args.run_dir)
    model = load_checkpoint(os.path.join(args.run_dir, CHECKPOINT), run)
    dataset = args.dataset or run["dataset"]
    image_size = run.get("image_size")
    from keras_gans import zoo

    evaluation = zoo.MODELS[run["model"]].evaluation
    if evaluation == "none":
        raise ValueError(
            f"keras-gans evaluate has no measure for {run['model']!r} yet; its page in docs/models/ says "
            "how it is measured (a script in benchmarks/)."
        )
    if evaluation != "samples":
        print(metrics.EVALUATIONS[evaluation](model, dataset, args.split, image_size))
        return 0
    # Batches of 1, unbatched: every real image of the split counts (load drops a partial last batch).
    real = datasets.load(dataset, split=args.split, batch_size=1, image_size=image_size, shuffle=False).unbatch()
    if len(real.element_spec.shape) != 3:
        raise ValueError(
            f"evaluate measures image generators; {dataset!r} holds samples of shape {real.element_spec.shape}."
        )
    num_real = int(real.reduce(0, lambda count, _: count + 1))
    names = [m.strip() for m in args.metrics.split(",") if m.strip()]
    classifier = None
    if args.features == "domain" or "is" in names or "mode_score" in names:
        classifier = domain_classifier(dataset, image_size)
    # A new seed per batch, derived from --seed: distinct samples, reproducible.
    sample = metrics.seeded_sampler(model.generate, args.seed)
    sample.sampling = f"model.generate(batch, seed=batch_seed({args.seed}, i)) for batch i: distinct samples"
    results = metrics.evaluate_generator(
        sample,
        real,
        metrics=names,
        num_samples=args.num_samples,
        num_real_samples=num_real,
        features=args.features,
        classifier=classifier,
        reference_split=f"{dataset}:{args.split}",
        seed=args.seed,
    )
    print(metrics.format_table(results))
    return 0


def cmd_export(args):
    from keras_gans import export

    model = _load_run_model(args.run_dir)
    export.export_generator(
        model, args.to, formats=args.formats, quantize=args.quantize, version=args.version, overwrite=args.overwrite
    )
    for kind, path in export.artifact_paths(args.to).items():
        print(f"{kind}: {path}")
    return 0


def cmd_demo(args):
    """DCGAN on the embedded MNIST digits (or the 16x16 digits): samples, loss
    curve, MNIST Frechet distance per epoch, export."""
    import keras

    from keras_gans import _io, callbacks, datasets, metrics, plotting, zoo

    os.makedirs(args.out, exist_ok=True)
    epochs = args.epochs or DEMO_EPOCHS[args.dataset]
    extra, fd = [], None
    if args.dataset == "mnist5k":
        start = time.time()
        classifier = metrics.mnist_classifier()  # trained once (~10 s), then cached
        print(f"MNIST classifier ready in {time.time() - start:.0f} s")
        fd = metrics.MNISTFrechetDistance(classifier, num_samples=1000)
        extra = [fd]
    keras.utils.set_random_seed(0)
    if args.dataset == "mnist5k":
        data = datasets.load("mnist5k", split="train", batch_size=64, seed=0)
        model = zoo.build("dcgan", (28, 28, 1), latent_dim=32, learning_rate=5e-4, seed=0)
    else:
        data = datasets.load("digits", split="all", batch_size=64, image_size=16, seed=0)
        model = zoo.build("dcgan", (16, 16, 1), latent_dim=32, learning_rate=5e-4, seed=0)
    grid = callbacks.SampleGrid(os.path.join(args.out, "samples"), every_n_epochs=10)
    curve = callbacks.LossCurve(os.path.join(args.out, "loss_curve.png"))
    start = time.time()
    history = model.fit(data, epochs=epochs, callbacks=extra + [grid, curve], verbose=2).history
    seconds = time.time() - start
    with open(os.path.join(args.out, HISTORY), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch"] + list(history))
        writer.writerows([epoch + 1] + [values[epoch] for values in history.values()] for epoch in range(epochs))
    samples_png = plotting.save_image_grid(model.generate(64, seed=0), os.path.join(args.out, "samples.png"))
    _io.save_model(model, os.path.join(args.out, CHECKPOINT))
    exported = _export(model, args.export_dir)
    print(f"\ntrained DCGAN on the embedded {args.dataset} ({epochs} epochs) in {seconds:.0f} s")
    if fd is not None:
        fd_png = plotting.plot_history(
            history,
            os.path.join(args.out, "mnist_fd.png"),
            keys=["mnist_fd"],
            title="MNIST Frechet distance (1,000 samples vs mnist5k test)",
            ylabel="Frechet distance",
        )
        print(f"  of which {fd.seconds:.0f} s computing the MNIST Frechet distance after every epoch")
        print(
            f"MNIST Frechet distance {fd.history[-1][1]:.2f}, MNIST score {fd.history[-1][2]:.2f} after epoch {epochs}"
        )
        print("protocol: " + metrics.mnist_protocol(classifier, fd.num_samples))
        print(f"FD curve:    {fd_png}")
    print(f"samples:     {samples_png}")
    print(f"loss curve:  {curve.path}")
    print(f"history:     {os.path.join(args.out, HISTORY)}")
    print(f"per-epoch:   {grid.directory}/")
    print(f"checkpoint:  {os.path.join(args.out, CHECKPOINT)}")
    for kind, path in exported.items():
        print(f"exported:    {path} ({kind})")
    return 0


def _export(model, directory):
    """Export the generator (SavedModel, TFLite, manifest); returns {kind: path}."""
    from keras_gans import export

    export.export_generator(model, directory, overwrite=True)
    return export.artifact_paths(directory)


if __name__ == "__main__":
    sys.exit(main())
