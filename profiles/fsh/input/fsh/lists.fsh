// The Lists that gather the red bag: medicines, allergies, problems and belongings.

RuleSet: RedBagList
* insert Readable
* insert ResourceIdentifier
* status = #current
* mode = #snapshot
* title 1..1 MS
* code 1..1 MS
* subject 1..1 MS
* subject only Reference(RedBagPatient)
* date 1..1 MS

Profile: RedBagMedicationList
Parent: List
Id: RedBagMedicationList
Title: "Red bag medicines list"
Description: "The resident's current medicines (SNOMED CT 1102411000000102, from UK Core ListCode); empty with an emptyReason when there are none."
* insert RedBagList
* code = $sct#1102411000000102
* entry MS
* entry.item only Reference(RedBagMedicationStatement)

Profile: RedBagAllergyList
Parent: List
Id: RedBagAllergyList
Title: "Red bag allergies list"
Description: "Allergies and adverse reactions (SNOMED CT 886921000000105, from UK Core ListCode); 'no known allergies' is an entry. Empty only when allergies were not recorded at all, with emptyReason notasked (rb-alg-list-1)."
* insert RedBagList
* obeys rb-alg-list-1
* code = $sct#886921000000105
* entry MS
* entry.item only Reference(RedBagAllergyIntolerance)

Profile: RedBagProblemList
Parent: List
Id: RedBagProblemList
Title: "Red bag problem list"
Description: "The resident's conditions (SNOMED CT 717711000000103, from UK Core ListCode); empty with an emptyReason when there are none."
* insert RedBagList
* code = $sct#717711000000103
* entry MS
* entry.item only Reference(RedBagCondition)

Profile: RedBagBelongingsList
Parent: List
Id: RedBagBelongingsList
Title: "Red bag belongings"
Description: "The property list, identified by the bag number: aids as Devices, other items by name; on the return journey every item is flagged returned, missing or retained."
* insert RedBagList
* insert BagNumberIdentifier
* obeys rb-bel-1
* code from RedBagBelongingsListCode (required)
* entry MS
* entry.extension contains Belonging named belonging 1..1 MS
* entry.flag from RedBagBelongingStatusVS (extensible)
* entry.item MS
* entry.item only Reference(RedBagDevice)
* entry.item.display 1..1 MS

Invariant: rb-bel-1
Description: "On the return journey every item that went out is flagged returned, missing or retained."
Expression: "code.coding.where(code = 'belongings-returned').exists() implies entry.all(flag.coding.where(system = 'https://redbag.dev/fhir/CodeSystem/redbag-belonging-status').exists())"
Severity: #error

Invariant: rb-alg-list-1
Description: "An allergies list without entries says they were not recorded (emptyReason notasked): 'no known allergies' is an entry, never an empty list."
Expression: "entry.exists() or emptyReason.coding.where(system = 'http://terminology.hl7.org/CodeSystem/list-empty-reason' and code = 'notasked').exists()"
Severity: #error
