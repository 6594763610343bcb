package uk.redbag.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stores the JSON conformance resources of folders so that $validate can use them. */
final class ConformanceLoader {

	private static final Logger LOG = LoggerFactory.getLogger(ConformanceLoader.class);

	private static final Set<String> TYPES = Set.of(
			"StructureDefinition", "ValueSet", "CodeSystem", "ConceptMap", "SearchParameter",
			"NamingSystem", "ImplementationGuide");

	private final IParser parser;
	private final IFhirSystemDao<Bundle, Meta> systemDao;

	ConformanceLoader(FhirContext fhir, IFhirSystemDao<Bundle, Meta> systemDao) {
		this.parser = fhir.newJsonParser();
		this.systemDao = systemDao;
	}

	/**
	 * Stores every *.json file directly in the folders (not below: profiles/ also holds FSH sources
	 * and node_modules), Bundles unpacked, in one transaction. Returns how many resources were stored.
	 */
	int load(List<Path> folders) throws IOException {
		Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (Path folder : folders) {
			for (Path file : jsonFiles(folder)) {
				for (Resource resource : read(file)) {
					if (TYPES.contains(resource.fhirType())) {
						transaction.addEntry(entry(resource));
					}
				}
			}
		}
		if (transaction.getEntry().isEmpty()) {
			return 0;
		}
		try {
			systemDao.transaction(new SystemRequestDetails(), transaction);
		} catch (RuntimeException e) {
			throw new IllegalStateException("cannot store the conformance resources of " + folders + ": "
					+ e.getMessage(), e);
		}
		return transaction.getEntry().size();
	}

	private static List<Path> jsonFiles(Path folder) throws IOException {
		if (!Files.isDirectory(folder)) {
			throw new IOException("conformance folder not found: " + folder);
		}
		try (Stream<Path> listing = Files.list(folder)) {
			return listing.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
		}
	}

	private List<Resource> read(Path file) throws IOException {
		Resource resource;
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			resource = (Resource) parser.parseResource(reader);
		} catch (DataFormatException e) {
			// profiles/ may also hold other JSON (sources, package manifests): skip, but say so.
			LOG.warn("{}: skipped, not a FHIR JSON resource: {}", file, e.getMessage());
			return List.of();
		}
		if (!(resource instanceof Bundle bundle)) {
			return List.of(resource);
		}
		List<Resource> inside = new ArrayList<>();
		bundle.getEntry().forEach(e -> inside.add(e.getResource()));
		return inside;
	}

	/** PUT by id (HAPI refuses purely numeric client ids), else a conditional PUT by canonical URL. */
	private static Bundle.BundleEntryComponent entry(Resource resource) {
		String type = resource.fhirType();
		String id = resource.getIdElement().getIdPart();
		Bundle.BundleEntryComponent entry = new Bundle.BundleEntryComponent().setResource(resource);
		if (id != null && !id.isEmpty() && !id.chars().allMatch(Character::isDigit)) {
			entry.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(type + "/" + id);
		} else if (resource instanceof MetadataResource md && md.hasUrl()) {
			resource.setId((String) null);
			entry.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(type + "?url=" + md.getUrl());
		} else {
			entry.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(type);
		}
		return entry;
	}
}
