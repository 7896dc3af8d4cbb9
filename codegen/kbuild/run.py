"""kbuild over several arches at once: check the machine, build, map failures to spec lines."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from codegen.errors import BadUsage, InputError
from codegen.kbuild import builddir, diagnose
from codegen.kbuild.arches import Arch
from codegen.kbuild.build import ArchResult, Say, build_arch
from codegen.kbuild.probe import SOURCE, probe_source
from codegen.kbuild.tools import check_tools
from codegen.report import Outcome
from codegen.spec import Spec, load_spec
from codegen.specfiles import SpecFile

# Objects every defconfig (+ VETH) builds that include a target header.
OBJECTS: dict[str, tuple[str, ...]] = {
    "include/net/netmem.h": ("net/core/skbuff.o", "net/core/page_pool.o"),
}

_SAY_LOCK = threading.Lock()


def say_stderr(text: str) -> None:
    with _SAY_LOCK:
        print(f"kbuild: {text}", file=sys.stderr, flush=True)


def kbuild(
    tree: Path,
    arches: Sequence[Arch],
    spec_files: Sequence[SpecFile],
    objects: Sequence[str] | None,
    host_probe: bool,
    say: Say = say_stderr,
) -> Outcome:
    builddir.check_tree(tree)
    specs = [load_spec(f.path, f.display) for f in spec_files]
    chosen = list(objects or _objects_for(specs))
    for spec in specs:
        if not (tree / spec.target.file).is_file():
            raise InputError(
                tree.as_posix(), 1, 1, f"the tree has no {spec.target.file} ({spec.path} targets it)"
            )
    check_tools(arches)
    sources = _probe_sources(tree, arches, specs) if host_probe else {}

    def one(arch: Arch) -> ArchResult:
        result = build_arch(tree, arch, chosen, sources.get(arch.name), say)
        verdict = "ok" if result.ok else f"FAILED at {result.failed_step}"
        say(f"{arch.name}: {verdict} in {result.seconds:.1f} s")
        return result

    # Arches build side by side: a warm rerun is mostly make's own start-up, one core each.
    with ThreadPoolExecutor(max_workers=len(arches)) as pool:
        results = list(pool.map(one, arches))
    return _outcome(tree, specs, chosen, results, sources)


def _objects_for(specs: Sequence[Spec]) -> list[str]:
    objects: dict[str, None] = {}
    for spec in specs:
        if spec.target.file not in OBJECTS:
            raise BadUsage(f"no known kernel objects include {spec.target.file}: name them with --object")
        objects.update(dict.fromkeys(OBJECTS[spec.target.file]))
    return list(objects)


def _probe_sources(tree: Path, arches: Sequence[Arch], specs: Sequence[Spec]) -> dict[str, str]:
    from codegen.verify.hostmodel import load_host_model

    models = {m.path: m for m in (load_host_model(spec) for spec in specs)}
    if len(models) != 1:
        raise BadUsage(f"--host-probe needs the specs to share one host model, not {len(models)}")
    model = next(iter(models.values()))
    version = builddir.kernel_version(tree)
    return {arch.name: probe_source(model, version, arch) for arch in arches}


def _outcome(
    tree: Path,
    specs: Sequence[Spec],
    objects: Sequence[str],
    results: Sequence[ArchResult],
    sources: dict[str, str],
) -> Outcome:
    per_arch = []
    for r in results:
        if r.ok:
            continue
        probe_file = r.probe_dir / SOURCE if r.probe_dir else None
        found = diagnose.problems(r.output, tree, specs, probe_file, sources.get(r.arch.name))
        if not found:
            tail = " | ".join(r.output.strip().splitlines()[-3:])
            found = [
                diagnose.Problem(
                    (tree.as_posix(), 1, 1),
                    "build-error",
                    f"{{arches}}: {r.failed_step} failed ({tail}); log: {r.out / 'mirrorgen.log'}",
                )
            ]
        per_arch.append((r.arch.name, found))
    outcome = Outcome("kbuild")
    outcome.findings = diagnose.merge(per_arch)
    outcome.exit_code = 1 if per_arch else 0
    rows = [f"{'arch':<8} {'result':<22} {'seconds':>7}  {'configured':<10}  build dir"]
    for r in results:
        state = "ok" if r.ok else f"FAILED at {r.failed_step}"
        rows.append(
            f"{r.arch.name:<8} {state:<22} {r.seconds:>7.1f}  {'yes' if r.configured else 'no':<10}  {r.out}"
        )
    failed = [r.arch.name for r in results if not r.ok]
    names = ", ".join(r.arch.name for r in results)
    what = ", ".join(objects) + (" and the host-model probe" if sources else "")
    verdict = f"kbuild: {tree}: FAILED on {', '.join(failed)}" if failed else f"kbuild: {tree}: ok on {names}"
    outcome.sections = ["\n".join(rows), f"{verdict} ({what})"]
    outcome.data["tree"] = tree.as_posix()
    outcome.data["objects"] = list(objects)
    outcome.data["arches"] = [
        {
            "arch": r.arch.name,
            "ok": r.ok,
            "seconds": round(r.seconds, 3),
            "configured": r.configured,
            "failed_step": r.failed_step,
            "build_dir": r.out.as_posix(),
            "log": (r.out / "mirrorgen.log").as_posix(),
        }
        for r in results
    ]
    return outcome
