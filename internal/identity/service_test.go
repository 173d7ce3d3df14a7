package identity_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// fastHashing keeps tests quick; production uses password.DefaultParams.
var fastHashing = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func schema() []db.Migrations { return []db.Migrations{audit.Migrations(), identity.Migrations()} }

type fixture struct {
	svc   *identity.Service
	clock *clock.Manual
	audit *audit.Log
}

func newService(t *testing.T, d *db.DB) fixture {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	a := audit.New(d, c)
	svc, err := identity.NewService(d, c, a, testAgencies, slog.New(slog.NewTextHandler(io.Discard, nil)), fastHashing)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, clock: c, audit: a}
}

var aziz = pinfl.GeneratePINFL(time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), pinfl.Male, 26, 7).String()

func validRegistration() identity.Registration {
	return identity.Registration{PINFL: aziz, FirstName: "Aziz", LastName: "Karimov", Phone: "90 123 45 67",
		Email: "aziz@example.uz", Password: "Yashil-olma-2026", Confirm: "Yashil-olma-2026"}
}

func TestRegister(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newService(t, d)
		ctx := context.Background()
		tests := []struct {
			name   string
			edit   func(*identity.Registration)
			fields map[string]string
		}{
			{"bad PINFL checksum", func(r *identity.Registration) { r.PINFL = aziz[:13] + string('0'+(aziz[13]-'0'+1)%10) }, map[string]string{"pinfl": pinfl.MsgPINFLChecksum}},
			{"short PINFL", func(r *identity.Registration) { r.PINFL = "123" }, map[string]string{"pinfl": pinfl.MsgPINFLLength}},
			{"no names", func(r *identity.Registration) { r.FirstName, r.LastName = " ", "" }, map[string]string{"first_name": "identity.form.required", "last_name": "identity.form.required"}},
			{"bad phone", func(r *identity.Registration) { r.Phone = "12345" }, map[string]string{"phone": "identity.form.phone"}},
			{"bad email", func(r *identity.Registration) { r.Email = "aziz@" }, map[string]string{"email": "identity.form.email"}},
			{"common password", func(r *identity.Registration) { r.Password, r.Confirm = "qwerty12345", "qwerty12345" }, map[string]string{"password": password.MsgCommon}},
			{"password with own name", func(r *identity.Registration) { r.Password, r.Confirm = "karimov-zor-2026", "karimov-zor-2026" }, map[string]string{"password": password.MsgPersonal}},
			{"confirmation differs", func(r *identity.Registration) { r.Confirm = "something-else-1" }, map[string]string{"confirm": "identity.form.confirm"}},
		}
		for _, tt := range tests {
			r := validRegistration()
			tt.edit(&r)
			_, err := f.svc.Register(ctx, r)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID {
				t.Fatalf("%s: err = %v, want invalid", tt.name, err)
			}
			for field, msg := range tt.fields {
				if e.Fields[field] != msg {
					t.Errorf("%s: field %s = %q, want %q (all: %v)", tt.name, field, e.Fields[field], msg, e.Fields)
				}
			}
		}
		// Nothing was created by the bad attempts.
		if _, err := f.svc.Authenticate(ctx, aziz, "Yashil-olma-2026"); !apperr.Is(err, apperr.EUNAUTHORIZED) {
			t.Fatalf("account exists after failed registrations: %v", err)
		}

		u, err := f.svc.Register(ctx, validRegistration())
		if err != nil {
			t.Fatal(err)
		}
		if u.Phone != "+998901234567" || u.NameCyrl != "Азиз Каримов" || !u.BirthDate.Equal(time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("registered user = %+v", u)
		}
		grants, _ := f.svc.Grants(ctx, u.ID)
		if len(grants) != 1 || grants[0].Role != identity.RoleCitizen {
			t.Errorf("grants = %v, want citizen", grants)
		}
		again := validRegistration()
		_, err = f.svc.Register(ctx, again)
		if e := apperr.As(err); e == nil || e.Fields["pinfl"] != "identity.register.pinfl_taken" {
			t.Errorf("second registration with the same PINFL: %v", err)
		}
		other := validRegistration()
		other.PINFL = pinfl.GeneratePINFL(time.Date(1991, 1, 1, 0, 0, 0, 0, time.UTC), pinfl.Female, 26, 8).String()
		_, err = f.svc.Register(ctx, other)
		if e := apperr.As(err); e == nil || e.Fields["phone"] != "identity.register.phone_taken" {
			t.Errorf("registration with a taken phone: %v", err)
		}
		entries, _, _ := f.audit.List(ctx, audit.Filter{})
		if len(entries) != 2 || entries[0].Action != "identity.user.registered" || entries[0].Actor != u.ID {
			t.Errorf("audit = %+v", entries)
		}
	})
}

