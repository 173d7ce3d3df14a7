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

type demoAgency struct{ code, uz, ru, en string }

var demoAgencies = []demoAgency{
	{"ADLIYA", "Adliya vazirligi", "Министерство юстиции", "Ministry of Justice"},
	{"SOLIQ", "Soliq qoʻmitasi", "Налоговый комитет", "Tax Committee"},
	{"DXA", "Davlat xizmatlari agentligi", "Агентство государственных услуг", "Public Services Agency"},
}

type demoUser struct {
	first, last string
	born        string // 2006-01-02
	sex         pinfl.Sex
	phone       string
	role        Role
	agency      string // agency code for agency-scoped roles
}

// demoUsers are the demo accounts; each signs in with its phone number and
// DemoPassword.
var demoUsers = []demoUser{
	{"Aziz", "Karimov", "1990-05-17", pinfl.Male, "+998901000001", RoleCitizen, ""},
	{"Malika", "Yusupova", "1985-11-02", pinfl.Female, "+998901000002", RoleCitizen, ""},
	{"Dilshod", "Rahimov", "2001-03-09", pinfl.Male, "+998901000003", RoleCitizen, ""},
	{"Bobur", "Toshmatov", "1978-08-21", pinfl.Male, "+998901000004", RoleBusinessRep, ""},
	{"Nodira", "Saidova", "1988-01-30", pinfl.Female, "+998901000011", RoleOfficer, "ADLIYA"},
	{"Jasur", "Ergashev", "1975-06-12", pinfl.Male, "+998901000012", RoleSupervisor, "ADLIYA"},
	{"Gulnora", "Abdullayeva", "1992-09-14", pinfl.Female, "+998901000013", RoleOfficer, "SOLIQ"},
	{"Rustam", "Qodirov", "1970-12-01", pinfl.Male, "+998901000014", RoleSupervisor, "SOLIQ"},
	{"Shahnoza", "Mirzayeva", "1995-04-25", pinfl.Female, "+998901000015", RoleOfficer, "DXA"},
	{"Otabek", "Nazarov", "1982-02-17", pinfl.Male, "+998901000016", RoleSupervisor, "DXA"},
	{"Zarina", "Xolmatova", "1998-07-07", pinfl.Female, "+998901000021", RolePSCOperator, ""},
	{"Sherzod", "Alimov", "1980-10-10", pinfl.Male, "+998901000031", RolePlatformAdmin, ""},
}

// LoadDemo adds the demo agencies, people, a business with its director and
// their roles; loading twice changes nothing.
func (s *Service) LoadDemo(ctx context.Context) error {
	hash, err := password.Hash(DemoPassword, s.hashing)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		agencies := map[string]string{}
		for _, a := range demoAgencies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO identity_agencies (id, code, name_uz, name_ru, name_en) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (code) DO NOTHING`, db.NewID(), a.code, a.uz, a.ru, a.en); err != nil {
				return fmt.Errorf("demo agency: %w", err)
			}
			var id string
			if err := tx.QueryRowContext(ctx, `SELECT id FROM identity_agencies WHERE code = $1`, a.code).Scan(&id); err != nil {
				return err
			}
			agencies[a.code] = id
		}
		var added int
		users := map[string]string{}
		for i, d := range demoUsers {
			born, _ := time.Parse(time.DateOnly, d.born)
			id := pinfl.GeneratePINFL(born, d.sex, 26, 100+i)
			var existing string
			err := tx.QueryRowContext(ctx, `SELECT id FROM identity_users WHERE pinfl = $1`, id.String()).Scan(&existing)
			if err == nil {
				users[d.phone] = existing
				continue
			}
			if err != sql.ErrNoRows {
				return err
			}
			u := &User{ID: db.NewID(), PINFL: id.String(), FirstName: d.first, LastName: d.last,
				NameCyrl: translit.ToCyrillic(d.first + " " + d.last), BirthDate: id.BirthDate(), Phone: d.phone,
				Locale: "uz-Latn", CreatedAt: now}
			if err := createUser(ctx, tx, u, hash); err != nil {
				return err
			}
			grants := []Grant{{Role: RoleCitizen}}
			if d.role != RoleCitizen {
				grants = append(grants, Grant{Role: d.role, AgencyID: agencies[d.agency]})
			}
			for _, g := range grants {
				if err := grantRole(ctx, tx, u.ID, g, now, "demo"); err != nil {
					return err
				}
			}
			users[d.phone] = u.ID
			added++
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
