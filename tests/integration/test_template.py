"""template.yaml against the code it deploys: handlers, state machine, routes, pins, build.

Everything here reads the template through crowdcare_local.template, the reader the local run
uses, so the checks and the local stack see the same template.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from crowdcare_local.template import REPO_ROOT, TEMPLATE_PATH, function_properties, load_template
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def _resources_of_type(resource_type: str) -> list[str]:
    return sorted(name for name, spec in RESOURCES.items() if spec["Type"] == resource_type)


FUNCTION_IDS = _resources_of_type("AWS::Serverless::Function")
STATE_MACHINE_IDS = _resources_of_type("AWS::Serverless::StateMachine")
LAYER_IDS = _resources_of_type("AWS::Serverless::LayerVersion")

# A Task on the failure path (parking the case, marking it parked) has nowhere left to catch
# to, so it must retry but need not catch.
FAILURE_PATH_PREFIXES = ("Park", "Mark")
_ASL_VARIABLE = re.compile(r"\$\{([^}]+)\}")

# moto and chalice are not the layer's business (boto3 is pinned there: see its requirements).
NOT_IN_LAYER = {"moto", "chalice"}

_ELF_MAGIC = b"\x7fELF"
_EM_AARCH64 = 183  # e_machine of a 64-bit ARM ELF object


# --- helpers ---------------------------------------------------------------------------------


def _import_file(path: Path, module_name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import `path` as module `module_name` (registered in sys.modules for this test only)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, module_name, module)
    spec.loader.exec_module(module)
    return module


def _handler_module_path(properties: dict[str, Any]) -> tuple[Path, str]:
    """The file the Lambda runtime imports for `Handler`, and the attribute it calls."""
    module, attribute = properties["Handler"].rsplit(".", 1)
    return REPO_ROOT / properties["CodeUri"] / f"{module.replace('.', '/')}.py", attribute


def _asl_path(state_machine_id: str) -> Path:
    definition_uri: str = RESOURCES[state_machine_id]["Properties"]["DefinitionUri"]
    return REPO_ROOT / definition_uri


def _all_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, including those inside Parallel branches and Map processors."""
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _all_states(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _all_states(state[key]["States"])


def _requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [Requirement(line) for line in lines if line]


def _project_dependencies() -> dict[str, Requirement]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    requirements = (Requirement(text) for text in pyproject["project"]["dependencies"])
    return {canonicalize_name(req.name): req for req in requirements}


def _requirements_files() -> list[Path]:
    """requirements.txt of every function CodeUri and layer ContentUri that has one."""
    folders = {RESOURCES[i]["Properties"]["CodeUri"] for i in FUNCTION_IDS}
    folders |= {RESOURCES[i]["Properties"]["ContentUri"] for i in LAYER_IDS}
    candidates = (REPO_ROOT / folder / "requirements.txt" for folder in sorted(folders))
    return [path for path in candidates if path.is_file()]


@pytest.fixture
def fresh_crowdcare() -> Iterator[None]:
    """Make the next import re-execute the crowdcare package; restore the original after."""

    def owned() -> list[str]:
        return [n for n in sys.modules if n == "crowdcare" or n.startswith("crowdcare.")]

    saved = {name: sys.modules.pop(name) for name in owned()}
    try:
        yield
    finally:
        for name in owned():
            del sys.modules[name]
        sys.modules.update(saved)


# --- 1. functions and their handlers ----------------------------------------------------------


@pytest.mark.usefixtures("fresh_crowdcare")
@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_handler_imports_without_its_environment(
    logical_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A function's handler module imports with none of its template variables set, and
    exposes the callable its Handler names."""
    # GIVEN the function's properties (Globals applied) and none of its variables in the env
    properties = function_properties(TEMPLATE, logical_id)
    module_path, attribute = _handler_module_path(properties)
    for name in properties.get("Environment", {}).get("Variables", {}):
        monkeypatch.delenv(name, raising=False)
    assert (REPO_ROOT / properties["CodeUri"]).is_dir(), f"{logical_id}: CodeUri missing"
    assert module_path.is_file(), f"{logical_id}: {module_path} missing"

    # WHEN the module is imported from its file, as the Lambda runtime would
    module = _import_file(module_path, f"_template_check_{logical_id}", monkeypatch)

    # THEN the handler attribute exists and can be called
    handler = getattr(module, attribute, None)
    assert handler is not None, f"{logical_id}: {module_path.name} has no {attribute!r}"
    assert callable(handler)


# --- 2. state machines ------------------------------------------------------------------------


@pytest.mark.parametrize("state_machine_id", STATE_MACHINE_IDS)
def test_every_asl_variable_has_a_substitution(state_machine_id: str) -> None:
    """Each ${...} in a state machine definition is provided by its DefinitionSubstitutions."""
    # GIVEN the definition file and the substitutions the template declares
    properties = RESOURCES[state_machine_id]["Properties"]
    provided = set(properties.get("DefinitionSubstitutions", {}))

    # WHEN the variables the definition uses are collected
    used = set(_ASL_VARIABLE.findall(_asl_path(state_machine_id).read_text("utf-8")))

    # THEN none is left without a value at deploy time
    assert used - provided == set()


@pytest.mark.parametrize("state_machine_id", STATE_MACHINE_IDS)
def test_every_substitution_is_used(state_machine_id: str) -> None:
    """Each DefinitionSubstitutions key appears as ${key} in the state machine definition."""
    # GIVEN the substitutions the template declares
    provided = set(RESOURCES[state_machine_id]["Properties"].get("DefinitionSubstitutions", {}))

    # WHEN the variables the definition uses are collected
    used = set(_ASL_VARIABLE.findall(_asl_path(state_machine_id).read_text("utf-8")))

    # THEN no substitution is dead (a renamed placeholder would leave one behind)
    assert provided - used == set()


@pytest.mark.parametrize(
    "asl_path", sorted((REPO_ROOT / "statemachines").glob("*.asl.json")), ids=lambda p: p.name
)
def test_every_task_retries_with_backoff_and_catches(asl_path: Path) -> None:
    """Every Task state retries with backoff and jitter, and catches unless it is on the
    failure path (Park/Mark states)."""
    # GIVEN every state of the definition, nested ones included
    states = list(_all_states(json.loads(asl_path.read_text("utf-8"))["States"]))
    tasks = [(name, state) for name, state in states if state["Type"] == "Task"]
    assert tasks, f"{asl_path.name} has no Task state"

    # WHEN the Task states are checked for Retry and Catch
    without_retry = [name for name, state in tasks if not state.get("Retry")]
    without_backoff = [
        name
        for name, state in tasks
        for retrier in state.get("Retry", [])
        if "BackoffRate" not in retrier or "JitterStrategy" not in retrier
    ]
    without_catch = [
        name
        for name, state in tasks
        if not state.get("Catch") and not name.startswith(FAILURE_PATH_PREFIXES)
    ]

    # THEN there are none to report
    assert without_retry == []
    assert without_backoff == []
    assert without_catch == []


# --- 3. webhook routes ------------------------------------------------------------------------


def test_chalice_routes_match_the_api_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhooks app's Chalice routes and WebhooksFunction's Api events are the same set
    of (path, method)."""
    # GIVEN the Api events the template wires to the webhooks function
    properties = function_properties(TEMPLATE, "WebhooksFunction")
    declared = {
        (event["Properties"]["Path"], event["Properties"]["Method"].upper())
        for event in properties.get("Events", {}).values()
        if event["Type"] == "Api"
    }
    module_path, attribute = _handler_module_path(properties)

    # WHEN the Chalice app's routes are read
    app = getattr(_import_file(module_path, "_template_check_routes", monkeypatch), attribute)
    routed = {(path, method.upper()) for path, entries in app.routes.items() for method in entries}

    # THEN each route has an event and each event a route
    assert routed - declared == set(), "routes with no Api event in template.yaml"
    assert declared - routed == set(), "Api events with no Chalice route"


# --- 4. dependency pins -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "requirements_path", _requirements_files(), ids=lambda p: str(p.relative_to(REPO_ROOT))
)
def test_packaged_requirements_pin_what_pyproject_pins(requirements_path: Path) -> None:
    """Each requirement packaged with a function or layer is pinned exactly, with the same
    pin as pyproject.toml's [project] dependencies."""
    # GIVEN the project's dependencies
    project = _project_dependencies()

    # WHEN the packaged requirements are compared with them
    packaged = {canonicalize_name(req.name): req for req in _requirements(requirements_path)}
    mismatches = {
        str(req): str(project.get(name, "not in pyproject.toml"))
        for name, req in packaged.items()
        if name not in project or project[name].specifier != req.specifier
    }
    unpinned = [
        str(req) for req in packaged.values() if [spec.operator for spec in req.specifier] != ["=="]
    ]

    # THEN the deployed code and the tested code run the same versions
    assert mismatches == {}
    assert unpinned == []


def test_layer_leaves_out_runtime_and_tooling_packages() -> None:
    """The core layer's requirements hold nothing that belongs elsewhere (moto, chalice)."""
    # GIVEN the core layer's requirements file
    path = REPO_ROOT / RESOURCES["CoreLayer"]["Properties"]["ContentUri"] / "requirements.txt"

    # WHEN its package names are read
    names = {canonicalize_name(req.name) for req in _requirements(path)}

    # THEN none of the excluded packages is among them
    assert names & NOT_IN_LAYER == set()


# --- 5. cfn-lint ------------------------------------------------------------------------------


def test_cfn_lint_passes() -> None:
    """cfn-lint reports nothing on template.yaml."""
    # GIVEN the cfn-lint installed next to the interpreter running the tests
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    assert cfn_lint.is_file(), f"{cfn_lint} missing: run make setup"

    # WHEN it lints the template
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE_PATH)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )

    # THEN it exits 0
    assert result.returncode == 0, result.stdout + result.stderr


