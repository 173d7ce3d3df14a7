package identity

import (
	"context"
	"time"
)

// dataAccessLimit is how many accesses to their data the profile shows.
const dataAccessLimit = 20

// DataAccess is one look at a person's data through the interagency
// exchange bus, as the person's profile shows it.
type DataAccess struct {
	// At is when the agency's system asked.
	At time.Time
	// Client is the asking information system's X-Road identifier.
	Client string
	// Agency is the name of the organisation the system belongs to, or ""
	// when it is not known.
	Agency string
	// Service is the X-Road identifier of the service asked.
	Service string
	// Issue is the purpose the agency stated, or "" when it stated none.
	Issue string
}

// DataAccesses tells who looked at a person's data; the bus module's data
// tracker provides it through app.
type DataAccesses interface {
	// Accesses returns the latest accesses to the data of the person with
	// pinfl, newest first, at most limit of them.
	Accesses(ctx context.Context, pinfl string, limit int) ([]DataAccess, error)
}

// UseDataAccesses shows on the profile who looked at the person's data,
// as accesses tells; without it the profile has no such section.
func (m *Module) UseDataAccesses(accesses DataAccesses) { m.accesses = accesses }
