package identity

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n/translit"
)

// DemoPassword is the password of every demo account (README lists them).
const DemoPassword = "Demo-parol-2026"

type demoUser struct {
	first, last string
	born        string // 2006-01-02
	sex         pinfl.Sex
	phone       string
	role        Role
	agency      string // the register's agency code, for agency-scoped roles
}

// demoUsers are the demo accounts; each signs in with its phone number and
// DemoPassword.
var demoUsers = []demoUser{
	{"Aziz", "Karimov", "1990-05-17", pinfl.Male, "+998901000001", RoleCitizen, ""},
	{"Malika", "Yusupova", "1985-11-02", pinfl.Female, "+998901000002", RoleCitizen, ""},
	{"Dilshod", "Rahimov", "2001-03-09", pinfl.Male, "+998901000003", RoleCitizen, ""},
	{"Bobur", "Toshmatov", "1978-08-21", pinfl.Male, "+998901000004", RoleBusinessRep, ""},
	{"Nodira", "Saidova", "1988-01-30", pinfl.Female, "+998901000011", RoleOfficer, "adliya"},
	{"Jasur", "Ergashev", "1975-06-12", pinfl.Male, "+998901000012", RoleSupervisor, "adliya"},
	{"Gulnora", "Abdullayeva", "1992-09-14", pinfl.Female, "+998901000013", RoleOfficer, "soliq"},
	{"Rustam", "Qodirov", "1970-12-01", pinfl.Male, "+998901000014", RoleSupervisor, "soliq"},
	{"Shahnoza", "Mirzayeva", "1995-04-25", pinfl.Female, "+998901000015", RoleOfficer, "dxa"},
	{"Otabek", "Nazarov", "1982-02-17", pinfl.Male, "+998901000016", RoleSupervisor, "dxa"},
	{"Kamola", "Hasanova", "1984-03-19", pinfl.Female, "+998901000017", RoleAgencyAdmin, "adliya"},
	{"Zarina", "Xolmatova", "1998-07-07", pinfl.Female, "+998901000021", RolePSCOperator, ""},
	{"Sherzod", "Alimov", "1980-10-10", pinfl.Male, "+998901000031", RolePlatformAdmin, ""},
}

// DemoPerson is a demo account's person as the state registries know them:
// the name, the PINFL the demo gives them, the birth date and sex it encodes.
// Other demo data (the demo agencies of the exchange bus) is built around
// these people, so it must agree with the accounts LoadDemo creates.
type DemoPerson struct {
	FirstName, LastName string
	PINFL               string
	BirthDate           time.Time // midnight UTC
	Sex                 pinfl.Sex
}

// DemoPeople returns the people of the demo accounts, in the order LoadDemo
// adds them, with the PINFLs it gives them: each is generated from the
// birth date and sex, in district 26 with serial 100 plus the position.
func DemoPeople() []DemoPerson {
	out := make([]DemoPerson, len(demoUsers))
	for i, d := range demoUsers {
		born, _ := time.Parse(time.DateOnly, d.born)
		id := pinfl.GeneratePINFL(born, d.sex, 26, 100+i)
		out[i] = DemoPerson{FirstName: d.first, LastName: d.last, PINFL: id.String(), BirthDate: id.BirthDate(), Sex: d.sex}
	}
	return out
}

// LoadDemo adds the demo people, a business with its director and their
// roles; loading twice changes nothing. The staff's agencies must already be
// in the agency register (the catalog's demo data has them).
func (s *Service) LoadDemo(ctx context.Context) error {
	list, err := s.Agencies(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	agencies := make(map[string]string, len(list))
	for _, a := range list {
		agencies[a.Code] = a.ID
	}
	for _, d := range demoUsers {
		if d.agency != "" && agencies[d.agency] == "" {
			return fmt.Errorf("demo: agency %q is not in the agency register (load the catalog's demo data first)", d.agency)
		}
	}
	hash, err := password.Hash(DemoPassword, s.hashing)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		var added int
		users := map[string]string{}
		people := DemoPeople()
		for i, d := range demoUsers {
			p := people[i]
			var userID string
			err := tx.QueryRowContext(ctx, `SELECT id FROM identity_users WHERE pinfl = $1`, p.PINFL).Scan(&userID)
			switch {
			case err == sql.ErrNoRows:
				u := &User{ID: db.NewID(), PINFL: p.PINFL, FirstName: d.first, LastName: d.last,
					NameCyrl: translit.ToCyrillic(d.first + " " + d.last), BirthDate: p.BirthDate, Phone: d.phone,
					Locale: "uz-Latn", CreatedAt: now}
				if err := createUser(ctx, tx, u, hash); err != nil {
					return err
				}
				userID = u.ID
				added++
			case err != nil:
				return err
			}
			// Every demo person gets their demo roles, new or not (a role
			// already held stays as it is).
			grants := []Grant{{Role: RoleCitizen}}
			if d.role != RoleCitizen {
				grants = append(grants, Grant{Role: d.role, AgencyID: agencies[d.agency]})
			}
			for _, g := range grants {
				if err := grantRole(ctx, tx, userID, g, now, "demo"); err != nil {
					return err
				}
			}
			users[d.phone] = userID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_orgs (id, stir, name, legal_form, address, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stir) DO NOTHING`,
			db.NewID(), "305123456", "Toshkent Non", "MChJ", "Toshkent sh., Chilonzor t., 7-mavze, 12", now); err != nil {
			return fmt.Errorf("demo org: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_representations (user_id, org_id, basis, scope, created_at)
			SELECT $1, id, 'director', '', $2 FROM identity_orgs WHERE stir = $3
			ON CONFLICT (user_id, org_id) DO NOTHING`, users["+998901000004"], now, "305123456"); err != nil {
			return fmt.Errorf("demo representation: %w", err)
		}
		// Malika files the company's tax reports by a power of attorney.
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_representations (user_id, org_id, basis, scope, expires_at, created_at)
			SELECT $1, id, 'attorney', $2, $3, $4 FROM identity_orgs WHERE stir = $5
			ON CONFLICT (user_id, org_id) DO NOTHING`, users["+998901000002"], "Soliq hisobotlarini topshirish",
			now.AddDate(1, 0, 0), now, "305123456"); err != nil {
			return fmt.Errorf("demo power of attorney: %w", err)
		}
		if err := grantRole(ctx, tx, users["+998901000002"], Grant{Role: RoleBusinessRep}, now, "demo"); err != nil {
			return err
		}
		if added == 0 {
			return nil
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: audit.System, Action: "identity.demo.loaded", ObjectType: "user",
			Details: map[string]any{"users": added}})
	})
}
