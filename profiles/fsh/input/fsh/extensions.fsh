// Extensions for what neither FHIR R4 core nor UK Core carries.

Extension: TimeCriticalMedicine
Id: time-critical-medicine
Title: "Time-critical medicine"
Description: "True when a missed or delayed dose can cause harm (insulin, Parkinson's medicines, ...): the hospital must know when the last dose was given."
Context: MedicationStatement
* value[x] 1..1
* value[x] only boolean

Extension: MedicineSentInBag
Id: medicine-sent-in-bag
Title: "Medicine sent in the red bag"
Description: "True when the resident's own supply of this medicine travelled in the red bag."
Context: MedicationStatement
* value[x] 1..1
* value[x] only boolean

Extension: MedicationChange
Id: medication-change
Title: "Medication change on discharge"
Description: "What the hospital did to this medicine during the stay: started, stopped, dose changed or unchanged."
Context: MedicationStatement
* value[x] 1..1
* value[x] only code
* value[x] from RedBagMedicationChangeVS (required)

Extension: Belonging
Id: belonging
Title: "Belonging"
Description: "One item on the red bag property list: what kind of item, how many, and a note."
Context: List.entry
* extension contains
    kind 1..1 and
    quantity 1..1 and
    note 0..1
* extension[kind] ^short = "Kind of item"
* extension[kind].value[x] 1..1
* extension[kind].value[x] only Coding
* extension[kind].value[x] from RedBagBelongingKindVS (required)
* extension[quantity] ^short = "How many (at least 1)"
* extension[quantity].value[x] 1..1
* extension[quantity].value[x] only integer
* extension[quantity] obeys rb-belonging-1
* extension[note] ^short = "A note about the item (colour, make, condition)"
* extension[note].value[x] 1..1
* extension[note].value[x] only string
* value[x] 0..0

Invariant: rb-belonging-1
Description: "A belonging's quantity is at least 1."
Expression: "value.ofType(integer) >= 1"
Severity: #error

Extension: ResuscitationDocumentLocation
Id: resuscitation-document-location
Title: "Resuscitation form location"
Description: "Where the signed resuscitation form (DNACPR / ReSPECT) is kept, so the original can be found."
Context: Flag
* value[x] 1..1
* value[x] only string

Extension: CareHomeOperator
Id: care-home-operator
Title: "Care home operator"
Description: "Who runs the care home (independent, NHS, local authority): decides the UK Core source of admission."
Context: Location
* value[x] 1..1
* value[x] only code
* value[x] from RedBagCareHomeOperatorVS (required)

Extension: ValueUnit
Id: value-unit
Title: "Unit as written"
Description: "The unit as the source wrote it, kept beside the value so nothing is lost: next to a value that is text rather than a number (for example '130/80' with 'mmHg'), or on a Quantity whose unit string UK Core fixes otherwise (a heart rate written '/min' carries the unit 'per minute')."
Context: Observation.value[x], Observation.component.value[x]
* value[x] 1..1
* value[x] only string

Extension: NewerSummary
Id: newer-summary
Title: "Newer summary exists"
Description: "Marks a red bag document that has been superseded: a newer summary for the same resident exists (hazard H5). Points to the newer Composition or document identifier, or gives when it was completed."
Context: Composition
* value[x] 1..1
* value[x] only Reference(Composition) or Identifier or dateTime
