// Package portal is the citizen-facing front of egov: the home page and the
// life events that group state services around what happens in a person's or
// a business's life. Later issues add the service catalogue and applications.
package portal

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed locales
var localeFS embed.FS

//go:embed templates
var templateFS embed.FS

// Migrations are the portal's tables.
func Migrations() db.Migrations {
	return db.Migrations{Module: "portal", FS: migrationFS}
}

// Locales is the portal's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// LifeEvent is a situation in life that needs several state services.
type LifeEvent struct {
	ID       string
	Slug     string
	Audience string // "citizen" or "business"
	Position int
	Title    string
	Summary  string
}

// Auditor records security-relevant changes in the caller's transaction.
type Auditor interface {
	Record(ctx context.Context, tx *sql.Tx, r audit.Record) error
}

// Module serves the portal's pages.
type Module struct {
	db    *db.DB
	clock clock.Clock
	audit Auditor
	home  *web.Page
	// titles caches LifeEventTitles per language: every catalogue page
	// shows them and they change rarely. A change on another node is seen
	// within titlesTTL, on this node at once.
	titles struct {
		sync.Mutex
		byLocale map[i18n.Locale]map[string]string
		at       time.Time
	}
}

// titlesTTL bounds how stale a node's life event titles can be.
const titlesTTL = 10 * time.Second

// New parses the portal's pages.
func New(d *db.DB, rd *web.Renderer, c clock.Clock, a Auditor) (*Module, error) {
	home, err := rd.Page(templateFS, "templates/home.html")
	if err != nil {
		return nil, err
	}
	return &Module{db: d, clock: c, audit: a, home: home}, nil
}

// Routes registers the portal's pages.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /{$}", web.Public, m.showHome)
}

// homeView is the data of the home page.
type homeView struct {
	Citizen  []LifeEvent
	Business []LifeEvent
	Total    int
}

func (m *Module) showHome(w http.ResponseWriter, r *http.Request) error {
	events, err := m.FindLifeEvents(r.Context(), web.Locale(r.Context()))
	if err != nil {
		return err
	}
	v := homeView{Total: len(events)}
	for _, e := range events {
		if e.Audience == "business" {
			v.Business = append(v.Business, e)
		} else {
			v.Citizen = append(v.Citizen, e)
		}
	}
	return m.home.Render(w, r, http.StatusOK, v)
}

// FindLifeEvents lists the life events in display order, with their texts in
// loc (falling back to Uzbek Latin where a text is missing).
func (m *Module) FindLifeEvents(ctx context.Context, loc i18n.Locale) ([]LifeEvent, error) {
	rows, err := m.db.Reader().QueryContext(ctx, `
		SELECT e.id, e.slug, e.audience, e.position,
		       COALESCE(t.title, d.title), COALESCE(t.summary, d.summary)
		FROM portal_life_events e
		JOIN portal_life_event_texts d ON d.event_id = e.id AND d.locale = $2
		LEFT JOIN portal_life_event_texts t ON t.event_id = e.id AND t.locale = $1
		ORDER BY e.position, e.slug`, string(loc), string(i18n.Default))
	if err != nil {
		return nil, fmt.Errorf("find life events: %w", err)
	}
	defer rows.Close()
	var out []LifeEvent
	for rows.Next() {
		var e LifeEvent
		if err := rows.Scan(&e.ID, &e.Slug, &e.Audience, &e.Position, &e.Title, &e.Summary); err != nil {
			return nil, fmt.Errorf("find life events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// createLifeEvent inserts an event with its texts unless one with the slug
// exists; it reports whether it inserted.
func (m *Module) createLifeEvent(ctx context.Context, tx *sql.Tx, e LifeEvent, texts map[i18n.Locale][2]string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO portal_life_events (id, slug, audience, position, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO NOTHING`, db.NewID(), e.Slug, e.Audience, e.Position, m.clock.Now())
	if err != nil {
		return false, fmt.Errorf("create life event %s: %w", e.Slug, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	for loc, t := range texts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_life_event_texts (event_id, locale, title, summary)
			SELECT id, $2, $3, $4 FROM portal_life_events WHERE slug = $1`, e.Slug, string(loc), t[0], t[1]); err != nil {
			return false, fmt.Errorf("create life event %s text: %w", e.Slug, err)
		}
	}
	return true, nil
}

// LifeEventTitles names each life event in loc, for other modules' pages.
// The map is shared: callers must not modify it.
func (m *Module) LifeEventTitles(ctx context.Context, loc i18n.Locale) (map[string]string, error) {
	m.titles.Lock()
	defer m.titles.Unlock()
	if time.Since(m.titles.at) >= titlesTTL {
		m.titles.byLocale, m.titles.at = map[i18n.Locale]map[string]string{}, time.Now()
	}
	if out, ok := m.titles.byLocale[loc]; ok {
		return out, nil
	}
	events, err := m.FindLifeEvents(ctx, loc)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(events))
	for _, e := range events {
		out[e.Slug] = e.Title
	}
	m.titles.byLocale[loc] = out
	return out, nil
}

// forgetTitles empties the title cache after a change.
func (m *Module) forgetTitles() {
	m.titles.Lock()
	m.titles.byLocale = nil
	m.titles.at = time.Time{}
	m.titles.Unlock()
}
