package bus

import (
	"net/http"
	"strings"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// groupsView is the list of global groups with the form adding one.
type groupsView struct {
	links
	form
	Groups []GroupSummary
}

func (p *Pages) showGroups(w http.ResponseWriter, r *http.Request) error {
	return p.renderGroups(w, r, http.StatusOK, form{Values: map[string]string{"instance": defaultInstance}})
}

func (p *Pages) renderGroups(w http.ResponseWriter, r *http.Request, status int, f form) error {
	groups, err := p.reg.Groups(r.Context())
	if err != nil {
		return err
	}
	return p.groups.Render(w, r, status, groupsView{form: f, Groups: groups})
}

// createGroup adds a global group and shows its page.
func (p *Pages) createGroup(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	f := form{Values: map[string]string{"instance": strings.TrimSpace(r.PostFormValue("instance")),
		"group_code": strings.TrimSpace(r.PostFormValue("group_code")), "description": r.PostFormValue("description")}}
	g, err := p.reg.CreateGroup(r.Context(), actor, Group{Group: GroupID{Instance: f.Values["instance"], Code: f.Values["group_code"]},
		Description: f.Values["description"]})
	if err == nil {
		return redirect(w, r, groupPath(g.Group)+"?done=created")
	}
	fields, status, err := fieldErrors(err, nil, map[string]string{MsgGroupExists: "group_code"})
	if err != nil {
		return err
	}
	f.Errors = fields
	return p.renderGroups(w, r, status, f)
}

// groupView is a group's page: the subsystems in it, with the forms
// adding and removing them.
type groupView struct {
	links
	form
	Grp        *Group
	Members    []xroad.ClientID
	Subsystems []string
}

func (p *Pages) showGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := pathGroup(r)
	if err != nil {
		return err
	}
	return p.renderGroup(w, r, http.StatusOK, g, form{Done: doneParam(r)})
}

func (p *Pages) renderGroup(w http.ResponseWriter, r *http.Request, status int, id GroupID, f form) error {
	ctx := r.Context()
	g, err := p.reg.FindGroup(ctx, id)
	if err != nil {
		return err
	}
	v := groupView{form: f, Grp: g}
	if v.Members, err = p.reg.GroupMembers(ctx, id); err != nil {
		return err
	}
	if v.Subsystems, err = p.subsystemChoices(ctx); err != nil {
		return err
	}
	return p.group.Render(w, r, status, v)
}

// postedGroup is the group a form on its page names in the field "group".
func postedGroup(r *http.Request) (GroupID, error) {
	if g, ok := parseGroupID(r.PostFormValue("group")); ok {
		return g, nil
	}
	return GroupID{}, apperr.New(apperr.ENOTFOUND, MsgNoSuchGroup)
}

// actorAndGroup is who posts a form on a group's page, and the group.
func (p *Pages) actorAndGroup(r *http.Request) (string, GroupID, error) {
	actor, err := p.actor(r)
	if err != nil {
		return "", GroupID{}, err
	}
	g, err := postedGroup(r)
	return actor, g, err
}

// addGroupMember puts the subsystem typed into the group.
func (p *Pages) addGroupMember(w http.ResponseWriter, r *http.Request) error {
	actor, g, err := p.actorAndGroup(r)
	if err != nil {
		return err
	}
	if _, err := p.reg.FindGroup(r.Context(), g); err != nil {
		return err
	}
	f := form{Values: map[string]string{"gm-subsystem": strings.TrimSpace(r.PostFormValue("subsystem"))}}
	status := http.StatusUnprocessableEntity
	c, ok := parseSubsystemID(f.Values["gm-subsystem"])
	if !ok {
		f.Errors = map[string]string{"gm-subsystem": msgSubsystemID}
		return p.renderGroup(w, r, status, g, f)
	}
	err = p.reg.AddGroupMember(r.Context(), actor, g, c)
	if err == nil {
		return redirect(w, r, groupPath(g)+"?done=added")
	}
	if f.Errors, status, err = fieldErrors(err, nil, map[string]string{MsgNoSuchSubsystem: "gm-subsystem",
		MsgGroupMemberExists: "gm-subsystem"}); err != nil {
		return err
	}
	return p.renderGroup(w, r, status, g, f)
}

// removeGroupMember takes a subsystem out of the group.
func (p *Pages) removeGroupMember(w http.ResponseWriter, r *http.Request) error {
	actor, g, err := p.actorAndGroup(r)
	if err != nil {
		return err
	}
	c, ok := parseSubsystemID(r.PostFormValue("subsystem"))
	if !ok {
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchSubsystem)
	}
	if err := p.reg.RemoveGroupMember(r.Context(), actor, g, c); err != nil {
		return err
	}
	return redirect(w, r, groupPath(g)+"?done=removed")
}
