// Systems used by the red-bag profiles: national ones (NHS England / UK Core / HL7) and the project's own.
// Every value here is also in adapter/redbag/vocab.py; tests/profiles checks that they agree.

// --- code systems --------------------------------------------------------------------------------------
Alias: $sct = http://snomed.info/sct
Alias: $dmd = https://dmd.nhs.uk
Alias: $loinc = http://loinc.org
Alias: $ucum = http://unitsofmeasure.org
Alias: $bcp47 = urn:ietf:bcp:47
Alias: $ukcore-headings = https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings
Alias: $ukcore-admit-source = https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland
Alias: $ukcore-discharge-dest = https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland
Alias: $ukcore-location-type = https://fhir.hl7.org.uk/CodeSystem/UKCore-EncounterLocationTypeEngland
Alias: $ukcore-nhs-verification = https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland
Alias: $ukcore-nhs-unavailable = https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberUnavailableReason
Alias: $v3-ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $v3-RoleCode = http://terminology.hl7.org/CodeSystem/v3-RoleCode
Alias: $condition-category = http://terminology.hl7.org/CodeSystem/condition-category
Alias: $observation-category = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $consentscope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $provenance-participant-type = http://terminology.hl7.org/CodeSystem/provenance-participant-type
Alias: $list-empty-reason = http://terminology.hl7.org/CodeSystem/list-empty-reason

// --- identifier systems --------------------------------------------------------------------------------
Alias: $nhs-number = https://fhir.nhs.uk/Id/nhs-number
Alias: $ods-organization = https://fhir.nhs.uk/Id/ods-organization-code
Alias: $id-resource = https://redbag.dev/fhir/Id/resource
Alias: $id-bag-number = https://redbag.dev/fhir/Id/bag-number
Alias: $id-document = https://redbag.dev/fhir/Id/document
Alias: $id-care-home-location = https://redbag.dev/fhir/Id/care-home-location
Alias: $id-care-home-capabilities = https://redbag.dev/fhir/Id/care-home-capabilities

// --- extensions defined elsewhere ----------------------------------------------------------------------
Alias: $ext-interpreter-required = http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired
