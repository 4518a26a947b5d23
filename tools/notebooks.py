"""The notebooks: one source per example, in sync, executed headless in smoke mode.

Each notebook has one source, `notebooks/<name>.py` (jupytext "percent"
format: `# %%` starts a code cell, `# %% [markdown]` a text cell). The
`.ipynb` beside it, which Colab opens from the README's links, is generated
from it and committed without outputs.

    python tools/notebooks.py sync            # write notebooks/*.ipynb from notebooks/*.py
    python tools/notebooks.py check           # fail if an .ipynb differs from its source
    python tools/notebooks.py run [NAME ...]  # execute in smoke mode into docs/notebooks/

`run` executes every notebook with nbclient in a fresh kernel of this Python,
with KERAS_GANS_SMOKE=1 (tiny networks, a few steps, embedded data, no
network: the install cell skips itself), in a scratch working directory, and
writes the executed notebooks, outputs included, to docs/notebooks/ for the
documentation site. It prints the time of each and fails on the first cell
that raises.
"""

import argparse
import glob
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(ROOT, "notebooks")
EXECUTED = os.path.join(ROOT, "docs", "notebooks")
# The order of the site's navigation and of the runs: the ones most users start from first.
ORDER = (
    "dcgan_demo",
    "cgan_mnist",
    "pix2pix_facades",
    "cyclegan_horse2zebra",
    "pix2pix_ablation",
    "semi_supervised_digits",
    "seqgan_oracle",
    "seqgan_text",
    "biggan_mnist",
    "sngan_mnist",
    "stargan_digits",
    "srgan_mnist",
)
TIMEOUT = 900  # seconds per cell


def names():
    found = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(SOURCES, "*.py")))
    return sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def to_notebook(name):
    """The notebook generated from notebooks/<name>.py (no outputs)."""
    import jupytext

    notebook = jupytext.read(os.path.join(SOURCES, f"{name}.py"), fmt="py:percent")
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["accelerator"] = "GPU"  # Colab: open with a GPU runtime
    notebook.metadata["colab"] = {"provenance": [], "gpuType": "T4"}
    notebook.metadata.pop("jupytext", None)
    for i, cell in enumerate(notebook.cells):
        cell.id = f"{name}-{i}"  # stable ids: regenerating gives the same file
        cell.metadata = {}
    return notebook


def _text(notebook):
    import nbformat

    return nbformat.writes(notebook) + "\n"


def _write(notebook, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(_text(notebook))


def sync(selected):
    for name in selected:
        path = os.path.join(SOURCES, f"{name}.ipynb")
        _write(to_notebook(name), path)
        print(f"wrote {os.path.relpath(path, ROOT)}")
    return 0


def check(selected):
    """Every .ipynb equals the notebook generated from its .py; no orphan .ipynb."""
    stale = []
    for name in selected:
        path = os.path.join(SOURCES, f"{name}.ipynb")
        if not os.path.exists(path):
            stale.append(f"{name}.ipynb is missing")
            continue
        with open(path, encoding="utf-8") as f:
            if f.read() != _text(to_notebook(name)):
                stale.append(f"{name}.ipynb differs from {name}.py")
    orphans = sorted(
        set(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(SOURCES, "*.ipynb")))
        - set(names())
    )
    stale += [f"{n}.ipynb has no source {n}.py" for n in orphans]
    if stale:
        print(
            "notebooks out of sync with their sources:\n  "
            + "\n  ".join(stale)
            + "\nEdit the .py, then run: python tools/notebooks.py sync",
            file=sys.stderr,
        )
        return 1
    print(f"{len(selected)} notebooks match their sources")
    return 0


def run(selected, smoke=True):
    import nbclient

    os.makedirs(EXECUTED, exist_ok=True)
    env_before = dict(os.environ)
    os.environ["KERAS_GANS_SMOKE"] = "1" if smoke else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The kernel imports this checkout's keras_gans, whatever is installed.
    os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    times = {}
    try:
        for name in selected:
            notebook = to_notebook(name)
            scratch = tempfile.mkdtemp(prefix=f"nb_{name}_")
            start = time.time()
            try:
                client = nbclient.NotebookClient(
                    notebook, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": scratch}}
                )
                client.execute()
            except Exception as error:
                print(f"FAILED {name} after {time.time() - start:.0f} s: {type(error).__name__}", file=sys.stderr)
                print(str(error)[-3000:], file=sys.stderr)
                return 1
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            times[name] = time.time() - start
            _drop_log_noise(notebook)
            _write(notebook, os.path.join(EXECUTED, f"{name}.ipynb"))
            print(f"{name}: executed in {times[name]:.0f} s", flush=True)
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    print(
        f"{len(times)} notebooks executed in {sum(times.values()):.0f} s (smoke mode) -> {os.path.relpath(EXECUTED, ROOT)}/"
    )
    return 0


# Lines TensorFlow's C++ logging and the exporter write to the kernel's streams; not the notebook's output.
_NOISE = (
    "WARNING: All log messages before absl::InitializeLog()",
    "oneDNN custom operations are on",
    "Created TensorFlow Lite XNNPACK delegate",
    "INFO:tensorflow:Assets written to",
    "Kernel is running over TCP without encryption",
    # Grappler declining one graph rewrite (the step runs without that fusion); logged at ERROR level.
    "meta_optimizer.cc:967] remapper failed",
)


def _drop_log_noise(notebook):
    """Remove the log lines of _NOISE from stream outputs (and streams left empty)."""
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                lines = [
                    line
                    for line in output["text"].splitlines(keepends=True)
                    if not any(pattern in line for pattern in _NOISE)
                ]
                output["text"] = "".join(lines)
                if not output["text"].strip():
                    continue
            kept.append(output)
        if cell.cell_type == "code":
            cell.outputs = kept


def copy_unexecuted(selected):
    """For a quick site build without running anything: the notebooks without outputs."""
    os.makedirs(EXECUTED, exist_ok=True)
    for name in selected:
        _write(to_notebook(name), os.path.join(EXECUTED, f"{name}.ipynb"))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("sync", "check", "run", "copy"))
    parser.add_argument("names", nargs="*", help="notebooks (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names()))
    if unknown:
        parser.error(f"no notebook source for {unknown}; the notebooks are {names()}")
    selected = args.names or names()
    return {"sync": sync, "check": check, "run": run, "copy": copy_unexecuted}[args.command](selected)


if __name__ == "__main__":
    sys.exit(main())
