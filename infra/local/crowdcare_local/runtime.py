"""Running the template's Lambda functions in this process, as Lambda would.

Step Functions' `lambda:invoke` calls are answered by a botocore `before-call.lambda.Invoke`
hook on the default session (the one moto's interpreter uses); streams and queues reach their
functions through `crowdcare_local.stack.pump`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import sys
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TextIO

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

from crowdcare_local.least_privilege import running
from crowdcare_local.template import ACCOUNT_ID, REGION, FunctionSpec

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """The parts of Lambda's context object that handlers and powertools read."""

    function_name: str
    memory_limit_in_mb: int = 256
    timeout_ms: int = 15_000

    def __post_init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        )
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


class FunctionLog(io.TextIOBase):
    """Where the functions' own output goes (CloudWatch Logs in Lambda): stderr, unless a
    command sends it elsewhere (`crowdcare demo` sends it to its log file).

    One object that looks up its target on every write, so handlers that were given it before
    a redirect follow the redirect.
    """

    _target: TextIO | None = None
    _process_stderr: TextIO = sys.__stderr__ or sys.stderr

    @classmethod
    def redirect(cls, target: TextIO | None) -> None:
        """Send the functions' output to `target` (None: back to stderr)."""
        cls._target = target

    def _stream(self) -> TextIO:
        if self._target is not None:
            return self._target
        # While the interpreter shuts down, module globals (sys too) may already be None; the
        # class keeps the process's own stderr for that moment.
        current: TextIO | None = getattr(sys, "stderr", None)
        return current if current is not None else self._process_stderr

    def write(self, text: str) -> int:
        return self._stream().write(text)

    def flush(self) -> None:
        self._stream().flush()


FUNCTION_LOG = FunctionLog()


