// The document: the transfer summary (outbound) and the discharge summary (return), and the Bundle carrying them.

RuleSet: RedBagCompositionCommon
* insert Readable
* identifier 1..1 MS
* identifier.system 1..1
* identifier.system = $id-resource (exactly)
* identifier.value 1..1
* extension contains NewerSummary named newerSummary 0..1 MS
* status MS
* type MS
* subject 1..1 MS
* subject only Reference(RedBagPatient)
* encounter 1..1 MS
* encounter only Reference(RedBagTransferEncounter)
* date MS
* author 1..1 MS
* author only Reference(RedBagOrganization)
* title MS
* custodian 1..1 MS
* custodian only Reference(RedBagOrganization)
* section 1..* MS
* section ^slicing.discriminator.type = #pattern
* section ^slicing.discriminator.path = "code"
* section ^slicing.rules = #closed
* section ^slicing.ordered = false
* section ^slicing.description = "One section per part of the red bag, by section code"
* section.title 1..1 MS
* section.code 1..1 MS
* section.text 1..1 MS

// A section: its code, title, narrative, and which red-bag resources it may hold.
RuleSet: Section(name, code, short)
* section[{name}] ^short = "{short}"
* section[{name}].code = {code}

Profile: RedBagComposition
Parent: Composition
Id: RedBagComposition
Title: "Red bag transfer summary"
Description: "The red bag going to hospital: a transfer summary (SNOMED CT 371535009) by the care home, with one section per part of the red bag. Every section is present; one that has nothing to say carries an emptyReason."
* insert RedBagCompositionCommon
* type = $sct#371535009
* section contains
    transfer 1..1 MS and
    resuscitation 1..1 MS and
    allergies 1..1 MS and
    medications 1..1 MS and
    problems 1..1 MS and
    observations 1..1 MS and
    baseline 1..1 MS and
    aboutMe 1..1 MS and
    contacts 1..1 MS and
    consent 1..1 MS and
    belongings 1..1 MS and
    capabilities 1..1 MS
* insert Section(transfer, $ukcore-headings#reason-for-admission, Reason for transfer: the Encounter\, the symptoms and actions taken\, and the transfer Task)
* section[transfer].entry 2..*
* section[transfer].entry only Reference(RedBagTransferEncounter or RedBagNote or RedBagTransferTask)
* insert Section(resuscitation, RedBagSection#resuscitation, Resuscitation decision)
* section[resuscitation].entry 1..1
* section[resuscitation].entry only Reference(RedBagResuscitationDecision)
* insert Section(allergies, $ukcore-headings#allergies-and-adverse-reaction, Allergies and adverse reactions)
* section[allergies].entry 1..1
* section[allergies].entry only Reference(RedBagAllergyList)
* insert Section(medications, $ukcore-headings#medications-and-medical-devices, Medicines and the last dose given of each)
* section[medications].entry 1..*
* section[medications].entry only Reference(RedBagMedicationList or RedBagLastDose)
* insert Section(problems, $ukcore-headings#problems, Conditions)
* section[problems].entry 1..1
* section[problems].entry only Reference(RedBagProblemList)
* insert Section(observations, $ukcore-headings#observations, Observations before transfer)
* section[observations].entry only Reference(RedBagObservation)
* insert Section(baseline, $ukcore-headings#individual-requirements, Baseline: what the resident is like when well)
* section[baseline].entry only Reference(RedBagNote)
* insert Section(aboutMe, RedBagSection#about-me, About me)
* section[aboutMe].entry only Reference(RedBagNote)
* insert Section(contacts, RedBagSection#contacts, Contacts)
* section[contacts].entry MS
* section[contacts].entry only Reference(RedBagContact)
* insert Section(consent, $ukcore-headings#consent-for-information-sharing, Consent to share)
* section[consent].entry 0..1
* section[consent].entry only Reference(RedBagConsent)
* insert Section(belongings, RedBagSection#belongings, Belongings)
* section[belongings].entry 1..1
* section[belongings].entry only Reference(RedBagBelongingsList)
* insert Section(capabilities, RedBagSection#care-home-capabilities, What we can manage: the care home's care\, equipment\, discharge help and return times)
* section[capabilities].entry 0..1
* section[capabilities].entry only Reference(RedBagCareHomeCapabilities)

Profile: RedBagDischargeComposition
Parent: Composition
Id: RedBagDischargeComposition
Title: "Red bag discharge summary"
Description: "The red bag coming back: a discharge summary (SNOMED CT 373942005) by the hospital, with the discharge, medication changes, diagnoses, follow-up and the belongings checked item by item."
* insert RedBagCompositionCommon
* type = $sct#373942005
* section contains
    discharge 1..1 MS and
    medicationChanges 1..1 MS and
    diagnoses 1..1 MS and
    followUp 1..1 MS and
    belongingsReturned 1..1 MS
* insert Section(discharge, $ukcore-headings#discharge-details, Discharge: the finished transfer Encounter and the completed transfer Task)
* section[discharge].entry 2..2
* section[discharge].entry only Reference(RedBagTransferEncounter or RedBagTransferTask)
* insert Section(medicationChanges, $ukcore-headings#medications-and-medical-devices, Medicines on discharge and what changed)
* section[medicationChanges].entry 1..1
* section[medicationChanges].entry only Reference(RedBagMedicationList)
* insert Section(diagnoses, $ukcore-headings#diagnoses, Diagnoses made or confirmed in hospital)
* section[diagnoses].entry only Reference(RedBagCondition)
* insert Section(followUp, $ukcore-headings#plan-and-requested-actions, Follow-up actions for the care home or GP)
* section[followUp].entry only Reference(RedBagFollowUpTask)
* insert Section(belongingsReturned, RedBagSection#belongings-returned, Belongings checked on return)
* section[belongingsReturned].entry 1..1
* section[belongingsReturned].entry only Reference(RedBagBelongingsList)

Profile: RedBagDocument
Parent: Bundle
Id: RedBagDocument
Title: "Red bag document"
Description: "The red bag as a FHIR document: a red-bag transfer summary or discharge summary Composition first (claiming its profile), then every resource it gathers, each with a urn:uuid fullUrl."
* obeys rb-doc-1 and rb-doc-2
* identifier 1..1 MS
* identifier.system 1..1
* identifier.system = $id-document (exactly)
* identifier.value 1..1
* type = #document
* timestamp 1..1 MS
* entry 1..* MS
* entry.fullUrl 1..1 MS
* entry.resource 1..1 MS
* entry.search 0..0
* entry.request 0..0
* entry.response 0..0

Invariant: rb-doc-1
Description: "The document is a red-bag transfer summary (SNOMED CT 371535009) or discharge summary (373942005)."
Expression: "entry.first().resource.ofType(Composition).type.coding.where(system = 'http://snomed.info/sct' and (code = '371535009' or code = '373942005')).exists()"
Severity: #error

Invariant: rb-doc-2
Description: "The Composition claims its red-bag profile (RedBagComposition or RedBagDischargeComposition), so validators check it against that profile."
Expression: "entry.first().resource.meta.profile.where($this = 'https://redbag.dev/fhir/StructureDefinition/RedBagComposition' or $this = 'https://redbag.dev/fhir/StructureDefinition/RedBagDischargeComposition').exists()"
Severity: #error