func TestAuthenticateAndLockout(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newService(t, d)
		ctx := context.Background()
		u, err := f.svc.Register(ctx, validRegistration())
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{aziz, "+998901234567", "90 123 45 67", "998 90 123-45-67"} {
			got, err := f.svc.Authenticate(ctx, id, "Yashil-olma-2026")
			if err != nil || got.ID != u.ID {
				t.Errorf("sign in as %q: %v", id, err)
			}
		}
		// A wrong password and an unknown person get the same answer.
		_, wrong := f.svc.Authenticate(ctx, aziz, "not-the-password")
		_, unknown := f.svc.Authenticate(ctx, "+998909999999", "not-the-password")
		if apperr.Code(wrong) != apperr.EUNAUTHORIZED || wrong.Error() != unknown.Error() {
			t.Errorf("wrong password %v vs unknown person %v", wrong, unknown)
		}
		// Five failures lock the identifier, known or not, for a minute,
		// then for longer after each further failure.
		// (The unknown number failed once above; the phone of the known
		// account has its own count, apart from its PINFL's.)
		for id, before := range map[string]int{"+998901234567": 0, "+998909999999": 1} {
			for i := before; i < 5; i++ {
				f.svc.Authenticate(ctx, id, "not-the-password")
			}
			_, err := f.svc.Authenticate(ctx, id, "Yashil-olma-2026")
			if apperr.Code(err) != apperr.ETOOMANY {
				t.Errorf("%s after 5 failures: %v, want locked", id, err)
			}
		}
		f.clock.Advance(61 * time.Second)
		if _, err := f.svc.Authenticate(ctx, "+998901234567", "Yashil-olma-2026"); err != nil {
			t.Errorf("after the lock expired: %v", err)
		}
		// Success cleared the count: one failure does not lock again.
		f.svc.Authenticate(ctx, "+998901234567", "bad")
		if _, err := f.svc.Authenticate(ctx, "+998901234567", "Yashil-olma-2026"); err != nil {
			t.Errorf("after reset: %v", err)
		}
		failed, n, _ := f.audit.List(ctx, audit.Filter{})
		var failures int
		for _, e := range failed {
			if e.Action == "identity.login.failed" {
				failures++
			}
		}
		if n == 0 || failures < 9 {
			t.Errorf("failed sign-ins audited: %d", failures)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newService(t, d)
		ctx := context.Background()
		u, err := f.svc.Register(ctx, validRegistration())
		if err != nil {
			t.Fatal(err)
		}
		token, ss, err := f.svc.StartSession(ctx, u, "203.0.113.5", "Firefox", identity.SignInPassword)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.SessionByToken(ctx, token)
		if err != nil || got.ID != ss.ID || got.UserID != u.ID || got.Method != identity.SignInPassword || got.Method.Strong() {
			t.Fatalf("session by token: %v %v", got, err)
		}
		strongToken, _, err := f.svc.StartSession(ctx, u, "203.0.113.5", "Firefox", identity.SignInCertificate)
		if err != nil {
			t.Fatal(err)
		}
		if strong, err := f.svc.SessionByToken(ctx, strongToken); err != nil || !strong.Method.Strong() {
			t.Errorf("a certificate sign-in is not strong: %v %v", strong, err)
		}
		if _, err := f.svc.SessionByToken(ctx, ss.ID); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("the stored hash works as a token: %v", err)
		}
		// Idle timeout, and activity that keeps a session alive.
		f.clock.Advance(20 * time.Minute)
		if err := f.svc.Touch(ctx, got); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(20 * time.Minute)
		if _, err := f.svc.SessionByToken(ctx, token); err != nil {
			t.Errorf("active session ended: %v", err)
		}
		f.clock.Advance(31 * time.Minute)
		if _, err := f.svc.SessionByToken(ctx, token); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("idle session still alive: %v", err)
		}
		// Absolute timeout despite activity.
		token, _, _ = f.svc.StartSession(ctx, u, "", "", identity.SignInPassword)
		for range 25 {
			f.clock.Advance(29 * time.Minute)
			s, err := f.svc.SessionByToken(ctx, token)
			if err != nil {
				break
			}
			f.svc.Touch(ctx, s)
		}
		if _, err := f.svc.SessionByToken(ctx, token); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("session outlived the absolute timeout")
		}

		// Sign out elsewhere, and nobody ends another person's session.
		t1, s1, _ := f.svc.StartSession(ctx, u, "", "phone", identity.SignInPassword)
		t2, _, _ := f.svc.StartSession(ctx, u, "", "laptop", identity.SignInPassword)
		other := validRegistration()
		other.PINFL = pinfl.GeneratePINFL(time.Date(1991, 1, 1, 0, 0, 0, 0, time.UTC), pinfl.Female, 26, 8).String()
		other.Phone, other.FirstName = "+998907654321", "Malika"
		v, err := f.svc.Register(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		tv, sv, _ := f.svc.StartSession(ctx, v, "", "", identity.SignInPassword)
		list, _ := f.svc.Sessions(ctx, u.ID)
		if len(list) != 2 {
			t.Fatalf("sessions = %d, want 2", len(list))
		}
		if err := f.svc.EndSessionByShortID(ctx, u.ID, sv.ID[:12]); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("ended another person's session: %v", err)
		}
		if _, err := f.svc.SessionByToken(ctx, tv); err != nil {
			t.Errorf("the other person's session was harmed: %v", err)
		}
		if err := f.svc.EndOtherSessions(ctx, u.ID, s1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SessionByToken(ctx, t1); err != nil {
			t.Errorf("kept session ended: %v", err)
		}
		if _, err := f.svc.SessionByToken(ctx, t2); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("other session survived sign-out elsewhere")
		}
	})
}

