"""Export of a case holding one large file (default 2 GiB): peak memory and time, against a
plain `zip -0` of the decrypted artifact measured in the same run.

    python benchmarks/export_bench.py [--size-mib 2048] [--keep]

Targets: peak memory of the export process under 200 MB; export time at most 2x `zip -0`.
The export runs in a child process that reports its own peak RSS (VmHWM of /proc/self/status,
which, unlike ru_maxrss, does not inherit the parent's size across fork and exec).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER, PASSWORD = "bench", "bench-password-1"


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "EVIDENCE_KIT_HOME": str(home), "EVIDENCE_KIT_INSECURE_FAST_KDF": "1"}


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_export(case_dir: str, out: str) -> None:
    from evidence_kit.core.case import Case
    from evidence_kit.core.export.bundle import export_bundle

    with Case.open(case_dir, user=USER, password=PASSWORD) as case:
        result = export_bundle(case, None, out)
    print(f"{_peak_mib():.1f} {result.sha256}")


def child_verify(bundle: str) -> None:
    from evidence_kit.core.export.verify_bundle import verify_bundle

    result = verify_bundle(bundle)
    print(f"{_peak_mib():.1f} {'ok' if result.ok else 'FAILED'}")


def _timed_child(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """(seconds, stdout) of a child process."""
    t0 = time.perf_counter()
    run = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, run.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--dir", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child-export", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-verify", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        child_export(*args.child_export)
        return 0
    if args.child_verify:
        child_verify(*args.child_verify)
        return 0
    if shutil.which("zip") is None:
        print("the `zip` program is needed for the baseline (apt-get install zip)")
        return 2

    work = Path(args.dir or tempfile.mkdtemp(prefix="ek-export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    env = _env(home)
    os.environ.update({k: env[k] for k in ("EVIDENCE_KIT_HOME", "EVIDENCE_KIT_INSECURE_FAST_KDF")})
    from evidence_kit.core.case import Case

    size = args.size_mib << 20
    source = work / "video.mp4"
    print(f"preparing a {args.size_mib} MiB file and a case in {work} …", flush=True)
    block = os.urandom(64 << 20)
    with open(source, "wb") as f:
        written = 0
        while written < size:
            n = min(len(block), size - written)
            f.write(block[:n])
            written += n
    del block
    case_dir = work / "bench.ekcase"
    with Case.create(case_dir, number="BENCH-1", title="bench", user=USER, password=PASSWORD) as case:
        item = case.ingest([source]).items[0]
        extracted = case.extract(item.exhibit, work / "decrypted")[0]
    source.unlink()

    # Baseline: a plain stored ZIP of the decrypted artifact (the smallest child: it runs first).
    base_zip = work / "baseline.zip"
    zip_s, _ = _timed_child(["zip", "-0", "-q", "-j", str(base_zip), str(extracted)], env)
    base_zip.unlink()
    extracted.unlink()

    out = work / "bundle.zip"
    exp_s, exp_out = _timed_child([sys.executable, __file__, "--child-export", str(case_dir), str(out)], env)
    ver_s, ver_out = _timed_child([sys.executable, __file__, "--child-verify", str(out)], env)
    exp_mib, digest = float(exp_out.split()[0]), exp_out.split()[1]
    ver_mib, verdict = float(ver_out.split()[0]), ver_out.split()[1]
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", str(out)], check=True, capture_output=True)
    sum_s = time.perf_counter() - t0

    mib_s = args.size_mib / exp_s
    print(f"artifact                 {args.size_mib} MiB")
    print(f"baseline zip -0          {zip_s:7.2f} s")
    print(f"export_bundle            {exp_s:7.2f} s   peak {exp_mib:6.1f} MiB   {mib_s:.0f} MiB/s")
    print(f"verify_bundle            {ver_s:7.2f} s   peak {ver_mib:6.1f} MiB   ({verdict})")
    print(f"baseline sha256sum       {sum_s:7.2f} s")
    print(f"RATIO export / zip -0    {exp_s / zip_s:.2f}x   (target <= 2.0)")
    print(f"RATIO verify / sha256sum {ver_s / sum_s:.2f}x")
    print(f"RATIO export peak / 200 MB budget  {exp_mib / 200:.2f}   (target < 1.0)")
    print(f"bundle sha256 {digest}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if exp_mib < 200 and exp_s <= 2 * zip_s and verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