class FunctionOutput(io.TextIOBase):
    """The process's stdout while functions run in it: a function's prints go to FUNCTION_LOG.

    A function's stdout is its log in Lambda; locally it must not reach the command's own
    stdout (powertools prints metrics there past 100 values, even with metrics disabled).
    Functions run on many threads at once, so swapping `sys.stdout` per call would race and
    could leave it pointing at stderr; instead one proxy routes by a per-thread flag.
    """

    _local = threading.local()
    _install_lock = threading.Lock()

    def __init__(self, stdout: Any) -> None:
        super().__init__()
        self._stdout = stdout

    @classmethod
    def install(cls) -> None:
        """Put the proxy in front of sys.stdout once per process."""
        with cls._install_lock:
            if not isinstance(sys.stdout, cls):
                sys.stdout = cls(sys.stdout)

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[None]:
        """Mark this thread as running a function for the duration of the block."""
        previous = getattr(cls._local, "in_function", False)
        cls._local.in_function = True
        try:
            yield
        finally:
            cls._local.in_function = previous

    def _target(self) -> Any:
        return FUNCTION_LOG if getattr(self._local, "in_function", False) else self._stdout

    def write(self, text: str) -> int:
        return int(self._target().write(text))

    def flush(self) -> None:
        target = self._target()
        # Also called when the proxy is garbage-collected, possibly after whoever owned the
        # wrapped stream (a test's capture) closed it.
        if not target.closed:
            target.flush()

    def isatty(self) -> bool:
        return bool(self._stdout.isatty())

    def fileno(self) -> int:
        return int(self._stdout.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(self._stdout.encoding)


class FunctionError(Exception):
    """A handler raised: reported to the caller the way Lambda reports an unhandled error."""


class LocalLambdaRuntime:
    """Loads each function's handler from its folder and invokes it by name or ARN."""

    def __init__(self, functions: dict[str, FunctionSpec], physical_names: dict[str, str]) -> None:
        self._specs = functions
        self._names = physical_names  # logical id -> function name
        self._by_name = {name: logical for logical, name in physical_names.items()}
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self.invocations: Counter[str] = Counter()
        FunctionOutput.install()
        self.failures: Counter[str] = Counter()

    def _module(self, spec: FunctionSpec) -> ModuleType:
        path = spec.module_path
        key = str(path)
        with self._lock:
            if key not in self._modules:
                name = "crowdcare_fn_" + "_".join(
                    path.relative_to(path.parents[2]).with_suffix("").parts
                )
                loader_spec = importlib.util.spec_from_file_location(name, path)
                if loader_spec is None or loader_spec.loader is None:
                    raise FunctionError(f"cannot load {path}")
                module = importlib.util.module_from_spec(loader_spec)
                sys.modules[name] = module
                loader_spec.loader.exec_module(module)
                _logs_to_function_log(module)
                self._modules[key] = module
            return self._modules[key]

    def forget_built_dependencies(self) -> None:
        """Clear every cached accessor of the loaded handlers (like a cold start), so they
        rebuild their services, e.g. after the rules parameter changed."""
        with self._lock:
            modules = list(self._modules.values())
        for module in modules:
            for value in vars(module).values():
                clear = getattr(value, "cache_clear", None)
                if callable(clear) and getattr(value, "__module__", None) == module.__name__:
                    clear()

    def handler(self, logical_id: str) -> Handler:
        """The handler object of a function (imported on first use, like a cold start)."""
        spec = self._specs[logical_id]
        handler: Handler = getattr(self._module(spec), spec.attribute)
        return handler

    def logical_id_for(self, function: str) -> str:
        """Map a function name or ARN (as Step Functions passes it) to its logical id."""
        name = function.rsplit(":function:", 1)[-1].split(":", 1)[0]
        if name in self._by_name:
            return self._by_name[name]
        if name in self._specs:
            return name
        raise FunctionError(f"no local function named {function}")

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run the handler with a fresh context; count invocations and failures."""
        self.invocations[logical_id] += 1
        context = LocalContext(function_name=self._names.get(logical_id, logical_id))
        try:
            with FunctionOutput.running(), running(logical_id):
                return self.handler(logical_id)(event, context)
        except Exception:
            self.failures[logical_id] += 1
            raise

    # ------------------------------------------------------------------ Step Functions hook
    def install_invoke_hook(self, session: boto3.Session | None = None) -> None:
        """Answer `lambda.Invoke` calls made through the default boto3 session in-process."""
        if session is None:
            if boto3.DEFAULT_SESSION is None:
                boto3.setup_default_session()
            session = boto3.DEFAULT_SESSION
        assert session is not None
        # botocore types handlers as returning None; a before-call handler may return a response.
        session.events.register("before-call.lambda.Invoke", self._on_invoke)  # type: ignore[arg-type]

    def _on_invoke(
        self, params: dict[str, Any], model: Any, **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]]:
        from urllib.parse import unquote  # noqa: PLC0415

        function = unquote(params["url_path"].split("/functions/", 1)[1].split("/", 1)[0])
        event = json.loads(params["body"] or b"null")
        parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        try:
            result = self.invoke(self.logical_id_for(function), event)
            payload = json.dumps(result, default=str).encode()
        except Exception as exc:  # noqa: BLE001 - every handler error becomes Lambda's FunctionError
            payload = json.dumps(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_exception(exc)[-3:],
                }
            ).encode()
            parsed["FunctionError"] = "Unhandled"
        parsed["Payload"] = io.BytesIO(payload)
        parsed["ResponseMetadata"] = {"HTTPStatusCode": 200, "HTTPHeaders": {}}
        return AWSResponse(params["url"], 200, HTTPHeaders(), None), parsed


def _logs_to_function_log(module: ModuleType) -> None:
    """Lambda's logs go to CloudWatch; locally they go to FUNCTION_LOG, so stdout stays the
    command's own output (`crowdcare demo --json` prints exactly one JSON object)."""
    from aws_lambda_powertools import Logger  # noqa: PLC0415

    for value in vars(module).values():
        if isinstance(value, Logger):
            handler = value.registered_handler
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(FUNCTION_LOG)