func TestRolesAndAgencyScope(t *testing.T) {
	justice, tax := "agency-justice", "agency-tax"
	officer := &identity.Principal{Grants: []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleOfficer, AgencyID: justice}}}
	if !officer.Can(identity.PermApplicationsProcess, justice) || !officer.Can(identity.PermApplicationsProcess, "") {
		t.Errorf("officer cannot work in their own agency")
	}
	if officer.Can(identity.PermApplicationsProcess, tax) {
		t.Errorf("officer acts outside their agency")
	}
	if officer.Can(identity.PermUsersAdmin, "") || officer.Can(identity.PermApplicationsSupervise, justice) {
		t.Errorf("officer holds permissions of other roles")
	}
	var anonymous *identity.Principal
	if anonymous.Can(identity.PermSelf, "") {
		t.Errorf("anonymous visitor holds self")
	}
	for _, r := range identity.Roles() {
		if len(r.Grants()) == 0 || r.Grants()[0] != identity.PermSelf {
			t.Errorf("role %s: grants %v, want self first", r, r.Grants())
		}
	}
}

func TestGrantingRoles(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newService(t, d)
		ctx := context.Background()
		if err := f.svc.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		justice, tax := "agency-adliya", "agency-soliq"
		u, err := f.svc.Register(ctx, validRegistration())
		if err != nil {
			t.Fatal(err)
		}
		admin := &identity.Principal{User: &identity.User{ID: "admin"}, Grants: []identity.Grant{{Role: identity.RolePlatformAdmin}}}
		agencyAdmin := &identity.Principal{User: &identity.User{ID: "agency-admin"}, Grants: []identity.Grant{{Role: identity.RoleAgencyAdmin, AgencyID: justice}}}
		tests := []struct {
			name  string
			actor *identity.Principal
			grant identity.Grant
			code  string
		}{
			{"agency admin: officer in own agency", agencyAdmin, identity.Grant{Role: identity.RoleOfficer, AgencyID: justice}, ""},
			{"agency admin: officer elsewhere", agencyAdmin, identity.Grant{Role: identity.RoleOfficer, AgencyID: tax}, apperr.EFORBIDDEN},
			{"agency admin: platform admin", agencyAdmin, identity.Grant{Role: identity.RolePlatformAdmin}, apperr.EFORBIDDEN},
			{"platform admin: auditor", admin, identity.Grant{Role: identity.RoleAuditor}, ""},
			{"agency role without agency", admin, identity.Grant{Role: identity.RoleSupervisor}, apperr.EINVALID},
			{"unknown role", admin, identity.Grant{Role: "king"}, apperr.EINVALID},
			{"unknown agency", admin, identity.Grant{Role: identity.RoleOfficer, AgencyID: "nowhere"}, apperr.EINVALID},
		}
		for _, tt := range tests {
			err := f.svc.GrantRole(ctx, tt.actor, u.ID, tt.grant)
			if apperr.Code(err) != tt.code {
				t.Errorf("%s: %v, want code %q", tt.name, err, tt.code)
			}
		}
		grants, _ := f.svc.Grants(ctx, u.ID)
		if len(grants) != 3 { // citizen, officer in justice, auditor
			t.Errorf("grants = %v", grants)
		}
		if err := f.svc.RevokeRole(ctx, agencyAdmin, u.ID, identity.Grant{Role: identity.RoleAuditor}); !apperr.Is(err, apperr.EFORBIDDEN) {
			t.Errorf("agency admin revoked a global role: %v", err)
		}
		if err := f.svc.RevokeRole(ctx, agencyAdmin, u.ID, identity.Grant{Role: identity.RoleOfficer, AgencyID: justice}); err != nil {
			t.Errorf("revoke: %v", err)
		}
		entries, _, _ := f.audit.List(ctx, audit.Filter{ObjectID: &u.ID})
		var changes []string
		for _, e := range entries {
			if strings.HasPrefix(e.Action, "identity.role.") {
				changes = append(changes, e.Action+" by "+e.Actor)
			}
		}
		if len(changes) != 3 {
			t.Errorf("audited role changes: %v", changes)
		}
		found, _ := f.svc.SearchUsers(ctx, "karimov", 10)
		foundCyrl, _ := f.svc.SearchUsers(ctx, "Каримов", 10)
		byPhone, _ := f.svc.SearchUsers(ctx, "90 123 45 67", 10)
		if len(found) != 2 || len(foundCyrl) != 2 || len(byPhone) != 1 { // the demo has an Aziz Karimov too
			t.Errorf("search: %d by name, %d in Cyrillic, %d by phone", len(found), len(foundCyrl), len(byPhone))
		}
	})
}