# --- 6. sam validate and sam build ------------------------------------------------------------


@dataclass(frozen=True)
class SamBuild:
    """A finished `sam build`: its build directory and how long it took."""

    build_dir: Path
    seconds: float


def _sam_binary() -> str:
    """sam from CROWDCARE_SAM (set by `make test` and CI), else from PATH; skip otherwise."""
    sam = os.environ.get("CROWDCARE_SAM") or shutil.which("sam")
    if not sam:
        pytest.skip(
            "sam not available: set CROWDCARE_SAM (make sam-cli installs it) or put sam on PATH"
        )
    return sam


def _sam_env() -> dict[str, str]:
    """sam's environment: a region, no telemetry, python3.13 (this venv's) first on PATH."""
    return os.environ | {
        "AWS_DEFAULT_REGION": "us-east-1",
        "SAM_CLI_TELEMETRY": "0",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }


def _run_sam(*arguments: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_sam_binary(), *arguments],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=_sam_env(),
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> SamBuild:
    """The template built once for this module, into a temporary directory."""
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    started = time.monotonic()
    result = _run_sam(
        "build", "--template-file", str(TEMPLATE_PATH), "--build-dir", str(build_dir), timeout=900
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"\nsam build took {seconds:.1f} s")
    return SamBuild(build_dir=build_dir, seconds=seconds)


