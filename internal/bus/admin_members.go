package bus

import (
	"net/http"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// defaultInstance is offered in new members' and groups' forms: the
// instance of the national bus.
const defaultInstance = "UZ"

// memberClasses are the classes a new member's form offers.
var memberClasses = []string{ClassGOV, ClassCOM, ClassNGO, ClassORG}

// overviewView is the start page: how big the registry is and what the
// gateways exchanged over the last day.
type overviewView struct {
	links
	Counts Counts
	// Exchanges and Errors count the message log's records of the last
	// day, Errors those answered with status 400 or more.
	Exchanges, Errors int64
}

func (p *Pages) showOverview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := overviewView{}
	var err error
	if v.Counts, err = p.reg.Counts(ctx); err != nil {
		return err
	}
	rows, err := p.log.Traffic(ctx, p.now().Add(-24*time.Hour), time.Time{})
	if err != nil {
		return err
	}
	for _, t := range rows {
		v.Exchanges += t.Exchanges
		v.Errors += t.Errors
	}
	return p.overview.Render(w, r, http.StatusOK, v)
}

// membersView is the list of members with the form adding one.
type membersView struct {
	links
	form
	pager
	Members []*Member
	Classes []string
}

func (p *Pages) showMembers(w http.ResponseWriter, r *http.Request) error {
	return p.renderMembers(w, r, http.StatusOK, form{Values: map[string]string{"instance": defaultInstance}})
}

func (p *Pages) renderMembers(w http.ResponseWriter, r *http.Request, status int, f form) error {
	v := membersView{form: f, Classes: memberClasses}
	page := pageParam(r)
	if r.Method != http.MethodGet {
		page = 1
	}
	members, total, err := p.reg.FindMembers(r.Context(), MemberFilter{Limit: pageSize, Offset: (page - 1) * pageSize})
	if err != nil {
		return err
	}
	v.Members, v.pager = members, newPager(PathAdmin+"/members", nil, page, total)
	return p.members.Render(w, r, status, v)
}

// createMember adds a member and shows its page; bad input shows the list
// again with the problems at the fields and nothing added.
func (p *Pages) createMember(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	f := form{Values: map[string]string{}}
	for _, k := range []string{"instance", "member_class", "member_code", "name"} {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	m, err := p.reg.CreateMember(r.Context(), actor, Member{Client: xroad.ClientID{Instance: f.Values["instance"],
		MemberClass: f.Values["member_class"], MemberCode: f.Values["member_code"]}, Name: f.Values["name"]})
	if err == nil {
		return redirect(w, r, memberPath(m.Client)+"?done=created")
	}
	fields, status, err := fieldErrors(err, nil, map[string]string{MsgMemberExists: "member_code"})
	if err != nil {
		return err
	}
	f.Errors = fields
	return p.renderMembers(w, r, status, f)
}

// subsystemRow is a subsystem on its member's page, with its services.
type subsystemRow struct {
	*Subsystem
	Services []ServiceSummary
}

// memberView is a member's page: its subsystems and their services, its
// gateways, and the forms adding a subsystem and a gateway.
type memberView struct {
	links
	form
	Member     *Member
	Subsystems []subsystemRow
	Gateways   []Gateway
	// MoreServices says the member has more services than the page lists.
	MoreServices bool
}

func (p *Pages) showMember(w http.ResponseWriter, r *http.Request) error {
	c, err := pathMember(r)
	if err != nil {
		return err
	}
	return p.renderMember(w, r, http.StatusOK, c, form{Done: doneParam(r)})
}

func (p *Pages) renderMember(w http.ResponseWriter, r *http.Request, status int, c xroad.ClientID, f form) error {
	ctx := r.Context()
	m, err := p.reg.FindMember(ctx, c)
	if err != nil {
		return err
	}
	v := memberView{form: f, Member: m}
	subs, err := p.reg.Subsystems(ctx, c)
	if err != nil {
		return err
	}
	services, total, err := p.reg.FindServices(ctx, ServiceFilter{Member: &m.Client, Limit: MaxPage})
	if err != nil {
		return err
	}
	v.MoreServices = total > len(services)
	for _, s := range subs {
		row := subsystemRow{Subsystem: s}
		for _, svc := range services {
			if svc.Service.Client == s.Client {
				row.Services = append(row.Services, svc)
			}
		}
		v.Subsystems = append(v.Subsystems, row)
	}
	if v.Gateways, err = p.reg.MemberGateways(ctx, c); err != nil {
		return err
	}
	return p.member.Render(w, r, status, v)
}

// postedMember is the member a form on its page names in the field
// "member".
func postedMember(r *http.Request) (xroad.ClientID, error) {
	if c, ok := parseMemberID(r.PostFormValue("member")); ok {
		return c, nil
	}
	return xroad.ClientID{}, apperr.New(apperr.ENOTFOUND, MsgNoSuchMember)
}

// actorAndMember is who posts a form on a member's page, and the
// member, which must exist.
func (p *Pages) actorAndMember(r *http.Request) (string, xroad.ClientID, error) {
	actor, err := p.actor(r)
	if err != nil {
		return "", xroad.ClientID{}, err
	}
	c, err := postedMember(r)
	if err != nil {
		return "", xroad.ClientID{}, err
	}
	if _, err := p.reg.FindMember(r.Context(), c); err != nil {
		return "", xroad.ClientID{}, err
	}
	return actor, c, nil
}

// createSubsystem adds a subsystem to the member named by the form.
func (p *Pages) createSubsystem(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := p.actorAndMember(r)
	if err != nil {
		return err
	}
	f := form{Values: map[string]string{"sub-code": strings.TrimSpace(r.PostFormValue("code"))}}
	s := c
	s.Subsystem = f.Values["sub-code"]
	_, err = p.reg.CreateSubsystem(r.Context(), actor, s)
	if err == nil {
		return redirect(w, r, memberPath(c)+"?done=subsystem#subsystems")
	}
	fields, status, err := fieldErrors(err, map[string]string{"subsystem": "sub-code"}, map[string]string{MsgSubsystemExists: "subsystem"})
	if err != nil {
		return err
	}
	f.Errors = fields
	return p.renderMember(w, r, status, c, f)
}

// createGateway registers a gateway of the member named by the form.
func (p *Pages) createGateway(w http.ResponseWriter, r *http.Request) error {
	actor, c, err := p.actorAndMember(r)
	if err != nil {
		return err
	}
	f := form{Values: map[string]string{}}
	for _, k := range []string{"name", "address", "auth_serial", "sign_serial"} {
		f.Values["gw-"+k] = strings.TrimSpace(r.PostFormValue(k))
	}
	_, err = p.reg.CreateGateway(r.Context(), actor, GatewayInput{Member: c, Name: f.Values["gw-name"], Address: f.Values["gw-address"],
		AuthSerial: f.Values["gw-auth_serial"], SignSerial: f.Values["gw-sign_serial"]})
	if err == nil {
		return redirect(w, r, memberPath(c)+"?done=gateway#gateways")
	}
	fields, status, err := fieldErrors(err, map[string]string{"name": "gw-name", "address": "gw-address",
		"auth_serial": "gw-auth_serial", "sign_serial": "gw-sign_serial"}, map[string]string{MsgGatewayExists: "name"})
	if err != nil {
		return err
	}
	f.Errors = fields
	return p.renderMember(w, r, status, c, f)
}
