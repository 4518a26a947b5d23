"""Mutation check of the engine: apply named breakages one at a time and show that
the test suite kills each one (`make mutants`; not part of `make test`).

Each mutant is a list of (file, original text, broken text) replacements; the
original must occur exactly once. A mutant is applied to a copy of the
repository in a temporary folder, the engine's tests run there (`pytest -x`),
and the mutant is killed when they fail. The script exits non-zero if any
mutant survives or no longer applies (the code moved: update the list).

Usage: python tools/mutants.py [--only NAME ...] [--tests FILE ...]
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
GAN = "keras_gans/models/gan.py"
BASE = "keras_gans/models/_base.py"
LOSSES = "keras_gans/losses.py"
NORMS = "keras_gans/networks/normalization.py"

MUTANTS = {
    "update_does_not_wait_for_its_loss": [
        (
            BASE,
            "with tf.control_dependencies([loss]), _keras_clipping_off(optimizer):",
            "with _keras_clipping_off(optimizer):",
        ),
    ],
    # The seven breakages of issue 12 ...
    "d_trained_with_real_and_fake_swapped": [
        (
            GAN,
            "self.discriminator_loss(real_in, fake_in, real_out, fake_out)",
            "self.discriminator_loss(real_in, fake_in, fake_out, real_out)",
        ),
    ],
    "g_ascends_its_own_loss": [
        (
            GAN,
            "self.apply_update(self.g_optimizer, tape, g_loss,",
            "self.apply_update(self.g_optimizer, tape, -g_loss,",
        ),
    ],
    "ema_never_updated": [
        (
            GAN,
            "        self.update_ema(self.generator, self.ema_generator, self.ema_decay, updates)\n",
            "        pass\n",
        ),
    ],
    "ema_without_warm_up": [
        (GAN, "updates = self.g_optimizer.iterations if self.ema_warmup else None", "updates = None")
    ],
    "label_flips_disabled": [(GAN, "if self.label_flip_rate > 0:", "if False:")],
    "instance_noise_disabled": [(GAN, "if self.instance_noise <= 0:", "if True:")],
    "wgan_clips_once_per_step_not_after_each_critic_update": [
        (GAN, "        self.after_discriminator_update()\n        return {\n", "        return {\n"),
        (
            GAN,
            "                d_logs = self.discriminator_update(minibatch)\n",
            "                d_logs = self.discriminator_update(minibatch)\n            self.after_discriminator_update()\n",
        ),
    ],
    "one_set_of_latents_across_d_steps": [
        (
            GAN,
            'seeds = self.random_streams("discriminator")\n        if fake is None:',
            'seeds = self.random_streams("generator")\n        if fake is None:',
        ),
    ],
    "g_step_reuses_d_latents": [
        (GAN, "        reuse_generated=False,\n        seed=None,", "        reuse_generated=True,\n        seed=None,")
    ],
    # ... the wrong gradient-penalty target ...
    "gradient_penalty_target_0_not_1": [
        (
            LOSSES,
            "    norms, _ = _input_gradient_norms(discriminator, interpolates)\n    return _mean(tf.square(norms - 1.0))",
            "    norms, _ = _input_gradient_norms(discriminator, interpolates)\n    return _mean(tf.square(norms))",
        ),
    ],
    # ... and the other faults the engine issue found.
    "penalty_on_the_sum_of_a_patch_map": [(LOSSES, "per_example = tf.reduce_mean(", "per_example = tf.reduce_sum(")],
    "spectral_norm_u_never_advances": [(BASE, "            layer.advance()\n", "            pass\n")],
    "penalty_on_noisy_reals": [
        (
            GAN,
            "penalty = self.discriminator_penalty(real, fake, seeds.penalty)",
            "penalty = self.discriminator_penalty(real_in, fake_in, seeds.penalty)",
        )
    ],
    "no_instance_noise_in_the_g_step": [
        (
            GAN,
            "fake_out = self.discriminate(self.noisy(fake, _fold(seeds.noise, 1)))",
            "fake_out = self.discriminate(fake)",
        )
    ],
    # Issue 15's speed work: the normalization layers and fit's tf.data options.
    "layer_norm_variance_around_a_stopped_mean": [
        (
            NORMS,
            "variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)",
            "variance = tf.reduce_mean(tf.square(x - tf.stop_gradient(mean)), axis=axes, keepdims=True)",
        )
    ],
    "batch_norm_moving_variance_unbiased": [
        (
            NORMS,
            "variance = unbiased * tf.maximum(count - 1.0, 0.0) / tf.maximum(count, 1.0)",
            "variance = unbiased",
        )
    ],
    "fit_keeps_tf_data_autotuning": [(BASE, "        x = without_autotune_stall(x)\n", "")],
}

TESTS = [
    "tests/test_engine.py",
    "tests/test_gan.py",
    "tests/test_losses.py",
    "tests/test_spectral_norm.py",
    "tests/test_normalization.py",
    "tests/test_pipeline.py",
]


def apply(tree, replacements):
    for relative, original, broken in replacements:
        path = tree / relative
        text = path.read_text()
        count = text.count(original)
        if count != 1:
            raise LookupError(f"{relative}: the original text occurs {count} times: {original!r}")
        path.write_text(text.replace(original, broken))


def run(name, replacements, tests):
    with tempfile.TemporaryDirectory() as tmp:
        tree = pathlib.Path(tmp) / "repo"
        shutil.copytree(
            ROOT, tree, ignore=shutil.ignore_patterns(".venv", ".git", "runs", "exported", "*.egg-info", "__pycache__")
        )
        apply(tree, replacements)
        env = dict(os.environ, PYTHONPATH=str(tree))
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "2", *tests],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.time() - start
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
        return done.returncode != 0, seconds, failed[:1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="mutant names (default: all)")
    parser.add_argument("--tests", nargs="*", default=TESTS)
    args = parser.parse_args(argv)
    names = args.only or list(MUTANTS)
    survivors, total = [], time.time()
    for name in names:
        try:
            killed, seconds, failed = run(name, MUTANTS[name], args.tests)
        except LookupError as e:
            print(f"{name:58s} NOT APPLIED  {e}", flush=True)
            survivors.append(name)
            continue
        status = "killed" if killed else "SURVIVED"
        print(f"{name:58s} {status:8s} {seconds:6.0f} s  {failed[0] if failed else ''}", flush=True)
        if not killed:
            survivors.append(name)
    print(f"{len(names) - len(survivors)} of {len(names)} mutants killed in {time.time() - total:.0f} s")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
