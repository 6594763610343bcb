// The journey: the transfer Encounter, the resuscitation decision, consent, the workflow Tasks, provenance.

Profile: RedBagTransferEncounter
Parent: Encounter
Id: RedBagTransferEncounter
Title: "Red bag transfer"
Description: "The emergency transfer from the care home (hospitalization.origin) to the hospital (serviceProvider), with the UK Core source of admission; on return finished, with the discharge disposition."
* insert Readable
* insert ResourceIdentifier
* insert BagNumberIdentifier
* obeys rb-enc-1 and rb-enc-2
* extension contains DischargeReadiness named dischargeReadiness 0..1 MS
* status MS
* class = $v3-ActCode#EMER
* class MS
* subject 1..1 MS
* subject only Reference(RedBagPatient)
* period 1..1 MS
* period.start 1..1 MS
* reasonCode 1..* MS
* hospitalization 1..1 MS
* hospitalization.origin 1..1 MS
* hospitalization.origin only Reference(RedBagCareHomeLocation)
* hospitalization.admitSource 1..1 MS
* hospitalization.admitSource from RedBagCareHomeAdmissionSource (extensible)
* hospitalization.destination only Reference(RedBagCareHomeLocation)
* hospitalization.dischargeDisposition MS
* hospitalization.dischargeDisposition from RedBagCareHomeDischargeDestination (preferred)
* serviceProvider 1..1 MS
* serviceProvider only Reference(RedBagOrganization)

Invariant: rb-enc-1
Description: "The source of admission is coded from UK Core SourceOfAdmissionEngland (85, 54 or 65 for a care home)."
Expression: "hospitalization.admitSource.coding.where(system = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland').exists()"
Severity: #error

Invariant: rb-enc-2
Description: "A finished transfer has its end time and its discharge disposition."
Expression: "status = 'finished' implies (period.end.exists() and hospitalization.dischargeDisposition.exists())"
Severity: #error

Profile: RedBagResuscitationDecision
Parent: Flag
Id: RedBagResuscitationDecision
Title: "Red bag resuscitation decision"
Description: "The resident's resuscitation decision as a Flag: SNOMED CT 450476008 (not for attempted CPR, DNACPR) or 450475007 (for attempted CPR), or not recorded; with its date and where the signed form is kept."
* insert Readable
* insert ResourceIdentifier
* obeys rb-resus-1
* extension contains ResuscitationDocumentLocation named documentLocation 0..1 MS
* status MS
* code MS
* code from RedBagResuscitationDecisionCode (required)
* subject MS
* subject only Reference(RedBagPatient)
* period MS

Invariant: rb-resus-1
Description: "A resuscitation decision (DNACPR or for CPR) carries the date it was recorded (period.start), or says that date is not recorded (a data-absent-reason on period.start)."
Expression: "code.coding.where(system = 'http://snomed.info/sct').exists() implies (period.start.hasValue() or period.start.extension('http://hl7.org/fhir/StructureDefinition/data-absent-reason').exists())"
Severity: #error

Profile: RedBagConsent
Parent: Consent
Id: RedBagConsent
Title: "Red bag consent to share"
Description: "Consent to share the red bag: given or refused, by the resident, a lasting power of attorney holder, or a best-interest decision (the care home)."
* insert Readable
* insert ResourceIdentifier
* obeys rb-consent-1
* status MS
* scope = $consentscope#patient-privacy
* category MS
* patient 1..1 MS
* patient only Reference(RedBagPatient)
* dateTime 1..1 MS
* performer 1..1 MS
* performer only Reference(RedBagPatient or RedBagContact or RedBagOrganization)
* policyRule 1..1 MS
* provision 1..1 MS
* provision.type 1..1 MS

Invariant: rb-consent-1
Description: "Opt-in permits sharing and opt-out denies it."
Expression: "policyRule.coding.where(system = 'http://terminology.hl7.org/CodeSystem/v3-ActCode' and code = 'OPTIN').exists() = (provision.type = 'permit')"
Severity: #error

Profile: RedBagTransferTask
Parent: Task
Id: RedBagTransferTask
Title: "Red bag transfer task"
Description: "The transfer workflow: status requested -> accepted -> in-progress -> completed; business status packed, handed to crew, received by hospital, returned."
* insert Readable
* insert ResourceIdentifier
* insert BagNumberIdentifier
* obeys rb-task-1
* status MS
* businessStatus 1..1 MS
* businessStatus from RedBagTaskStatusVS (required)
* intent = #order
* description 1..1 MS
* focus 1..1 MS
* focus only Reference(RedBagTransferEncounter)
* for 1..1 MS
* for only Reference(RedBagPatient)
* encounter 1..1 MS
* encounter only Reference(RedBagTransferEncounter)
* executionPeriod 1..1 MS
* executionPeriod.start 1..1
* authoredOn 1..1 MS
* lastModified 1..1 MS
* requester 1..1 MS
* requester only Reference(RedBagOrganization)
* owner 1..1 MS
* owner only Reference(RedBagOrganization)

Invariant: rb-task-1
Description: "A completed transfer has the time it ended."
Expression: "status = 'completed' implies executionPeriod.end.exists()"
Severity: #error

Profile: RedBagFollowUpTask
Parent: Task
Id: RedBagFollowUpTask
Title: "Red bag follow-up action"
Description: "An action the hospital asks of the care home or GP on discharge (free text)."
* insert Readable
* insert ResourceIdentifier
* status MS
* intent = #plan
* description 1..1 MS
* for 1..1 MS
* for only Reference(RedBagPatient)
* encounter 1..1 MS
* encounter only Reference(RedBagTransferEncounter)
* authoredOn 1..1 MS
* requester 1..1 MS
* requester only Reference(RedBagOrganization)
* owner 1..1 MS
* owner only Reference(RedBagOrganization)

Profile: RedBagProvenance
Parent: Provenance
Id: RedBagProvenance
Title: "Red bag provenance"
Description: "Who packed (or handed over, or received, or discharged) the red bag, on behalf of which organisation, and when."
* insert Readable
* target MS
* recorded MS
* activity 1..1 MS
* activity.text 1..1
* agent 1..1 MS
* agent.type 1..1 MS
* agent.type = $provenance-participant-type#author
* agent.who MS
* agent.onBehalfOf 1..1 MS
* agent.onBehalfOf only Reference(RedBagOrganization)
