package catalog

import (
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed openapi.json
var openAPIFragment []byte

// APIRoutes registers the catalogue's JSON API and describes it in the
// OpenAPI document.
func (m *Module) APIRoutes(s *web.Server) error {
	r := s.Router()
	r.Handle("GET /api/v1/agencies", web.Public, m.apiAgencies)
	r.Handle("GET /api/v1/services", web.Public, m.apiServices)
	r.Handle("GET /api/v1/services/{code}", web.Public, m.apiService)
	r.Handle("GET /api/v1/services/{code}/form", web.Public, m.apiForm)
	r.Handle("GET /api/v1/kpis", web.Public, m.apiKPIs)
	return s.API().Describe(openAPIFragment)
}

// agencyJSON is an agency in the API.
type agencyJSON struct {
	Code    string   `json:"code"`
	Parent  string   `json:"parent,omitempty"`
	Kind    string   `json:"kind"`
	Names   Texts    `json:"names"`
	Phone   string   `json:"phone,omitempty"`
	Email   string   `json:"email,omitempty"`
	Website string   `json:"website,omitempty"`
	Regions []string `json:"regions"`
}

// serviceJSON is a service in the API: its passport with the agency named by
// code rather than by internal ID.
type serviceJSON struct {
	Passport
	// AgencyID hides the passport's internal agency ID (always empty here).
	AgencyID  string    `json:"agency_id,omitempty"`
	Agency    string    `json:"agency"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (m *Module) apiAgencies(w http.ResponseWriter, r *http.Request) error {
	list, err := m.reg.Agencies(r.Context())
	if err != nil {
		return err
	}
	codes := agencyCodes(list)
	out := make([]agencyJSON, 0, len(list))
	for _, a := range list {
		out = append(out, toAgencyJSON(a, codes))
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// agencyCodes maps agency IDs to codes: the API and the export name
// agencies by code, never by internal ID.
func agencyCodes(list []Agency) map[string]string {
	codes := make(map[string]string, len(list))
	for _, a := range list {
		codes[a.ID] = a.Code
	}
	return codes
}

// intParam reads a non-negative whole-number query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, apperr.Invalid("catalog.api.bad_param", map[string]string{name: "catalog.api.bad_param"})
	}
	return n, nil
}

func (m *Module) apiServices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	limit, err := intParam(r, "limit", 50)
	if err != nil {
		return err
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), 500)
	list, err := m.reg.Agencies(ctx)
	if err != nil {
		return err
	}
	codes := agencyCodes(list)
	q := r.URL.Query()
	var items []*Service
	var total int
	if text := q.Get("q"); text != "" {
		items, err = m.reg.Search(ctx, text, min(limit+offset, 100))
		total = len(items)
		items = items[min(offset, len(items)):]
	} else {
		f := ServiceFilter{Limit: limit, Offset: offset}
		status := Status(q.Get("status"))
		if status == "" {
			status = StatusLive
		}
		if status != "any" {
			f.Status = &status
		}
		if e := q.Get("event"); e != "" {
			f.LifeEvent = &e
		}
		if code := q.Get("agency"); code != "" {
			id := "-"
			for _, a := range list {
				if a.Code == code {
					id = a.ID
				}
			}
			f.AgencyID = &id
		}
		items, total, err = m.reg.Services(ctx, f)
	}
	if err != nil {
		return err
	}
	out := make([]transferService, 0, len(items))
	for _, s := range items {
		out = append(out, toTransferService(s, codes))
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "limit": limit, "offset": offset})
}

func (m *Module) apiService(w http.ResponseWriter, r *http.Request) error {
	s, err := m.reg.ServiceByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	list, err := m.reg.Agencies(r.Context())
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, toTransferService(s, agencyCodes(list)))
}

// kpiJSON is a KPI with its shares computed.
type kpiJSON struct {
	Agency         string  `json:"agency,omitempty"`
	Total          int     `json:"total"`
	Live           int     `json:"live"`
	Automated      int     `json:"automated"`
	Mobile         int     `json:"mobile"`
	AutomatedShare float64 `json:"automated_share"`
	MobileShare    float64 `json:"mobile_share"`
}

func toKPIJSON(agency string, k KPI) kpiJSON {
	return kpiJSON{Agency: agency, Total: k.Total, Live: k.Live, Automated: k.Automated, Mobile: k.Mobile,
		AutomatedShare: k.AutomatedShare(), MobileShare: k.MobileShare()}
}

func (m *Module) apiKPIs(w http.ResponseWriter, r *http.Request) error {
	all, per, err := m.reg.KPIs(r.Context())
	if err != nil {
		return err
	}
	agencies := make([]kpiJSON, 0, len(per))
	for _, a := range per {
		agencies = append(agencies, toKPIJSON(a.Agency.Code, a.KPI))
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{
		"overall":  toKPIJSON("", all),
		"targets":  map[string]any{"live": m.targets.Live, "automated_share": m.targets.AutomatedShare, "mobile_share": m.targets.MobileShare},
		"agencies": agencies,
	})
}
