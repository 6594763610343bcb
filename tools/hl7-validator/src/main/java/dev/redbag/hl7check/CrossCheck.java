package dev.redbag.hl7check;

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.hl7.fhir.r5.elementmodel.Manager.FhirFormat;
import org.hl7.fhir.r5.model.OperationOutcome;
import org.hl7.fhir.r5.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r5.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r5.model.StringType;
import org.hl7.fhir.validation.ValidationEngine;

/**
 * Validates FHIR R4 JSON files (XML when the name ends in .xml) with the official HL7 validator engine
 * (org.hl7.fhir.validation), offline.
 *
 * <p>The validator's command line (ValidatorCli) is no longer in the Maven artifact, and it always asks the
 * package servers for hl7.terminology.r4 6.2.0 and hl7.fhir.uv.extensions.r4 5.2.0, which are not published
 * on npm. This driver builds the same ValidationEngine from the R4 core package with no terminology server
 * (the command line's "-tx n/a"), loads each --ig folder, allows unknown extensions only under each
 * --extension-domain (the command line's "-extension"), and prints every issue of every file. An error whose
 * message matches an --offline-limit pattern is printed as "offline" and not counted: it is one that only a
 * terminology server could settle (the caller names each such pattern and why).
 *
 * <p>Exit 0: no error or fatal issue; 1: at least one; 2: usage.
 *
 * <pre>java -cp 'target/classes:target/dependency/*' dev.redbag.hl7check.CrossCheck
 *     --ig ../../profiles --extension-domain https://fhir.hl7.org.uk/StructureDefinition/ bundle.json</pre>
 */
public final class CrossCheck {
  private CrossCheck() {}

  public static void main(String[] args) throws Exception {
    List<String> igs = new ArrayList<>();
    List<String> extensionDomains = new ArrayList<>();
    List<String> files = new ArrayList<>();
    List<Pattern> offline = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      boolean hasValue = i + 1 < args.length;
      if (args[i].equals("--ig") && hasValue) {
        igs.add(args[++i]);
      } else if (args[i].equals("--offline-limit") && hasValue) {
        offline.add(Pattern.compile(args[++i]));
      } else if (args[i].equals("--extension-domain") && hasValue) {
        extensionDomains.add(args[++i]);
      } else if (args[i].startsWith("--")) {
        usage("unknown option or missing value: " + args[i]);
      } else {
        files.add(args[i]);
      }
    }
    if (files.isEmpty()) {
      usage("no files to validate");
    }

    Locale.setDefault(Locale.UK);
    ValidationEngine engine = new ValidationEngine.ValidationEngineBuilder()
        .withVersion("4.0.1")
        .withUserAgent("redbag-hl7-crosscheck")
        .withNoTerminologyServer()
        .withCanRunWithoutTerminologyServer(true)
        .fromSource("hl7.fhir.r4.core#4.0.1");
    engine.setLocale(Locale.UK);
    for (String domain : extensionDomains) {
      engine.getDefaultInstanceValidatorParameters().addExtension(domain);
    }
    for (String ig : igs) {
      engine.getIgLoader().loadIg(engine.getIgs(), engine.getBinaries(), ig, true);
    }
    engine.prepare();

    int errors = 0;
    int warnings = 0;
    int limits = 0;
    for (String name : files) {
      OperationOutcome outcome;
      try (InputStream in = new FileInputStream(new File(name))) {
        FhirFormat format = name.endsWith(".xml") ? FhirFormat.XML : FhirFormat.JSON;
        outcome = engine.validate(format, in, List.of());
      }
      int fileErrors = 0;
      int fileWarnings = 0;
      StringBuilder lines = new StringBuilder();
      for (OperationOutcomeIssueComponent issue : outcome.getIssue()) {
        IssueSeverity severity = issue.getSeverity();
        String text = issue.getDetails().getText();
        String label = severity.toCode();
        if (severity == IssueSeverity.ERROR && offline.stream().anyMatch(p -> p.matcher(text).find())) {
          label = "offline";  // an error only because there is no terminology server: listed, not counted
          limits++;
        } else if (severity == IssueSeverity.ERROR || severity == IssueSeverity.FATAL) {
          fileErrors++;
        } else if (severity == IssueSeverity.WARNING) {
          fileWarnings++;
        }
        String where = issue.getExpression().stream().map(StringType::getValue).collect(Collectors.joining(", "));
        lines.append(String.format("  %-11s %s: %s%n", label, where, text));
      }
      errors += fileErrors;
      warnings += fileWarnings;
      System.out.printf("%s %s (%d errors, %d warnings)%n", fileErrors == 0 ? "PASS" : "FAIL", name, fileErrors,
          fileWarnings);
      System.out.print(lines);
    }
    System.out.printf("%d file(s): %d error(s), %d warning(s), %d offline limit(s)%n", files.size(), errors, warnings,
        limits);
    System.exit(errors == 0 ? 0 : 1);
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: CrossCheck [--ig DIR]... [--extension-domain URL]... [--offline-limit REGEX]... FILE...");
    System.exit(2);
  }
}
