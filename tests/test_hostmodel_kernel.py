"""The host model matches the real struct page: the kernel's own build says so.

`mirrorgen kbuild --host-probe` compiles, inside each tree's O= build
(x86_64, i386, arm64), an object whose static_asserts pin every offset and
size the model gives for that kernel version; if the model and the kernel
disagree, the build fails and so does this test. A deliberately wrong model
proves the probe can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.kbuild.builddir import kernel_version
from codegen.spec import load_spec
from codegen.verify.hostmodel import load_host_model
from tests.conftest import ROOT
from tests.test_kbuild import ARCHES, build_dir, cache, kbuild, mirrorgen, require_build_tools, tree_copy

ABI = {"x86_64": "x86_64", "i386": "i386", "arm64": "aarch64"}
SPECS = {"6.12": "tests/specs/netmem-linux-6.12.yaml", "sid": "tests/specs/netmem-linux-7.2.yaml"}


def named_host_fields() -> set[str]:
    """Every host field any spec names: mirrored fields and size limits."""
    names: set[str] = set()
    for path in [*(ROOT / "specs").glob("*.yaml"), *(ROOT / "tests" / "specs").glob("*.yaml")]:
        spec = load_spec(path)
        names.update(f.host for f in spec.mirror.fields)
        if spec.mirror.size_limit:
            names.add(spec.mirror.size_limit.host_field)
    return names


@pytest.mark.slow
@pytest.mark.kbuild
@pytest.mark.parametrize("name", ["6.12", "sid"])
def test_the_model_matches_struct_page_in_the_kernel(
    name: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    require_build_tools()
    pristine: Path = request.getfixturevalue("tree_612" if name == "6.12" else "tree_sid")
    copy, cache_dir = tree_copy(tmp_path_factory, pristine, name), cache(tmp_path_factory)
    proc = kbuild(copy, cache_dir, "--host-probe", SPECS[name])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "and the host-model probe" in proc.stdout

    # The probe the kernel just compiled pins the model's numbers for every field a spec names.
    version = kernel_version(copy)
    model = load_host_model(load_spec(ROOT / SPECS[name])).for_kernel(version)
    named = named_host_fields()
    assert named <= set(model.fields), named - set(model.fields)
    for arch in ARCHES.split(","):
        probe = build_dir(cache_dir, copy, arch).parent / f"{arch}-probe"
        source = (probe / "mirrorgen_probe.c").read_text(encoding="utf-8")
        assert (probe / "mirrorgen_probe.o").is_file()
        for field in sorted(named):
            offset, size = model.offset(field, ABI[arch]), model.size(field, ABI[arch])
            assert f"offsetof(struct page, {field}) == {offset}," in source, (arch, field)
            assert f"sizeof(((struct page *)0)->{field}) == {size}," in source, (arch, field)


@pytest.mark.slow
@pytest.mark.kbuild
def test_a_wrong_model_fails_the_probe_at_its_line(
    tree_sid: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    require_build_tools()
    copy, cache_dir = tree_copy(tmp_path_factory, tree_sid, "sid"), cache(tmp_path_factory)
    text = (ROOT / "specs" / "hosts" / "page.yaml").read_text(encoding="utf-8")
    pp = "          - {name: pp, type: struct page_pool *}\n"
    pad = "          - {name: _pp_mapping_pad, type: unsigned long}\n"
    assert text.count(pp + pad) == 1
    wrong = tmp_path / "page.yaml"
    wrong.write_text(text.replace(pp + pad, pad + pp), encoding="utf-8")
    spec_text = (ROOT / SPECS["sid"]).read_text(encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        spec_text.replace("model: ../../specs/hosts/page.yaml", f"model: {wrong}"), encoding="utf-8"
    )

    proc = kbuild(copy, cache_dir, "--host-probe", str(spec))
    assert proc.returncode == 1, proc.stdout[-3000:]
    line = wrong.read_text(encoding="utf-8").split("\n").index(pp.rstrip("\n")) + 1
    findings = [f for f in proc.stderr.splitlines() if f.endswith("[host-model]")]
    host = load_host_model(load_spec(spec))  # the wrong one: pp where the pad is
    (finding,) = [f for f in findings if f.startswith(f"{wrong}:{line}:")]
    assert "the kernel's page.pp has another offset than the host model says" in finding
    assert (
        f"the model says {host.offset('pp', 'x86_64')} on x86_64, arm64; {host.offset('pp', 'i386')} on i386"
        in finding
    )


@pytest.mark.slow
@pytest.mark.kbuild
def test_a_model_name_the_kernel_lacks_fails_at_its_line(
    tree_sid: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    require_build_tools()
    copy, cache_dir = tree_copy(tmp_path_factory, tree_sid, "sid"), cache(tmp_path_factory)
    text = (ROOT / "specs" / "hosts" / "page.yaml").read_text(encoding="utf-8")
    share = "{name: share, type: unsigned long}"
    assert text.count(share) == 1
    wrong = tmp_path / "page.yaml"
    wrong.write_text(text.replace(share, share.replace("share", "sharez")), encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec_text = (ROOT / SPECS["sid"]).read_text(encoding="utf-8")
    spec.write_text(
        spec_text.replace("model: ../../specs/hosts/page.yaml", f"model: {wrong}"), encoding="utf-8"
    )

    proc = mirrorgen(
        "kbuild", "--tree", str(copy), "--arch", "x86_64", "--host-probe", str(spec), cache_dir=cache_dir
    )
    assert proc.returncode == 1, proc.stdout[-3000:]
    line = text[: text.index(share)].count("\n") + 1
    (finding,) = [f for f in proc.stderr.splitlines() if f.endswith("[host-model]")]
    assert finding.startswith(f"{wrong}:{line}:")
    assert (
        "the kernel refuses the host model on x86_64: 'struct page' has no member named 'sharez'" in finding
    )
