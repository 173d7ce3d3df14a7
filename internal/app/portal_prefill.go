package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/portal"
)

// Prefill sources: the registries application forms may name.
const (
	sourcePerson      = "person"       // the identity register: the applicant's account
	sourceBirthRecord = "birth-record" // the civil registry's birth record, over the bus
)

// birthRecords is the civil registry's births service on the bus.
var birthRecords = mustService("UZ/GOV/201122919/civil-registry/births")

func mustService(id string) xroad.ServiceID {
	s, err := xroad.ParseServiceID(id)
	if err != nil {
		panic(err)
	}
	return s
}

// prefillRegistries answer the portal's questions about what the state
// holds on an applicant: the identity register directly, other registries
// over the exchange bus, so that the civil registry's data tracker shows
// the citizen who asked and why.
type prefillRegistries struct {
	accounts *identity.Service
	app      *App
}

// Fetch returns the source's document about the applicant.
func (p prefillRegistries) Fetch(ctx context.Context, source string, who portal.Applicant, purpose string) (map[string]any, error) {
	switch source {
	case sourcePerson:
		u, err := p.accounts.FindUserByID(ctx, who.UserID)
		if err != nil {
			return nil, err
		}
		doc := map[string]any{"pinfl": u.PINFL, "lastName": u.LastName, "firstName": u.FirstName, "phone": u.Phone,
			"email": u.Email}
		if !u.BirthDate.IsZero() {
			doc["birthDate"] = u.BirthDate.Format("2006-01-02")
		}
		return doc, nil
	case sourceBirthRecord:
		return p.overBus(ctx, birthRecords, "/"+url.PathEscape(who.PINFL), who.PINFL, purpose)
	}
	return nil, fmt.Errorf("prefill: unknown source %q", source)
}

// overBus calls a registry's service about the person with the PINFL.
func (p prefillRegistries) overBus(ctx context.Context, service xroad.ServiceID, path, pinfl, purpose string) (map[string]any, error) {
	c := p.app.busClient.Load()
	if c == nil {
		return nil, errors.New("prefill: this node has no exchange bus gateway")
	}
	if pinfl == "" {
		return nil, apperr.New(apperr.ENOTFOUND, "error.not_found")
	}
	resp, err := c.Call(ctx, service, bus.CallRequest{Path: path, UserID: "UZ" + pinfl, Issue: purpose,
		Header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	switch {
	case resp.Status == http.StatusNotFound:
		return nil, apperr.New(apperr.ENOTFOUND, "error.not_found")
	case resp.Status != http.StatusOK:
		return nil, fmt.Errorf("prefill: %s answered %d", service, resp.Status)
	}
	var doc map[string]any
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		return nil, fmt.Errorf("prefill: %s: %w", service, err)
	}
	return doc, nil
}
