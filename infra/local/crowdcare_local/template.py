"""Reading template.yaml for the local run, so the cloud and the local stack cannot drift.

Only what the local stack needs is interpreted: parameters with their defaults, resource
properties, and the intrinsic functions the template uses (Ref, Fn::GetAtt, Fn::Sub, Fn::If,
Fn::Equals, Fn::Not). An intrinsic this reader does not know is an error, not a silent guess.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


class TemplateError(ValueError):
    """template.yaml uses something the local stack cannot interpret."""


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form tags (!Ref, !GetAtt, ...)."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, short-form tags turned into their long form.

    Parsed once per version of the file (parsing takes ~0.4 s, and tests create tables from
    it many times); each caller gets its own copy to change as it likes.
    """
    return copy.deepcopy(_parsed(path, path.stat().st_mtime_ns))


def template_resource(logical_id: str, path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """One resource of the template (a copy), without copying the whole template."""
    return copy.deepcopy(_parsed(path, path.stat().st_mtime_ns)["Resources"][logical_id])


@functools.cache
def _parsed(path: Path, mtime_ns: int) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return document


@dataclass
class PhysicalResource:
    """What a provisioned resource answers to Ref and Fn::GetAtt."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class IntrinsicResolver:
    """Resolves intrinsic functions against parameters and already provisioned resources."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, str],
        stack_name: str,
        resources: dict[str, PhysicalResource],
    ) -> None:
        self._template = template
        self._parameters = parameters
        self._stack_name = stack_name
        self._resources = resources
        self._pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }

    def condition(self, name: str) -> bool:
        """Evaluate a named condition from the Conditions section."""
        return bool(self.resolve(self._template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911 - one return per intrinsic reads best
        """Resolve every intrinsic inside `value`."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::GetAtt":
                return self._get_att(argument)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = self.resolve(argument)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key.startswith("Fn::"):
                raise TemplateError(f"the local stack does not interpret {key}")
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._resources:
            return self._resources[name].ref
        raise TemplateError(f"Ref to {name}, which is not provisioned (yet)")

    def _get_att(self, argument: list[str]) -> str:
        logical_id, attribute = argument
        resource = self._resources.get(logical_id)
        if resource is None or attribute not in resource.attributes:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not available locally")
        return resource.attributes[attribute]

    def _sub(self, argument: str | list[Any]) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {k: str(self.resolve(v)) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            if "." in name:
                return self._get_att(name.split(".", 1))
            return self._ref(name)

        return _SUB_VARIABLE.sub(replace, text)


def parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    """Parameter values: the template's defaults, then the overrides; unknown names fail."""
    declared = template.get("Parameters", {})
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"unknown parameters: {', '.join(sorted(unknown))}")
    values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
    values.update(overrides)
    return values


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function of the template, as the local runtime needs it."""

    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, str]
    events: dict[str, Any]

    @property
    def module_path(self) -> Path:
        return self.code_uri / (self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py")

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def function_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the template's Globals applied (as SAM does)."""
    merged: dict[str, Any] = dict(template.get("Globals", {}).get("Function", {}))
    own = template["Resources"][logical_id].get("Properties", {})
    for key, value in own.items():
        if key == "Environment":
            variables = dict(merged.get("Environment", {}).get("Variables", {}))
            variables.update(value.get("Variables", {}))
            merged["Environment"] = {"Variables": variables}
        else:
            merged[key] = value
    return merged