def _tree_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _elf_machine(path: Path) -> int | None:
    """The e_machine of an ELF file (little-endian header), None for anything else."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or not header.startswith(_ELF_MAGIC):
        return None
    return int.from_bytes(header[18:20], "little")


@pytest.mark.slow
def test_sam_validate_lint_passes() -> None:
    """`sam validate --lint` accepts template.yaml."""
    # GIVEN the sam CLI (skipped when there is none)
    # WHEN it validates the template with linting
    result = _run_sam("validate", "--lint", "--template-file", str(TEMPLATE_PATH), timeout=300)

    # THEN it exits 0
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_sam_build_puts_core_library_and_dependencies_in_the_layer(sam_build: SamBuild) -> None:
    """The built core layer holds the crowdcare package and its dependencies under python/."""
    # GIVEN a finished sam build
    # WHEN the layer's python/ folder is inspected
    python = sam_build.build_dir / "CoreLayer" / "python"
    print(f"\nCoreLayer unzipped: {_tree_bytes(python.parent) / 1e6:.1f} MB")

    # THEN the core library, pydantic, and the boto3 we test with (matching its botocore)
    assert (python / "crowdcare" / "domain" / "models.py").is_file()
    assert (python / "pydantic").is_dir()
    assert (python / "boto3").is_dir()
    assert (python / "botocore").is_dir()


@pytest.mark.slow
def test_sam_build_packages_chalice_with_the_webhooks_function(sam_build: SamBuild) -> None:
    """The built webhooks function carries chalice next to app.py."""
    # GIVEN a finished sam build
    # WHEN the webhooks function's folder is inspected
    function = sam_build.build_dir / "WebhooksFunction"
    print(f"\nWebhooksFunction unzipped: {_tree_bytes(function) / 1e6:.1f} MB")

    # THEN its handler and the chalice package are there
    assert (function / "app.py").is_file()
    assert (function / "chalice" / "app.py").is_file()


@pytest.mark.slow
def test_sam_build_binaries_are_arm64(sam_build: SamBuild) -> None:
    """Every compiled extension in the build targets aarch64, matching the arm64 functions."""
    # GIVEN a finished sam build
    # WHEN every shared object in it is inspected
    shared_objects = [p for p in sam_build.build_dir.rglob("*.so*") if p.is_file()]
    machines = {str(p.relative_to(sam_build.build_dir)): _elf_machine(p) for p in shared_objects}

    # THEN pydantic_core is an aarch64 build and no shared object targets another machine
    pydantic_core = [name for name in machines if "/_pydantic_core." in name]
    assert pydantic_core, "pydantic_core's extension is missing from the build"
    assert all("aarch64" in name for name in pydantic_core), pydantic_core
    wrong = {name: machine for name, machine in machines.items() if machine != _EM_AARCH64}
    assert wrong == {}
