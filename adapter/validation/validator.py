"""The public validator: load definitions once, validate many resources.

::

    v = Validator.load(definitions=["extra/StructureDefinition-x.json"])
    outcome = v.validate(resource, profile="http://example.org/StructureDefinition/x")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adapter.errors import ValidationSetupError
from adapter.validation.context import Options, Run
from adapter.validation.engine import Engine
from adapter.validation.fhirpath_functions import CURRENT_ENV, EvalEnv
from adapter.validation.json_input import parse_json
from adapter.validation.loader import DEFAULT_PROFILES, Definitions
from adapter.validation.outcome import Issue, operation_outcome
from adapter.validation.references import resolve
from adapter.validation.structure import StructureInfo
from adapter.validation.xml_input import xml_to_json

Source = dict[str, Any] | str | bytes | Path


class Validator:
    """FHIR R4 validator over R4 core, the terminology and extension packs, ``profiles/`` and extras."""

    def __init__(self, defs: Definitions, options: Options | None = None) -> None:
        self.defs = defs
        self.options = options or Options()
        self.engine = Engine(defs)

    @classmethod
    def load(
        cls,
        definitions: Sequence[str | Path] = (),
        profiles_dir: Path | None = DEFAULT_PROFILES,
        package_root: Path | None = None,
        use_cache: bool = True,
        options: Options | None = None,
    ) -> Validator:
        """Load R4 core + packages + the red-bag profiles + ``definitions`` (JSON/XML files or folders).

        Raises PackageError when the package cache lacks the core definitions (run
        ``redbag packages install``) and ValidationSetupError when a definition cannot be read.
        """
        defs = Definitions.load(
            definitions, profiles_dir=profiles_dir, package_root=package_root, use_cache=use_cache
        )
        return cls(defs, options)

    def with_definitions(self, paths: Sequence[str | Path]) -> Validator:
        """A validator that also knows these definition files (this one is unchanged)."""
        defs = self.defs.copy()
        for p in paths:
            defs.add_file(Path(p), source="extra")
        return Validator(defs, self.options)

    def with_resources(self, resources: Sequence[dict[str, Any]]) -> Validator:
        """A validator that also knows these definition resources (this one is unchanged)."""
        defs = self.defs.copy()
        for res in resources:
            if not defs.add(res, source="runtime"):
                raise ValidationSetupError(f"not a definition resource: {res.get('resourceType')}")
        defs.complete_snapshots()
        return Validator(defs, self.options)

    def profile(self, profile: str | Path) -> StructureInfo:
        """A profile by canonical URL or from a file (which is added to the definitions)."""
        text = str(profile)
        if not isinstance(profile, Path) and ("://" in text or text.startswith("urn:")):
            info = self.defs.structure(text)
            if info is None:
                raise ValidationSetupError(f"profile {text} is not known (load it with --definitions)")
            return info
        path = Path(profile)
        if not path.is_file():
            raise ValidationSetupError(f"profile {text} is neither a known URL nor a file")
        added = [
            r
            for r in self.defs.add_file(path, source="profile")
            if r.get("resourceType") == "StructureDefinition"
        ]
        if not added:
            raise ValidationSetupError(f"{path} holds no StructureDefinition")
        self.engine = Engine(self.defs)
        info = self.defs.structure(str(added[0]["url"]))
        if info is None:
            msgs = self.defs.snapshot_messages.get(str(added[0]["url"]), [])
            raise ValidationSetupError(f"{path}: no snapshot could be generated ({'; '.join(msgs)})")
        return info

    def parse(self, source: Source) -> tuple[dict[str, Any] | None, list[Issue]]:
        """The JSON form of a resource given as a dict, JSON/XML text or bytes, or a file path."""
        if isinstance(source, dict):
            return source, []
        raw: bytes
        if isinstance(source, Path):
            raw = source.read_bytes()
        elif isinstance(source, str):
            stripped = source.lstrip()
            if stripped.startswith(("{", "<", "[")):
                raw = source.encode("utf-8")
            else:
                raw = Path(source).read_bytes()
        else:
            raw = source
        body = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
        if body.startswith(b"<"):
            return xml_to_json(body, self.defs)
        data, issues = parse_json(body)
        if any(i.severity == "fatal" for i in issues):
            return None, issues
        if not isinstance(data, dict):
            return None, [
                Issue("fatal", "structure", "", "The JSON document must be an object (a FHIR resource)")
            ]
        return data, issues

    def validate_issues(
        self,
        source: Source,
        profile: str | Path | StructureInfo | None = None,
        options: Options | None = None,
    ) -> list[Issue]:
        """Validate and return the issues (see :meth:`validate`)."""
        resource, issues = self.parse(source)
        if resource is None:
            return issues
        profiles = None
        if profile is not None:
            profiles = [profile if isinstance(profile, StructureInfo) else self.profile(profile)]
        run = Run(options or self.options)
        for issue in issues:
            run.add(issue)
        token = CURRENT_ENV.set(self._env(run))
        try:
            self.engine.validate_resource(run, resource, "", profiles)
        finally:
            CURRENT_ENV.reset(token)
        return run.issues

    def validate(
        self,
        source: Source,
        profile: str | Path | StructureInfo | None = None,
        options: Options | None = None,
    ) -> dict[str, Any]:
        """Validate a resource (dict, JSON/XML text or bytes, or a path) and return an OperationOutcome.

        ``profile`` (URL, file or compiled profile) replaces the base type as the target; profiles the
        resource claims in ``meta.profile`` are always checked.
        """
        return operation_outcome(self.validate_issues(source, profile, options))

    def _env(self, run: Run) -> EvalEnv:
        engine = self.engine

        def resolve_ref(ref: str, here: dict[str, Any] | None) -> dict[str, Any] | None:
            from adapter.validation.context import Frame

            return resolve(engine, ref, Frame(here or {}, "")) if here is not None else None

        def member_of(value: Any, vs: str) -> bool | None:
            from adapter.validation.bindings import _codings

            for type_code in ("code", "Coding", "CodeableConcept"):
                codings = (
                    _codings(value, type_code) if (type_code == "code") == isinstance(value, str) else []
                )
                if codings:
                    results = [engine.tx.member(vs, s, c).member for s, c, _, _ in codings]
                    if any(r is True for r in results):
                        return True
                    if any(r is None for r in results):
                        return None
                    return False
            return None

        def conforms_to(res: dict[str, Any], url: str) -> bool | None:
            info = engine.defs.structure(url)
            if info is None:
                return None
            sub = run.fork()
            engine.validate_resource(sub, res, str(res.get("resourceType", "")), [info])
            return not sub.has_errors

        return EvalEnv(resolve_ref, member_of, conforms_to)
