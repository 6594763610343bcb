// What a care home can manage (a HealthcareService in the red bag's "What we can manage" section) and
// discharge readiness (the Discharge Ready Date and the checklist of what the resident needs to go home).
// Codes, displays and definitions are exactly those in adapter/redbag/capabilities.py and
// adapter/pathway/readiness.py (a test compares them).

CodeSystem: RedBagCareHomeCapability
Id: care-home-capability
Title: "What a care home can manage"
Description: "The care a care home gives, the equipment it has, and what it does for a discharge, as the home states them. Local codes: no SNOMED CT concept says what a care home is able to do."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
// care
* #nursing-care "Nursing care" "Registered nurses on duty at the home day and night, as in a care home with nursing."
* #dementia-care "Dementia care" "Care of residents living with dementia by staff trained in it, including residents whose distress or disorientation needs it."
* #end-of-life-care "End-of-life care" "Care in the last days and weeks of life at the home, with the GP and the community palliative care team, including giving anticipatory medicines when they are prescribed."
* #pressure-ulcer-care "Pressure ulcer care" "Preventing and caring for pressure ulcers: repositioning, skin checks and dressings as a nurse's or tissue viability plan sets out."
* #catheter-care "Urinary catheter care" "Day-to-day care of an indwelling urinary catheter: bags, hygiene, and watching for blockage or infection."
* #stoma-care "Stoma care" "Care of a colostomy, ileostomy or urostomy: changing the bag and caring for the skin around it."
* #peg-feeding "PEG feeding" "Feeds, fluids and medicines through a gastrostomy tube, and care of the tube and its site."
* #insulin-administration "Insulin administration" "Insulin given and blood glucose checked as prescribed, by the home's staff or by the community nurses the home already works with."
* #oxygen-therapy "Oxygen therapy" "Looking after a resident on prescribed oxygen (home oxygen service equipment), including its safe storage and use."
* #bowel-care "Bowel care and constipation management" "Monitoring bowel movements (a stool chart), giving prescribed laxatives, and acting on constipation."
* #modified-diet "Texture-modified food and thickened fluids" "Food and drink prepared to the texture a speech and language therapist sets (IDDSI levels)."
* #two-carer-assistance "Care by two staff at once" "Care that needs two members of staff together (double-handed), for example moving a resident with a hoist."
// equipment
* #profiling-bed "Profiling bed" "An electric bed whose height and back and knee sections can be adjusted."
* #pressure-relieving-mattress "Pressure-relieving mattress" "A mattress that spreads pressure (high-specification foam or dynamic air) for a resident at risk of pressure ulcers."
* #hoist "Hoist" "A mobile or ceiling hoist, with slings, to move a resident who cannot bear weight."
* #standing-aid "Standing aid" "A stand-aid or rotunda to move a resident who can bear some weight."
* #wheelchair "Wheelchair" "A wheelchair for the resident's use."
// discharge
* #collect-medicines "Collects medicines from the hospital pharmacy" "Staff collect the medicines to take home from the hospital pharmacy, so the discharge need not wait for them to be sent."
* #arrange-transport "Arranges transport home" "The home arranges the journey back (its own vehicle, or a taxi with an escort), so the discharge need not wait for hospital transport."

ValueSet: RedBagCareHomeCapabilityVS
Id: care-home-capability
Title: "What a care home can manage"
Description: "Every code of the care home capability code system."
* ^status = #active
* ^experimental = false
* include codes from system RedBagCareHomeCapability

CodeSystem: RedBagCareHomeCapabilityList
Id: care-home-capability-list
Title: "Lists of what a care home can manage"
Description: "The lists a care home states: in a stated list, a capability that is not there is one the home does not have."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #care "Care" "The care the home gives."
* #equipment "Equipment" "The equipment the home has."
* #discharge "Discharge" "What the home does for a discharge (collecting medicines, arranging transport)."

ValueSet: RedBagCareHomeCapabilityListVS
Id: care-home-capability-list
Title: "Lists of what a care home can manage"
Description: "Every code of the care home capability list code system."
* ^status = #active
* ^experimental = false
* include codes from system RedBagCareHomeCapabilityList

Extension: CareHomeCapabilities
Id: care-home-capabilities
Title: "Care home capabilities: date and lists stated"
Description: "When the care home confirmed what it can manage, and which lists it has stated. A capability absent from a stated list is one the home does not have; a list not stated says nothing either way."
Context: HealthcareService
* extension contains
    confirmedOn 0..1 and
    stated 0..3
* extension[confirmedOn] ^short = "When the care home last confirmed the list"
* extension[confirmedOn].value[x] 1..1
* extension[confirmedOn].value[x] only date
* extension[stated] ^short = "A list the home has stated (care, equipment, discharge)"
* extension[stated].value[x] 1..1
* extension[stated].value[x] only code
* extension[stated].value[x] from RedBagCareHomeCapabilityListVS (required)
* value[x] 0..0

