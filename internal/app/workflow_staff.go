package app

import (
	"context"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/workflow"
)

// workflowStaff gives the workflow module the signed-in person as an
// Actor: their account and the roles they hold in which agency, which
// candidate groups of user tasks name.
type workflowStaff struct{ accounts *identity.Service }

// Actor converts the request's principal; nobody signed in is an actor
// with no roles.
func (workflowStaff) Actor(ctx context.Context) workflow.Actor {
	p := identity.FromContext(ctx)
	if p == nil {
		return workflow.Actor{}
	}
	return actor(p.User.ID, p.Grants)
}

// Member is the person with the user ID and the roles they hold; no roles
// for an unknown ID.
func (s workflowStaff) Member(ctx context.Context, userID string) (workflow.Actor, error) {
	grants, err := s.accounts.Grants(ctx, userID)
	if err != nil {
		return workflow.Actor{}, err
	}
	return actor(userID, grants), nil
}

// actor is a person as the workflow sees them: their roles by agency.
func actor(userID string, grants []identity.Grant) workflow.Actor {
	a := workflow.Actor{ID: userID}
	for _, g := range grants {
		a.Grants = append(a.Grants, workflow.Grant{Role: string(g.Role), AgencyID: g.AgencyID})
	}
	return a
}

// Colleagues lists the staff of an agency by name in the request's
// language.
func (s workflowStaff) Colleagues(ctx context.Context, agencyID string) ([]workflow.Person, error) {
	users, err := s.accounts.StaffOf(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.Person, 0, len(users))
	for _, u := range users {
		out = append(out, workflow.Person{ID: u.ID, Name: u.DisplayName(web.Locale(ctx))})
	}
	return out, nil
}
