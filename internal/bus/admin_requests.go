package bus

import (
	"net/http"
	"net/url"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// requestsView is the list of registration requests: the pending ones
// with the forms deciding them, or the decided ones.
type requestsView struct {
	links
	form
	pager
	Decided  bool
	Requests []*Request
}

// IsGateway says the request is for a gateway.
func (requestsView) IsGateway(q *Request) bool { return q.Kind == RequestGateway }

// MemberOfRequest is the member the request is about.
func (requestsView) MemberOfRequest(q *Request) xroad.ClientID { return q.member() }

func (p *Pages) showRequests(w http.ResponseWriter, r *http.Request) error {
	decided := r.URL.Query().Get("state") == "decided"
	return p.renderRequests(w, r, http.StatusOK, decided, pageParam(r), form{Done: doneParam(r)})
}

func (p *Pages) renderRequests(w http.ResponseWriter, r *http.Request, status int, decided bool, page int, f form) error {
	list, total, err := p.reg.ListRequests(r.Context(), RequestList{Decided: decided, Limit: pageSize, Offset: (page - 1) * pageSize})
	if err != nil {
		return err
	}
	q := url.Values{}
	if decided {
		q.Set("state", "decided")
	}
	v := requestsView{form: f, pager: newPager(PathAdmin+"/requests", q, page, total), Decided: decided, Requests: list}
	return p.requests.Render(w, r, status, v)
}

// decisionProblem shows the pending requests again with the problem of a
// decision at the request: refused because the administrator made the
// request, decided meanwhile, or what approving would add conflicting
// with the registry. Other errors pass through.
func (p *Pages) decisionProblem(w http.ResponseWriter, r *http.Request, id string, err error) error {
	e := apperr.As(err)
	if e == nil {
		return err
	}
	var status int
	switch e.Code {
	case apperr.EFORBIDDEN:
		status = http.StatusForbidden
	case apperr.ECONFLICT:
		status = http.StatusConflict
	case apperr.EINVALID:
		status = http.StatusUnprocessableEntity
	default:
		return err
	}
	msg := e.Message
	if m := e.Fields["reason"]; m != "" {
		msg = m
	}
	return p.renderRequests(w, r, status, false, 1, form{Errors: map[string]string{"reason-" + id: msg}})
}

// approveRequest adds what a request asks for.
func (p *Pages) approveRequest(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := p.reg.ApproveRequest(r.Context(), actor, id); err != nil {
		return p.decisionProblem(w, r, id, err)
	}
	return redirect(w, r, PathAdmin+"/requests?done=approved")
}

// rejectRequest refuses a request for the reason given, which the member
// sees.
func (p *Pages) rejectRequest(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := p.reg.RejectRequest(r.Context(), actor, id, r.PostFormValue("reason")); err != nil {
		return p.decisionProblem(w, r, id, err)
	}
	return redirect(w, r, PathAdmin+"/requests?done=rejected")
}
