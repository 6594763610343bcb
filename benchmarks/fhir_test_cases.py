"""Run the HL7 validator test cases (fhir-test-cases ``validator/manifest.json`` format) and compare.

For each case the file is validated as the reference harness does (supporting definitions loaded, the
``profiles`` list cached, examples allowed unless ``examples`` is false, references fetched from the
suite folder when ``validateReference`` asks for it, the FHIR ``packages`` it names loaded from the package
cache); then, when the case has a ``profile`` entry, it is validated against that profile. The expected
verdict is "valid" when the expected OperationOutcome (``outcomes/java/...``) or the inline ``errorCount``
has no error/fatal issue.

A check is *not handled* (counted apart, its verdict not compared) when it needs a package that is not in
the cache, or when the validator found no error but could not decide everything: it said that something
needs a terminology server (a ``not handled`` issue), or a referenced resource it had to validate is not in
the suite folder. Its verdict would be a guess.

    python benchmarks/fhir_test_cases.py --suite ../shared/corpora/fhir-test-cases-r4 \
        --suite ../shared/corpora/fhir-test-cases-r4-extra [--case NAME] [-v]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapter.validation import Issue, Options, Validator
from adapter.validation.packages import cache_root

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "fhir-test-cases-r4"
R4_VERSIONS = ("4.0", "4.0.1")


@dataclass
class CheckResult:
    """One base or profile check of a case."""

    case: str
    kind: str  # "base" or "profile"
    module: str
    expected_errors: int
    actual_errors: int
    issues: list[Issue] = field(default_factory=list)
    crashed: str | None = None
    missing: str | None = None  # why the check cannot be run faithfully here (a package not in the cache)
    unfetched: str | None = None  # referenced resources to validate that the suite folder lacks

    @property
    def not_handled(self) -> str | None:
        """Why the verdict is not compared: a missing package, or an undecidable terminology question
        behind a 'valid' result."""
        if self.missing:
            return self.missing
        if self.actual_errors == 0:  # (an error found anyway decides the verdict without what is missing)
            return self.unfetched or next((i.message for i in self.issues if i.is_not_handled), None)
        return None

    @property
    def verdict_agrees(self) -> bool:
        """Both valid or both invalid."""
        return (self.expected_errors == 0) == (self.actual_errors == 0)

    @property
    def count_agrees(self) -> bool:
        """The same number of error/fatal issues."""
        return self.expected_errors == self.actual_errors


def load_manifest(suite: Path) -> list[dict[str, Any]]:
    """The R4 test cases of a suite folder."""
    data = orjson.loads((suite / "manifest.json").read_bytes())
    cases = data.get("test-cases", data) if isinstance(data, dict) else data
    return [c for c in cases if isinstance(c, dict) and "file" in c]


def is_r4(case: dict[str, Any]) -> bool:
    """This validator is for FHIR R4 (4.0.x) content only."""
    return str(case.get("version", "4.0")).startswith(R4_VERSIONS)


def expected_errors(suite: Path, spec: Any) -> int | None:
    """Error count of an expected outcome: a file under outcomes/ or an inline ``errorCount``."""
    if isinstance(spec, dict):
        n = spec.get("errorCount")
        return int(n) if isinstance(n, int) else None
    if isinstance(spec, str):
        path = suite / "outcomes" / spec
        if not path.is_file():
            return None
        oo = orjson.loads(path.read_bytes())
        return sum(1 for i in oo.get("issue", []) if i.get("severity") in ("error", "fatal"))
    return None


class FolderFetcher:
    """Resolve ``Type/id`` references to files in the suite folder, as the reference harness does
    (``type-id.json``/``.xml``, then ``id.json``/``.xml``, lower case)."""

    def __init__(self, suite: Path, validator: Validator) -> None:
        self.suite = suite
        self.validator = validator
        self.cache: dict[str, dict[str, Any] | None] = {}
        self.asked: list[str] = []  # every reference asked for, in order (cached answers too)

    def __call__(self, url: str) -> dict[str, Any] | None:
        self.asked.append(url)
        if url not in self.cache:
            self.cache[url] = self._find(url)
        return self.cache[url]

    def not_found_since(self, start: int) -> list[str]:
        """The references asked for since ``asked[start]`` that have no file in the folder."""
        return sorted({u for u in self.asked[start:] if self.cache.get(u) is None})

    def _find(self, url: str) -> dict[str, Any] | None:
        names = [url.replace("/", "-").lower()]
        if "/" in url:
            names.append(url.split("/", 1)[1].replace("/", "-").lower())
        for name in names:
            for ext in (".json", ".xml"):
                path = self.suite / f"{name}{ext}"
                if path.is_file():
                    found, _ = self.validator.parse(path)
                    return found
        return None


def _with(v: Validator, suite: Path, files: list[str], folders: list[Path] | None = None) -> Validator:
    paths = [*(folders or []), *(suite / f for f in files)]
    return v.with_definitions(paths) if paths else v


def package_folders(case: dict[str, Any]) -> tuple[list[Path], str | None]:
    """The package folders of the packages a case names (``name#version``), and which are missing."""
    found: list[Path] = []
    missing: list[str] = []
    for spec in case.get("packages", []) or []:
        name = str(spec).removesuffix(".tgz")
        folder = cache_root() / name / "package"
        if folder.is_dir():
            found.append(folder)
        else:
            missing.append(str(spec))
    return found, (f"needs package(s) not in the cache: {', '.join(missing)}" if missing else None)


def run_case(base: Validator, suite: Path, case: dict[str, Any]) -> list[CheckResult]:
    """The base check and (when present) the profile check of one case."""
    name = str(case.get("name"))
    module = str(case.get("module", "general"))
    results: list[CheckResult] = []
    supporting = [*case.get("supporting", []), *case.get("supporting5", []), *case.get("profiles", [])]
    folders, missing = package_folders(case)
    v = _with(base, suite, supporting, folders)
    fetch = FolderFetcher(suite, v)
    options = Options(
        allow_examples=bool(case.get("examples", True)),
        fetcher=fetch if case.get("validateReference") else None,
        check_references=case.get("validateReference") == "CHECK_VALID",
        bundle_profiles=_bundle_param(case),
        validate_contained=case.get("validateContains") != "IGNORE",
        base_with_profiles=True,  # as the reference harness: the base type as well as each profile
        extension_domains=(*Options().extension_domains, *_as_list(case.get("allowed-extension-domain"))),
    )
    file = suite / str(case["file"])
    want = expected_errors(suite, case.get("java"))
    if want is not None:
        start = len(fetch.asked)
        result = _check(v, file, None, options, name, "base", module, want, missing)
        results.append(_unfetched(result, fetch, start, options))
    prof = case.get("profile")
    if isinstance(prof, dict) and "source" in prof:
        want = expected_errors(suite, prof.get("java"))
        if want is not None:
            pv = _with(v, suite, list(prof.get("supporting", [])))
            source = str(prof["source"])
            target: str | Path = source if "://" in source else suite / source
            start = len(fetch.asked)
            result = _check(pv, file, target, options, name, "profile", module, want, missing)
            results.append(_unfetched(result, fetch, start, options))
    return results


def _unfetched(result: CheckResult, fetch: FolderFetcher, start: int, options: Options) -> CheckResult:
    """Note referenced resources that must be validated (CHECK_VALID) but are not in the folder: without
    them a 'valid' result is a guess (see CheckResult.not_handled)."""
    absent = fetch.not_found_since(start) if options.check_references else []
    if absent:
        names = ", ".join(absent)
        result.unfetched = f"referenced resource(s) to validate are not in the suite folder: {names}"
    return result


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _bundle_param(case: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    bp = case.get("bundle-param")
    if isinstance(bp, dict) and "rule" in bp and "profile" in bp:
        return ((str(bp["rule"]), str(bp["profile"])),)
    return ()


def _check(
    v: Validator,
    file: Path,
    profile: str | Path | None,
    options: Options,
    name: str,
    kind: str,
    module: str,
    want: int,
    missing: str | None = None,
) -> CheckResult:
    try:
        issues = v.validate_issues(file, profile, options)
    except Exception as exc:  # a crash is a disagreement to report, not a reason to stop
        return CheckResult(name, kind, module, want, -1, [], f"{type(exc).__name__}: {exc}", missing)
    errors = sum(1 for i in issues if i.is_error)
    return CheckResult(name, kind, module, want, errors, issues, None, missing)


@dataclass
class Summary:
    """Agreement figures over the handled checks (``not_handled`` are counted apart)."""

    total: int
    verdict: int
    count: int
    not_handled: int = 0
    verdict_all: int = 0  # verdicts agreeing among all checks, the not-handled ones included

    @property
    def verdict_all_pct(self) -> float:
        """Verdict agreement over every check, in percent."""
        n = self.total + self.not_handled
        return 100.0 * self.verdict_all / n if n else 0.0

    @property
    def verdict_pct(self) -> float:
        """Verdict agreement in percent."""
        return 100.0 * self.verdict / self.total if self.total else 0.0

    @property
    def count_pct(self) -> float:
        """Exact error-count agreement in percent."""
        return 100.0 * self.count / self.total if self.total else 0.0


def summarise(results: list[CheckResult]) -> tuple[Summary, dict[str, Summary]]:
    """Overall and per-module agreement."""
    per: dict[str, list[CheckResult]] = defaultdict(list)
    for r in results:
        per[r.module].append(r)

    def s(rs: list[CheckResult]) -> Summary:
        handled = [r for r in rs if not r.not_handled]
        return Summary(
            len(handled),
            sum(r.verdict_agrees for r in handled),
            sum(r.count_agrees for r in handled),
            len(rs) - len(handled),
            sum(r.verdict_agrees for r in rs),
        )

    return s(results), {m: s(rs) for m, rs in sorted(per.items())}


def run_suite(suite: Path, only: str | None = None, validator: Validator | None = None) -> list[CheckResult]:
    """Every check of every R4 case of the suite (or only the named case)."""
    base = validator or Validator.load(profiles_dir=None)
    results: list[CheckResult] = []
    for case in load_manifest(suite):
        if (only and case.get("name") != only) or not is_r4(case):
            continue
        results.extend(run_case(base, suite, case))
    return results


def main(argv: list[str] | None = None) -> int:
    """Print agreement per module and overall for each suite, and every disagreement."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--suite",
        type=Path,
        action="append",
        help=f"folder with manifest.json; repeat for several (default: {DEFAULT_SUITE})",
    )
    parser.add_argument("--case", help="run only the case with this name")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the issues of disagreeing checks")
    args = parser.parse_args(argv)
    suites: list[Path] = args.suite or [DEFAULT_SUITE]
    for suite in suites:
        if not (suite / "manifest.json").is_file():
            print(f"error: no manifest.json in {suite}", file=sys.stderr)
            return 2
    base = Validator.load(profiles_dir=None)
    for n, suite in enumerate(suites):
        if n:
            print()
        report_suite(suite, base, args.case, args.verbose)
    return 0


def report_suite(suite: Path, base: Validator, only: str | None, verbose: bool) -> None:
    """Run one suite and print its figures and disagreements."""
    skipped = [c.get("name") for c in load_manifest(suite) if not is_r4(c)]
    started = time.perf_counter()
    results = run_suite(suite, only, base)
    elapsed = time.perf_counter() - started
    overall, per_module = summarise(results)
    print(f"suite {suite}")
    print(
        f"{'module':12} {'checks':>6} {'verdict':>9} {'exact errors':>13} {'not handled':>12} "
        f"{'verdict, all checks':>20}"
    )
    for module, s in per_module.items():
        print(
            f"{module:12} {s.total:6d} {s.verdict_pct:8.1f}% {s.count_pct:12.1f}% {s.not_handled:12d} "
            f"{s.verdict_all_pct:19.1f}%"
        )
    print(
        f"{'overall':12} {overall.total:6d} {overall.verdict_pct:8.1f}% {overall.count_pct:12.1f}% "
        f"{overall.not_handled:12d}  ({overall.verdict}/{overall.total} verdicts, "
        f"{overall.count}/{overall.total} exact, on the handled checks; {elapsed:.1f} s)"
    )
    print(
        f"{'':12} {'':6} {'':9} {'':13} {'':12} {overall.verdict_all_pct:19.1f}%  (all checks: "
        f"{overall.verdict_all}/{overall.total + overall.not_handled} verdicts)"
    )
    if skipped:
        print(f"skipped {len(skipped)} case(s) for other FHIR versions: {', '.join(map(str, skipped))}")
    unhandled = [r for r in results if r.not_handled]
    if unhandled:
        print("\nnot handled (verdict not compared):")
    for r in unhandled:
        print(f"  {r.case} [{r.kind}] expected {r.expected_errors} errors: {r.not_handled}")
    disagreements = [r for r in results if not r.not_handled and not r.verdict_agrees]
    if disagreements:
        print("\nverdict disagreements:")
    for r in disagreements:
        print(
            f"  {r.case} [{r.kind}] expected {r.expected_errors} errors, got {r.actual_errors}"
            + (f" CRASH {r.crashed}" if r.crashed else "")
        )
        if verbose:
            for i in r.issues:
                if i.is_error:
                    print(f"      {i.text()}")
    count_only = [r for r in results if not r.not_handled and r.verdict_agrees and not r.count_agrees]
    if count_only and verbose:
        print("\nerror-count differences (verdict agrees):")
        for r in count_only:
            print(f"  {r.case} [{r.kind}] expected {r.expected_errors}, got {r.actual_errors}")


if __name__ == "__main__":
    sys.exit(main())
