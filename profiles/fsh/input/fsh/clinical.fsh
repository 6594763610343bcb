// What is wrong and what is given: conditions, medicines and last doses, allergies, observations, notes, devices.

Profile: RedBagCondition
Parent: Condition
Id: RedBagCondition
Title: "Red bag condition"
Description: "A problem on the care home's problem list, or a diagnosis made in hospital (return journey); SNOMED CT coded."
* insert Readable
* insert ResourceIdentifier
* obeys rb-cond-1
* clinicalStatus 1..1 MS
* verificationStatus 1..1 MS
* category 1..* MS
* category from RedBagConditionCategory (extensible)
* code 1..1 MS
* subject only Reference(RedBagPatient)
* subject MS
* encounter only Reference(RedBagTransferEncounter)
* recordedDate 1..1 MS

Invariant: rb-cond-1
Description: "A condition is coded in SNOMED CT."
Expression: "code.coding.where(system = 'http://snomed.info/sct').exists()"
Severity: #error

Profile: RedBagMedicationStatement
Parent: MedicationStatement
Id: RedBagMedicationStatement
Title: "Red bag medicine"
Description: "A medicine the resident takes (dm+d coded, dose/route/frequency as given), flagged time-critical and sent-in-bag; on the return journey also what the hospital changed."
* insert Readable
* insert ResourceIdentifier
* obeys rb-med-1
* extension contains
    TimeCriticalMedicine named timeCritical 1..1 MS and
    MedicineSentInBag named sentInBag 1..1 MS and
    MedicationChange named medicationChange 0..1 MS
* medication[x] only CodeableConcept
* medication[x] MS
* subject only Reference(RedBagPatient)
* subject MS
* dateAsserted 1..1 MS
* informationSource 1..1 MS
* informationSource only Reference(RedBagOrganization)
* dosage 1..* MS
* dosage.text 1..1 MS

Invariant: rb-med-1
Description: "A medicine is coded in dm+d (https://dmd.nhs.uk), as UK Core MedicationCode."
Expression: "medication.ofType(CodeableConcept).coding.where(system = 'https://dmd.nhs.uk').exists()"
Severity: #error

Profile: RedBagLastDose
Parent: MedicationAdministration
Id: RedBagLastDose
Title: "Red bag last dose given"
Description: "When the last dose of a medicine was given at the care home (effectiveDateTime); the dose is in dosage.text. For a time-critical medicine whose last dose time is not recorded: status unknown, and effectivePeriod carries only a data-absent-reason (rb-dose-1)."
* insert Readable
* insert ResourceIdentifier
* obeys rb-med-1 and rb-dose-1
* medication[x] only CodeableConcept
* medication[x] MS
* subject only Reference(RedBagPatient)
* subject MS
* supportingInformation 1..* MS
* supportingInformation only Reference(RedBagMedicationStatement)
* effective[x] only dateTime or Period
* effective[x] MS
* dosage 1..1 MS
* dosage.text 1..1 MS

Profile: RedBagAllergyIntolerance
Parent: AllergyIntolerance
Id: RedBagAllergyIntolerance
Title: "Red bag allergy"
Description: "An allergy or adverse reaction; 'no known allergies' is a single entry coded SNOMED CT 716186003. code is required, as in UK Core AllergyIntolerance."
* insert Readable
* insert ResourceIdentifier
* obeys rb-alg-1
* clinicalStatus 1..1 MS
* verificationStatus 1..1 MS
* code 1..1 MS
* patient only Reference(RedBagPatient)
* patient MS
* recordedDate 1..1 MS

Invariant: rb-alg-1
Description: "A 'no known allergy' entry (SNOMED CT 716186003) has no reaction, category or criticality."
Expression: "code.coding.where(system = 'http://snomed.info/sct' and code = '716186003').exists() implies (reaction.empty() and category.empty() and criticality.empty())"
Severity: #error

Invariant: rb-obs-1
Description: "An observation has a value, or (a blood pressure panel) components that each have one."
Expression: "value.exists() xor (component.exists() and component.all(value.exists()))"
Severity: #error

Profile: RedBagObservation
Parent: Observation
Id: RedBagObservation
Title: "Red bag observation"
Description: "A measurement taken before transfer (NEWS2 and its parts, glucose, ...): a number with its UCUM unit, text with its unit in the value-unit extension, ACVPU as a CodeableConcept, or a blood pressure panel with systolic and diastolic components. Where one of UK Core's observation profiles fits, the observation claims it too (units as UK Core fixes them, the unit as written in value-unit)."
* insert Readable
* insert ResourceIdentifier
* obeys rb-obs-1
* category 1..* MS
* code MS
* subject 1..1 MS
* subject only Reference(RedBagPatient)
* effective[x] 1..1 MS
* effective[x] only dateTime
* value[x] 0..1 MS
* value[x] only Quantity or string or CodeableConcept
* component MS
* component.value[x] only Quantity

Profile: RedBagNote
Parent: Observation
Id: RedBagNote
Title: "Red bag note"
Description: "Free text from the red bag (when I am well, about me, symptoms and actions before transfer) as an Observation with a local code."
* insert Readable
* insert ResourceIdentifier
* category 1..1 MS
* code MS
* code from RedBagNoteVS (required)
* subject 1..1 MS
* subject only Reference(RedBagPatient)
* effective[x] 1..1 MS
* effective[x] only dateTime
* value[x] 1..1 MS
* value[x] only string

Profile: RedBagDevice
Parent: Device
Id: RedBagDevice
Title: "Red bag aid"
Description: "An aid the resident needs and that travels with them (hearing aid, glasses, dentures, walking aid), referenced from the belongings list."
* insert Readable
* insert ResourceIdentifier
* status 1..1 MS
* deviceName 1..* MS
* type 1..1 MS
* type.text 1..1
* patient 1..1 MS
* patient only Reference(RedBagPatient)

Invariant: rb-dose-1
Description: "A last dose is completed with its time (effectiveDateTime), or its status is unknown and its time is marked not recorded (effectivePeriod with only a data-absent-reason)."
Expression: "(status = 'completed' and (effective as dateTime).hasValue()) or (status = 'unknown' and (effective as Period).extension('http://hl7.org/fhir/StructureDefinition/data-absent-reason').exists() and (effective as Period).start.empty() and (effective as Period).end.empty())"
Severity: #error
