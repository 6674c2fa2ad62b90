"""Executes one notebook with the tslab kernel, cell by cell, and saves it (also when a cell fails).

A failure prints the cell's number, its source and what it wrote (tslab reports TypeScript
compile errors on stderr, not in the error message), then exits 1.
usage: run-notebook.py NOTEBOOK OUTPUT [TIMEOUT_SECONDS]
"""
import sys

import nbformat
import nbformat.sign
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError


def text_of(output):
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "%s: %s" % (output.get("ename", ""), output.get("evalue", ""))
    return ""


def main():
    src, dst = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, kernel_name="tslab", timeout=None if timeout < 0 else timeout)
    failed = None
    try:
        client.execute()
    except DeadKernelError:
        failed = max((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")), default=0)
        nb.cells[failed].setdefault("outputs", []).append(nbformat.v4.new_output("stream", name="stderr", text="the kernel died while this cell ran\n"))
    except CellExecutionError:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        if failed is None:
            failed = max((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")), default=0)
    # Signed, the notebook's figures draw when this machine's Jupyter opens it (untrusted ones show their PNGs).
    nbformat.sign.NotebookNotary().sign(nb)
    nbformat.write(nb, dst)
    if failed is None:
        return 0
    cell = nb.cells[failed]
    code_number = sum(1 for c in nb.cells[: failed + 1] if c.cell_type == "code")
    said = "".join(text_of(o) for o in cell.get("outputs", [])).strip()
    sys.stderr.write("cell %d (code cell %d) failed:\n%s\n---\n%s\n" % (failed + 1, code_number, cell.source, said or "(no output)"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
