"""Check that installing keras_gans never swaps the user's TensorFlow build.

On Colab, Kaggle or a CUDA machine, TensorFlow is already installed as the
`tensorflow` distribution. A requirement on another distribution that ships
the same `tensorflow/` import folder (tensorflow-cpu, tensorflow-intel,
tf-nightly, ...) makes pip install it beside `tensorflow`, overwriting the GPU
build. This script builds a stand-in `tensorflow` wheel (metadata only, no
code, a few hundred bytes), installs it into a scratch virtualenv, asks pip
what `pip install --dry-run` of this project (and of each user-facing extra)
would install, and fails if the plan holds any TensorFlow distribution.

Run from the repository root (`.ci/run` does):

    python tools/check_tensorflow_install.py

Offline except for the package index pip is configured with (the
dependencies' metadata); the stand-in wheel is built locally.
"""

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile

# Distributions that install the `tensorflow` import package (their wheels
# write into site-packages/tensorflow/). `tensorflow` itself is on the list:
# a plan that installs it would replace the stand-in, i.e. the user's build.
TENSORFLOW_DISTRIBUTIONS = {
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-intel",
    "tensorflow-macos",
    "tensorflow-aarch64",
    "tensorflow-cpu-aws",
    "tensorflow-rocm",
    "tensorflow-directml",
    "intel-tensorflow",
    "intel-tensorflow-avx512",
    "tf-nightly",
    "tf-nightly-cpu",
    "tf-nightly-gpu",
    "tf-nightly-intel",
    "tf-nightly-macos",
}
# The extras a user may ask for (the `cpu` extra is this project's own CI
# wheel choice and is meant to install tensorflow-cpu, so it is not checked).
USER_EXTRAS = ("", "tensorboard", "dev")


def normalize(name):
    return name.lower().replace("_", "-").replace(".", "-")


def build_wheel(directory, name, version, requires=()):
    """A metadata-only wheel `name==version` (installs no module); returns its path."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n"
        "Summary: stand-in distribution for an install check (no code)\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: keras_gans-tools\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(directory, f"{dist}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as whl:
        for name_, text in files.items():
            whl.writestr(name_, text)
    return path


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed ({result.returncode}): {' '.join(cmd)}")
    return result


def planned_installs(python, project, extra, workdir):
    """{name: version} that `pip install --dry-run project[extra]` would install."""
    report = os.path.join(workdir, f"report-{extra or 'base'}.json")
    target = f"{project}[{extra}]" if extra else project
    run([python, "-m", "pip", "install", "--quiet", "--dry-run", "--report", report, target])
    with open(report) as f:
        items = json.load(f)["install"]
    return {normalize(item["metadata"]["name"]): item["metadata"]["version"] for item in items}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=".", help="the project to install (default: the current folder)")
    parser.add_argument("--tensorflow-version", default="2.21.0", help="the stand-in tensorflow's version")
    parser.add_argument("--extras", default=",".join(USER_EXTRAS), help="extras to check (comma-separated; empty: none)")
    args = parser.parse_args(argv)
    start = time.time()
    project = os.path.abspath(args.project)
    with tempfile.TemporaryDirectory(prefix="tf-install-check-") as workdir:
        venv = os.path.join(workdir, "venv")
        run([sys.executable, "-m", "venv", venv])
        python = os.path.join(venv, "bin", "python")
        wheel = build_wheel(workdir, "tensorflow", args.tensorflow_version)
        run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", wheel])
        failures = []
        for extra in args.extras.split(","):
            plan = planned_installs(python, project, extra.strip(), workdir)
            swapped = sorted(f"{n}=={v}" for n, v in plan.items() if n in TENSORFLOW_DISTRIBUTIONS)
            label = f"keras-gans[{extra}]" if extra else "keras-gans"
            if swapped:
                failures.append(f"{label}: would install {', '.join(swapped)}")
            print(f"{label}: {len(plan)} distributions planned; TensorFlow distributions among them: "
                  f"{', '.join(swapped) or 'none'}")
    print(f"({time.time() - start:.0f} s, stand-in tensorflow=={args.tensorflow_version})")
    if failures:
        print("FAIL: installing keras_gans beside an installed `tensorflow` would change the TensorFlow build:")
        for line in failures:
            print("  " + line)
        print("Require `tensorflow` (which any TensorFlow build's environment satisfies), not tensorflow-cpu & co.")
        return 1
    print("OK: no other TensorFlow distribution would be installed beside `tensorflow`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
