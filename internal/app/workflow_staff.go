package app

import (
	"context"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/workflow"
)

// workflowStaff gives the workflow module the signed-in person as an
// Actor: their account and the roles they hold in which agency, which
// candidate groups of user tasks name.
type workflowStaff struct{}

// Actor converts the request's principal; nobody signed in is an actor
// with no roles.
func (workflowStaff) Actor(ctx context.Context) workflow.Actor {
	p := identity.FromContext(ctx)
	if p == nil {
		return workflow.Actor{}
	}
	a := workflow.Actor{ID: p.User.ID}
	for _, g := range p.Grants {
		a.Grants = append(a.Grants, workflow.Grant{Role: string(g.Role), AgencyID: g.AgencyID})
	}
	return a
}
