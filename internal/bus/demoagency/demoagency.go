// Package demoagency is four small agency information systems for the demo
// of the interagency exchange bus: the civil registry of the Ministry of
// Justice (births and marriages), the population registry of the Ministry of
// Internal Affairs (registered addresses), the Tax Committee's register of
// taxpayers and the Cadastre Agency's register of real estate. In production
// these are the agencies' own systems, which egov reaches only through the
// bus; here each is a real HTTP service that `egov serve --demo` starts on
// a loopback listener and puts behind the agency's own gateway, so that the
// portal and the back office exchange data with them exactly as they would
// with the real ones.
//
// The services are read-only JSON APIs: GET (and HEAD) only, field names in
// camelCase English, place names in Uzbek Latin. Errors are RFC 9457 problem
// details: 400 for a malformed identifier, 404 for an unknown one or an
// unknown path, 405 for any other method. Each service is described by an
// OpenAPI 3.1 document that the bus registry stores.
//
// The data is made up but deterministic: Agencies builds it from the people
// it is given (the platform's demo accounts), adding their parents and
// spouses, a few organisations and the properties they own, so that the same
// input always gives the same records.
//
// # Service paths
//
// One X-Road service is one base URL. The provider gateway forwards a call
// of /r1/{instance}/GOV/{memberCode}/{subsystem}/{serviceCode}{rest} to the
// service's base URL with {rest} appended, after trimming one trailing "/"
// from the base URL. A Service is served by its agency's Handler under
// Service.Path, so its base URL is "http://127.0.0.1:PORT" + Path with no
// trailing slash: the births service, Path "/births", is called on the bus as
//
//	GET /r1/UZ/GOV/201122919/civil-registry/births/31705900261002
//
// and its handler sees GET /births/31705900261002. Accordingly the paths of
// a service's OpenAPI document are relative to its base URL ("/{pinfl}"),
// which is also how the registry's access rights and listMethods see them
// (GET "/*"); Path joined with a documented path is the path the handler
// serves.
package demoagency

import (
	"embed"
	"net/http"
	"time"
)

// Person is someone the demo agencies must know: born, possibly married,
// registered at an address. The PINFLs must be distinct.
type Person struct {
	FirstName, LastName string
	PINFL               string
	BirthDate           time.Time
	Female              bool
}

// The member codes (STIRs) under which the agencies take part in the bus.
// They are fixed demo values, not the bodies' real taxpayer numbers.
const (
	JusticeMemberCode  = "201122919" // Ministry of Justice: civil registry
	InteriorMemberCode = "201576830" // Ministry of Internal Affairs: population registry
	TaxMemberCode      = "200935935" // Tax Committee: taxpayer registry
	CadastreMemberCode = "207145612" // Cadastre Agency: real estate registry
)

// MemberClass is the member class of every demo agency: state bodies.
const MemberClass = "GOV"

// Agency is one demo agency: its identity on the bus and its services.
type Agency struct {
	// Name is the organisation's name in Uzbek, as the bus registry lists
	// the member.
	Name string
	// MemberClass and MemberCode identify the member: "GOV" and a STIR.
	MemberClass, MemberCode string
	// Subsystem is the code of the information system that provides the
	// services.
	Subsystem string
	// Services are what the subsystem provides, each a service of the bus.
	Services []Service
	// Handler serves every service of the agency, each under its Path. It
	// is safe for concurrent use and holds no mutable state.
	Handler http.Handler
}

// Service is one service of an agency's subsystem.
type Service struct {
	// Code is the X-Road service code.
	Code string
	// Title is the service's title in Uzbek, for the bus registry.
	Title string
	// Path is the prefix under which the agency's Handler serves the
	// service, without a trailing slash: the base URL to register is the
	// listener's origin followed by Path (see the package comment).
	Path string
	// OpenAPI is the service's OpenAPI 3.1 description in JSON, paths
	// relative to the base URL.
	OpenAPI []byte
	// Example is a path, Path included, that the Handler answers with a
	// record: for smoke tests and the demo's documentation.
	Example string
}

//go:embed openapi/*.json
var openAPIFS embed.FS

// openAPI returns the embedded description named name.
func openAPI(name string) []byte {
	b, err := openAPIFS.ReadFile("openapi/" + name + ".json")
	if err != nil {
		// The files are embedded at build time; a missing one is a
		// programming error that every test shows.
		panic("demoagency: " + err.Error())
	}
	return b
}

// Agencies returns the four demo agencies with data built around people
// (see the package comment and data.go for what each gets). Calling it
// twice with the same people gives agencies that answer alike.
func Agencies(people []Person) []Agency {
	w := newWorld(people)
	return []Agency{
		{
			Name:        "Oʻzbekiston Respublikasi Adliya vazirligi",
			MemberClass: MemberClass, MemberCode: JusticeMemberCode, Subsystem: "civil-registry",
			Services: []Service{
				{Code: "births", Title: "Tugʻilganlik haqidagi dalolatnoma yozuvlari", Path: "/births",
					OpenAPI: openAPI("births"), Example: "/births/" + w.examplePerson},
				{Code: "marriages", Title: "Nikoh haqidagi dalolatnoma yozuvlari", Path: "/marriages",
					OpenAPI: openAPI("marriages"), Example: "/marriages/" + w.examplePerson},
			},
			Handler: w.civilRegistry(),
		},
		{
			Name:        "Oʻzbekiston Respublikasi Ichki ishlar vazirligi",
			MemberClass: MemberClass, MemberCode: InteriorMemberCode, Subsystem: "population",
			Services: []Service{
				{Code: "persons", Title: "Aholining doimiy va vaqtincha roʻyxatga olinishi", Path: "/persons",
					OpenAPI: openAPI("persons"), Example: "/persons/" + w.examplePerson + "/address"},
			},
			Handler: w.populationRegistry(),
		},
		{
			Name:        "Oʻzbekiston Respublikasi Soliq qoʻmitasi",
			MemberClass: MemberClass, MemberCode: TaxMemberCode, Subsystem: "tax-registry",
			Services: []Service{
				{Code: "taxpayers", Title: "Soliq toʻlovchilar reyestri", Path: "/taxpayers",
					OpenAPI: openAPI("taxpayers"), Example: "/taxpayers/" + w.exampleSTIR},
			},
			Handler: w.taxRegistry(),
		},
		{
			Name:        "Iqtisodiyot va moliya vazirligi huzuridagi Kadastr agentligi",
			MemberClass: MemberClass, MemberCode: CadastreMemberCode, Subsystem: "cadastre",
			Services: []Service{
				{Code: "properties", Title: "Koʻchmas mulk obyektlari davlat kadastri", Path: "/properties",
					OpenAPI: openAPI("properties"), Example: "/properties/" + w.exampleProperty},
			},
			Handler: w.cadastre(),
		},
	}
}
