"""Check that installing keras_gans never swaps the user's TensorFlow build.

On Colab, Kaggle or a CUDA machine, TensorFlow is already installed as the
`tensorflow` distribution. A requirement on another distribution that ships
the same `tensorflow/` import folder (tensorflow-cpu, tensorflow-intel,
tf-nightly, ...) makes pip install it beside `tensorflow`, overwriting the GPU
build. This script builds a stand-in `tensorflow` wheel (metadata only, no
code, a few hundred bytes), installs it into a scratch virtualenv, asks pip
what `pip install --dry-run` of this project with its extras would install,
and fails if the plan holds any TensorFlow distribution. With `--cpu` it does
the same in a virtualenv made as tools/cpu_tensorflow.py makes this project's
own (CPU wheel and a `tensorflow` standing for it).

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
# The extras, all checked in one dry run (a TensorFlow distribution planned for
# the base requirements is planned with extras too).
EXTRAS = "tensorboard,dev"


def normalize(name):
    return name.lower().replace("_", "-").replace(".", "-")


def build_wheel(directory, name, version, requires=(), summary="stand-in distribution for an install check (no code)"):
    """A metadata-only wheel `name==version` (installs no module); returns its path."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n"
        f"Summary: {summary}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
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


def planned_installs(python, project, extras, workdir):
    """{name: version} that `pip install --dry-run project[extras]` would install."""
    report = os.path.join(workdir, f"report-{os.path.basename(os.path.dirname(python))}.json")
    target = f"{project}[{extras}]" if extras else project
    run([python, "-m", "pip", "install", "--quiet", "--dry-run", "--report", report, target])
    with open(report) as f:
        items = json.load(f)["install"]
    return {normalize(item["metadata"]["name"]): item["metadata"]["version"] for item in items}


def check(python, project, extras, workdir, where):
    """A dry-run install of project[extras]; returns the failures."""
    plan = planned_installs(python, project, extras, workdir)
    swapped = sorted(f"{n}=={v}" for n, v in plan.items() if n in TENSORFLOW_DISTRIBUTIONS)
    label = f"{where}: keras-gans[{extras}]" if extras else f"{where}: keras-gans"
    print(
        f"{label}: {len(plan)} distributions planned; TensorFlow distributions among them: "
        f"{', '.join(swapped) or 'none'}"
    )
    return [f"{label} would install {', '.join(swapped)}"] if swapped else []


def scratch_venv(workdir, name, wheels):
    """A virtualenv holding only `wheels` (installed offline); returns its python."""
    venv = os.path.join(workdir, name)
    run([sys.executable, "-m", "venv", venv])
    python = os.path.join(venv, "bin", "python")
    run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", *wheels])
    return python


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=".", help="the project to install (default: the current folder)")
    parser.add_argument("--tensorflow-version", default="2.21.0", help="the stand-in tensorflow's version")
    parser.add_argument("--extras", default=EXTRAS, help="extras to install (comma-separated; empty: none)")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="also check a virtualenv made as tools/cpu_tensorflow.py makes this project's own "
        "(one more minute; `make install` verifies its own venv anyway)",
    )
    args = parser.parse_args(argv)
    start = time.time()
    project = os.path.abspath(args.project)
    version = args.tensorflow_version
    with tempfile.TemporaryDirectory(prefix="tf-install-check-") as workdir:
        wheels = os.path.join(workdir, "wheels")
        os.makedirs(os.path.join(wheels, "shim"))
        # 1. A user's machine: the `tensorflow` distribution (Colab's GPU build).
        scenarios = {"beside tensorflow": [build_wheel(wheels, "tensorflow", version)]}
        if args.cpu:
            # 2. This project's virtualenv as tools/cpu_tensorflow.py makes it:
            # tensorflow-cpu plus the metadata-only `tensorflow` standing for it.
            scenarios["make's CPU venv"] = [
                build_wheel(wheels, "tensorflow-cpu", version),
                build_wheel(
                    os.path.join(wheels, "shim"), "tensorflow", version, requires=[f"tensorflow-cpu=={version}"]
                ),
            ]

        failures = []
        for where, installed in scenarios.items():
            python = scratch_venv(workdir, where.split()[0].replace("'", ""), installed)
            failures += check(python, project, args.extras, workdir, where)
    print(f"({time.time() - start:.0f} s, stand-in tensorflow=={version})")
    if failures:
        print("FAIL: installing keras_gans would change the installed TensorFlow build:")
        for line in failures:
            print("  " + line)
        print("Require `tensorflow` (which any TensorFlow build's environment satisfies), not tensorflow-cpu & co.")
        return 1
    print("OK: no other TensorFlow distribution would be installed beside the installed one.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
