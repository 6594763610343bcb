// The pathway as events: what a notification says happened, and the 48-hour visit's business status.

CodeSystem: RedBagPathwayEvent
Id: pathway-event
Title: "Red Bag pathway event"
Description: "What a redbag notification says happened on a resident's hospital stay."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #admitted "Admitted to hospital"
* #admission-cancelled "Admission cancelled"
* #red-bag-received "Red bag received by the hospital"
* #visit-due "48-hour visit due"
* #visited "48-hour visit made"
* #visit-overdue "48-hour visit overdue"
* #discharge-planned "Discharge planned"
* #discharge-ready "Ready for discharge: date and checklist"
* #discharged "Discharged from hospital"
* #discharge-cancelled "Discharge cancelled"
* #red-bag-returned "Red bag returned"

ValueSet: RedBagPathwayEventVS
Id: pathway-event
Title: "Red Bag pathway events"
Description: "Every pathway event code."
* ^status = #active
* ^experimental = false
* include codes from system RedBagPathwayEvent

CodeSystem: RedBagVisitStatus
Id: visit-status
Title: "Red Bag 48-hour visit status"
Description: "Business status of the care home's 48-hour visit Task: due, visited, overdue, or cancelled because the stay ended first."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #due "Visit due"
* #visited "Visited"
* #overdue "Visit overdue"
* #cancelled "Visit no longer needed"

Extension: PathwayEvent
Id: pathway-event
Title: "Red Bag pathway event"
Description: "On a Subscriptions Backport notification-event: what happened, whether a red bag went with the resident, whether the belongings have been reconciled on return and how many are missing, the planned discharge date, the Discharge Ready Date and how many needs the care home cannot meet."
Context: Parameters.parameter
* extension contains
    code 1..1 and
    redBagSent 1..1 and
    belongingsReconciled 0..1 and
    belongingsMissing 0..1 and
    plannedDischarge 0..1 and
    dischargeReadyDate 0..1 and
    notPossible 0..1
* extension[code].value[x] only Coding
* extension[code].value[x] from RedBagPathwayEventVS (required)
* extension[redBagSent].value[x] only boolean
* extension[belongingsMissing].value[x] only integer
* extension[belongingsReconciled].value[x] only boolean
* extension[plannedDischarge].value[x] only dateTime
* extension[dischargeReadyDate].value[x] only date
* extension[notPossible] ^short = "How many of the resident's needs the care home cannot meet"
* extension[notPossible].value[x] only integer
