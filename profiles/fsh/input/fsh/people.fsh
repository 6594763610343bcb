// Who and where: the resident, organisations (care home, GP practice, hospital), the care home, contacts.

Profile: RedBagPatient
Parent: Patient
Id: RedBagPatient
Title: "Red bag resident"
Description: "The care-home resident going to hospital. Identified by NHS number (UK Core nhsNumber slice); when the NHS number is unknown, by the care home's own resident id plus the UK Core NHS number unavailable reason."
* insert Readable
* obeys rb-pat-1 and rb-pat-2 and rb-pat-3
* extension contains $ext-interpreter-required named patientInterpreterRequired 0..1 MS
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by identifier system, as UK Core Patient"
* identifier.system 1..1
* identifier.value 1..1
* identifier contains nhsNumber 0..1 MS
* identifier[nhsNumber] ^short = "NHS number (required when there is no care home resident id)"
* identifier[nhsNumber].system 1..1
* identifier[nhsNumber].system = $nhs-number (exactly)
* identifier[nhsNumber].value 1..1
* name 1..* MS
* gender 1..1 MS
* birthDate 1..1 MS
* communication.language from http://hl7.org/fhir/ValueSet/all-languages (required)
* generalPractitioner only Reference(RedBagOrganization)
* generalPractitioner MS

Invariant: rb-pat-1
Description: "A resident is identified by an NHS number or, when it is not known, by the care home's own resident id (system https://redbag.dev/fhir/Id/local-resident-id/<care home ODS code>)."
Expression: "identifier.where(system = 'https://fhir.nhs.uk/Id/nhs-number').exists() or identifier.where(system.startsWith('https://redbag.dev/fhir/Id/local-resident-id/') and value.exists()).exists()"
Severity: #error

Invariant: rb-pat-2
Description: "An NHS number is 10 digits whose last digit is the modulus 11 check digit."
Expression: "identifier.where(system = 'https://fhir.nhs.uk/Id/nhs-number').all(value.matches('^[0-9]{10}$') and iif(11 - ((value.substring(0,1).toInteger() * 10 + value.substring(1,1).toInteger() * 9 + value.substring(2,1).toInteger() * 8 + value.substring(3,1).toInteger() * 7 + value.substring(4,1).toInteger() * 6 + value.substring(5,1).toInteger() * 5 + value.substring(6,1).toInteger() * 4 + value.substring(7,1).toInteger() * 3 + value.substring(8,1).toInteger() * 2) mod 11) = 11, 0, 11 - ((value.substring(0,1).toInteger() * 10 + value.substring(1,1).toInteger() * 9 + value.substring(2,1).toInteger() * 8 + value.substring(3,1).toInteger() * 7 + value.substring(4,1).toInteger() * 6 + value.substring(5,1).toInteger() * 5 + value.substring(6,1).toInteger() * 4 + value.substring(7,1).toInteger() * 3 + value.substring(8,1).toInteger() * 2) mod 11)) = value.substring(9,1).toInteger())"
Severity: #error

Invariant: rb-pat-3
Description: "Without an NHS number the resident carries the UK Core NHS number unavailable reason."
Expression: "identifier.where(system = 'https://fhir.nhs.uk/Id/nhs-number').exists() or extension.where(url = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberUnavailableReason').exists()"
Severity: #error

Profile: RedBagOrganization
Parent: Organization
Id: RedBagOrganization
Title: "Red bag organisation"
Description: "A care home, GP practice or hospital, known by its ODS organisation code (UK Core odsOrganisationCode slice)."
* insert Readable
* obeys rb-org-1
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by identifier system, as UK Core Organization"
* identifier.system 1..1
* identifier.value 1..1
* identifier contains odsOrganisationCode 1..1 MS
* identifier[odsOrganisationCode] ^short = "ODS organisation code"
* identifier[odsOrganisationCode].system 1..1
* identifier[odsOrganisationCode].system = $ods-organization (exactly)
* identifier[odsOrganisationCode].value 1..1
* name 1..1 MS

Invariant: rb-org-1
Description: "An ODS organisation code is 3 to 10 upper-case letters and digits."
Expression: "identifier.where(system = 'https://fhir.nhs.uk/Id/ods-organization-code').all(value.matches('^[A-Z0-9]{3,10}$'))"
Severity: #error

Profile: RedBagCareHomeLocation
Parent: Location
Id: RedBagCareHomeLocation
Title: "Red bag care home"
Description: "The care home the resident lives in and returns to: UK Core location type G01 (without nursing) or G02 (with nursing), managed by the care home Organization."
* insert Readable
* obeys rb-loc-1
* extension contains CareHomeOperator named careHomeOperator 0..1 MS
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by identifier system"
* identifier.system 1..1
* identifier.value 1..1
* identifier contains careHome 1..1 MS
* identifier[careHome] ^short = "The care home's ODS organisation code, as the location's key"
* identifier[careHome].system 1..1
* identifier[careHome].system = $id-care-home-location (exactly)
* identifier[careHome].value 1..1
* status 1..1 MS
* name 1..1 MS
* type 1..* MS
* type from RedBagCareHomeType (extensible)
* managingOrganization 1..1 MS
* managingOrganization only Reference(RedBagOrganization)

Invariant: rb-loc-1
Description: "A care home is typed G01 (without nursing) or G02 (with nursing) from UK Core EncounterLocationTypeEngland."
Expression: "type.coding.where(system = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EncounterLocationTypeEngland' and (code = 'G01' or code = 'G02')).exists()"
Severity: #error

Profile: RedBagContact
Parent: RelatedPerson
Id: RedBagContact
Title: "Red bag contact"
Description: "Someone to contact about the resident: the relationship in words first (coded from v3 RoleCode personal relationships, as in UK Core PersonRelationshipType, when the words name one), then next of kin (HL7 v2 table 0131 N) and lasting power of attorney (v3 HPOWATT), each a concept with its text."
* insert Readable
* insert ResourceIdentifier
* patient only Reference(RedBagPatient)
* patient MS
* relationship 1..* MS
* relationship.text 1..1
* name 1..* MS
* communication.language from http://hl7.org/fhir/ValueSet/all-languages (required)
