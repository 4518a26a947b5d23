"""Give this project's own virtualenv the CPU-only TensorFlow wheel.

keras_gans requires `tensorflow`, the distribution that Colab, Kaggle and CUDA
machines have. On a CPU-only x86-64 machine (CI, `make`), the `tensorflow`
wheel is the large GPU-capable build; `tensorflow-cpu` is the same code
without it. pip cannot be told that one satisfies a requirement on the other
(an extra such as `cpu` does not help: the base requirement on `tensorflow`
is installed all the same, measured with `pip install --dry-run`). So this
script, run by `make install` before `pip install -e .`:

1. installs `tensorflow-cpu` at the version of requirements/cpu.txt, unless a
   `tensorflow` distribution is already installed (a GPU machine keeps its own);
2. installs a metadata-only `tensorflow` distribution of the same version
   (no files; it requires `tensorflow-cpu` of that version), so that
   `tensorflow>=...` is met by the CPU wheel and pip never downloads the
   other build. `pip show tensorflow` says so in its summary.

Usage: `.venv/bin/python tools/cpu_tensorflow.py` (runs pip of that Python).
On machines other than x86-64 it does nothing: pip installs `tensorflow`.
`--verify` (run by `make install` after `pip install -e .`) fails if pip
replaced the stand-in by the real `tensorflow` wheel, which would have put a
second TensorFlow build into the same `tensorflow/` folder.
"""

import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_tensorflow_install import build_wheel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIREMENTS = os.path.join(HERE, os.pardir, "requirements", "cpu.txt")
SUMMARY = "stands for the installed tensorflow-cpu (keras_gans tools/cpu_tensorflow.py); holds no files"


def installed_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def verify():
    cpu, tensorflow = installed_version("tensorflow-cpu"), installed_version("tensorflow")
    if cpu is None or tensorflow is None:
        print(f"cpu_tensorflow --verify: tensorflow-cpu {cpu}, tensorflow {tensorflow}: one build, fine.")
        return 0
    summary = importlib.metadata.metadata("tensorflow")["Summary"]
    if summary != SUMMARY:
        print(
            f"cpu_tensorflow --verify: error: both tensorflow-cpu {cpu} and the real tensorflow {tensorflow} "
            "wheel are installed (they write the same tensorflow/ folder). A requirement on `tensorflow` was "
            "not met by the stand-in (a version bound above tensorflow-cpu's?). Raise requirements/cpu.txt "
            "to match, then recreate the virtualenv (make clean install).",
            file=sys.stderr,
        )
        return 1
    print(f"cpu_tensorflow --verify: tensorflow-cpu {cpu}, with the stand-in `tensorflow` {tensorflow}.")
    return 0


def main(argv=None):
    if "--verify" in (sys.argv[1:] if argv is None else argv):
        return verify()
    if platform.machine().lower() not in ("x86_64", "amd64"):
        print(f"cpu_tensorflow: {platform.machine()} has no tensorflow-cpu wheel; pip installs `tensorflow`.")
        return 0
    tensorflow = installed_version("tensorflow")
    if tensorflow is not None:
        print(f"cpu_tensorflow: `tensorflow` {tensorflow} is installed; nothing to do.")
        return 0
    pip("install", "--quiet", "-r", REQUIREMENTS)
    version = installed_version("tensorflow-cpu")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(tmp, "tensorflow", version, requires=[f"tensorflow-cpu=={version}"], summary=SUMMARY)
        pip("install", "--quiet", "--no-index", "--no-deps", wheel)
    print(f"cpu_tensorflow: tensorflow-cpu {version}, and `tensorflow` {version} standing for it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