Profile: RedBagCareHomeCapabilities
Parent: HealthcareService
Id: RedBagCareHomeCapabilities
Title: "What the care home can manage"
Description: "A care home's capabilities: the care it gives, its equipment and what it does for a discharge (characteristic), and when it takes a resident back from hospital (availableTime: days, earliest and latest arrival). One per care home, identified by its ODS code."
* insert Readable
* extension contains CareHomeCapabilities named capabilities 0..1 MS
* identifier 1..1 MS
* identifier.system 1..1
* identifier.system = $id-care-home-capabilities (exactly)
* identifier.value 1..1
* active = true
* providedBy 1..1 MS
* providedBy only Reference(RedBagOrganization)
* location 1..1 MS
* location only Reference(RedBagCareHomeLocation)
* name 1..1 MS
* characteristic MS
* characteristic from RedBagCareHomeCapabilityVS (required)
* communication from http://hl7.org/fhir/ValueSet/all-languages (required)
* availableTime MS
* availableTime ^short = "When the home takes a resident back from hospital"
* availableTime.daysOfWeek 1..* MS
* availableTime.allDay 0..0
* availableTime.availableStartTime 1..1 MS
* availableTime.availableStartTime ^short = "Earliest time of arrival"
* availableTime.availableEndTime 1..1 MS
* availableTime.availableEndTime ^short = "Latest time of arrival"
* availableTime obeys rb-cap-1

Invariant: rb-cap-1
Description: "A return window ends after it starts."
Expression: "availableEndTime > availableStartTime"
Severity: #error

CodeSystem: RedBagDischargeReadinessOutcome
Id: discharge-readiness-outcome
Title: "Discharge readiness: where a need stands"
Description: "The business status of a discharge readiness checklist Task: met by the care home, needs action by the care home, needs action by the hospital, or not possible at this care home."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #met-by-home "Met by the care home" "The care home has stated that it can meet this need: nothing stands in the way of the discharge."
* #home-action "Needs action by the care home" "The care home must act (collect, arrange, or confirm what it has not stated) before the discharge."
* #hospital-action "Needs action by the hospital" "The hospital must act (provide, send, book, refer) before the discharge."
* #not-possible "Not possible at this care home" "The care home has stated that it cannot meet this need: the hospital must find another way, or another day, before the resident can go back there."

ValueSet: RedBagDischargeReadinessOutcomeVS
Id: discharge-readiness-outcome
Title: "Discharge readiness: where a need stands"
Description: "Every code of the discharge readiness outcome code system."
* ^status = #active
* ^experimental = false
* include codes from system RedBagDischargeReadinessOutcome

CodeSystem: RedBagDischargeNeed
Id: discharge-need
Title: "What a resident needs to go home"
Description: "The kinds of need on a discharge readiness checklist; a care or equipment need is coded with the care home capability it needs instead."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #care "Care" "Care the resident needs at the care home."
* #equipment "Equipment" "Equipment the resident needs at the care home."
* #medicines "Medicines to take home" "The medicines the resident takes home from hospital."
* #transport "Transport home" "The journey from the hospital back to the care home."
* #follow-up "Follow-up" "A referral or review after the discharge (community nurses, therapy, clinic)."
* #return "Return to the care home" "Whether the care home takes the resident back on the day (and at the time) of the discharge."

ValueSet: RedBagDischargeNeedVS
Id: discharge-need
Title: "What a resident needs to go home"
Description: "A need on a discharge readiness checklist: a kind of need, or the care home capability a care or equipment need asks for."
* ^status = #active
* ^experimental = false
* include codes from system RedBagDischargeNeed
* include codes from system RedBagCareHomeCapability

Extension: DischargeReadiness
Id: discharge-readiness
Title: "Discharge readiness"
Description: "The Discharge Ready Date of a hospital stay (the day the patient stopped meeting the criteria to reside in hospital) and, once the patient is discharged, the days from it to the day of discharge (0: on the ready date or before it). Days are days in England."
Context: Encounter
* extension contains
    readyDate 1..1 and
    delayDays 0..1
* extension[readyDate] ^short = "Discharge Ready Date"
* extension[readyDate].value[x] 1..1
* extension[readyDate].value[x] only date
* extension[delayDays] ^short = "Days from the ready date to the discharge (0: none)"
* extension[delayDays].value[x] 1..1
* extension[delayDays].value[x] only integer
* extension[delayDays] obeys rb-ready-2
* value[x] 0..0

Invariant: rb-ready-2
Description: "A delay is not negative."
Expression: "value.ofType(integer) >= 0"
Severity: #error

Profile: RedBagReadinessTask
Parent: Task
Id: RedBagReadinessTask
Title: "Discharge readiness checklist item"
Description: "One need on a resident's discharge readiness checklist: what is needed (code), where it stands (businessStatus: met by the care home, needs action by the care home or by the hospital, not possible at this care home), who must act (owner) and by when (restriction.period.end). Only a need met by the care home is completed (rb-ready-1)."
* insert Readable
* insert ResourceIdentifier
* obeys rb-ready-1
* status MS
* businessStatus 1..1 MS
* businessStatus from RedBagDischargeReadinessOutcomeVS (required)
* intent = #plan
* priority MS
* code 1..1 MS
* code from RedBagDischargeNeedVS (required)
* description 1..1 MS
* focus 1..1 MS
* focus only Reference(Encounter)
* for 1..1 MS
* for only Reference(Patient)
* authoredOn 1..1 MS
* owner 1..1 MS
* owner only Reference(Organization)
* restriction 1..1 MS
* restriction.period 1..1 MS
* restriction.period.end 1..1 MS
* restriction.period.end ^short = "The day it is due"

Invariant: rb-ready-1
Description: "Only a need met by the care home is completed, and a need met by the care home is completed: a need the home cannot meet is never shown as met."
Expression: "(status = 'completed') = businessStatus.coding.where(system = 'https://redbag.dev/fhir/CodeSystem/discharge-readiness-outcome' and code = 'met-by-home').exists()"
Severity: #error
