// The project's own identifier systems (NHS number and ODS codes belong to NHS England and are not redefined).

RuleSet: IdentifierSystem(name, uri, description)
* name = "{name}"
* status = #active
* kind = #identifier
* date = "2025-01-01"
* publisher = "redbag"
* description = "{description}"
* uniqueId[0].type = #uri
* uniqueId[0].value = "{uri}"
* uniqueId[0].preferred = true

Instance: redbag-bag-number
InstanceOf: NamingSystem
Usage: #definition
Title: "Red bag tracker number"
* insert IdentifierSystem(RedBagBagNumber, https://redbag.dev/fhir/Id/bag-number, The red bag's own tracker number\, printed on the bag and tied to the care home.)

Instance: redbag-resource
InstanceOf: NamingSystem
Usage: #definition
Title: "Red bag resource id"
* insert IdentifierSystem(RedBagResourceId, https://redbag.dev/fhir/Id/resource, Deterministic id of a resource of one transfer\, derived from the care home\, bag number and completion time: the key of conditional updates.)

Instance: redbag-document
InstanceOf: NamingSystem
Usage: #definition
Title: "Red bag document id"
* insert IdentifierSystem(RedBagDocumentId, https://redbag.dev/fhir/Id/document, Deterministic identifier of a red bag document Bundle.)

Instance: redbag-care-home-location
InstanceOf: NamingSystem
Usage: #definition
Title: "Red bag care home location id"
* insert IdentifierSystem(RedBagCareHomeLocationId, https://redbag.dev/fhir/Id/care-home-location, The care home Location keyed by the care home's ODS organisation code.)

Instance: redbag-care-home-capabilities
InstanceOf: NamingSystem
Usage: #definition
Title: "Care home capabilities id"
* insert IdentifierSystem(RedBagCareHomeCapabilitiesId, https://redbag.dev/fhir/Id/care-home-capabilities, The care home's ODS code\, naming the one record of what that care home can manage.)
