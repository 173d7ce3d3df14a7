package catalog

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Targets are the programme's digitisation goals: how many services live on
// the portal, what share of them automated (levels 4–5) and what share in
// the mobile app.
type Targets struct {
	Live           int
	AutomatedShare float64
	MobileShare    float64
}

// DefaultTargets are the programme's: 700 services, 65 % automated, 75 % in
// the mobile app.
func DefaultTargets() Targets { return Targets{Live: 700, AutomatedShare: 0.65, MobileShare: 0.75} }

// KPI is the state of digitisation of a set of services.
type KPI struct {
	// Total counts services in any status; Live those on the portal.
	Total     int
	Live      int
	Automated int // live at levels 4–5
	Mobile    int // live and in the mobile app
}

// AutomatedShare is the share of live services that are automated.
func (k KPI) AutomatedShare() float64 { return share(k.Automated, k.Live) }

// MobileShare is the share of live services in the mobile app.
func (k KPI) MobileShare() float64 { return share(k.Mobile, k.Live) }

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// AgencyKPI is one agency's figures.
type AgencyKPI struct {
	Agency Agency
	KPI
}

// KPIs counts the registry: overall and per agency (agencies with at least
// one service, by code). Counting happens in the database; the figures are
// kept for agencyCacheTTL, so another node's change shows within that time
// and this node's at once.
func (r *Registry) KPIs(ctx context.Context) (KPI, []AgencyKPI, error) {
	if err := r.loadStats(ctx); err != nil {
		return KPI{}, nil, err
	}
	r.stats.Lock()
	defer r.stats.Unlock()
	return r.stats.all, r.stats.per, nil
}

// DigitisationPlan lists the services being planned or digitised that have
// a plan, soonest deadline first, flagging those past it, with the count per
// responsible agency. The lists are shared: callers must not modify them.
func (r *Registry) DigitisationPlan(ctx context.Context) ([]PlanItem, []AgencyPlan, error) {
	if err := r.loadStats(ctx); err != nil {
		return nil, nil, err
	}
	r.stats.Lock()
	defer r.stats.Unlock()
	return r.stats.plan, r.stats.planBy, nil
}

// loadStats fills the figures' cache when it is empty or older than
// agencyCacheTTL: every visit of the KPI page reads them, and counting a
// large registry takes tens of milliseconds.
func (r *Registry) loadStats(ctx context.Context) error {
	r.stats.Lock()
	defer r.stats.Unlock()
	if !r.stats.at.IsZero() && time.Since(r.stats.at) < agencyCacheTTL {
		return nil
	}
	all, per, err := r.countKPIs(ctx)
	if err != nil {
		return err
	}
	plan, planBy, err := r.plan(ctx)
	if err != nil {
		return err
	}
	r.stats.all, r.stats.per, r.stats.plan, r.stats.planBy, r.stats.at = all, per, plan, planBy, time.Now()
	return nil
}

// clearStats drops this node's cached figures after a change.
func (r *Registry) clearStats() {
	r.stats.Lock()
	r.stats.at = time.Time{}
	r.stats.Unlock()
}

// countKPIs counts the registry in the database.
func (r *Registry) countKPIs(ctx context.Context) (KPI, []AgencyKPI, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT agency_id, count(*),
			sum(CASE WHEN status = 'live' THEN 1 ELSE 0 END),
			sum(CASE WHEN status = 'live' AND level >= 4 THEN 1 ELSE 0 END),
			sum(CASE WHEN status = 'live' AND mobile THEN 1 ELSE 0 END)
		FROM catalog_services GROUP BY agency_id`)
	if err != nil {
		return KPI{}, nil, fmt.Errorf("kpis: %w", err)
	}
	defer rows.Close()
	byAgency := map[string]KPI{}
	var all KPI
	for rows.Next() {
		var id string
		var k KPI
		if err := rows.Scan(&id, &k.Total, &k.Live, &k.Automated, &k.Mobile); err != nil {
			return KPI{}, nil, fmt.Errorf("kpis: %w", err)
		}
		byAgency[id] = k
		all.Total += k.Total
		all.Live += k.Live
		all.Automated += k.Automated
		all.Mobile += k.Mobile
	}
	if err := rows.Err(); err != nil {
		return KPI{}, nil, err
	}
	agencies, err := r.Agencies(ctx)
	if err != nil {
		return KPI{}, nil, err
	}
	var per []AgencyKPI
	for _, a := range agencies {
		if k, ok := byAgency[a.ID]; ok {
			per = append(per, AgencyKPI{Agency: a, KPI: k})
		}
	}
	return all, per, nil
}

// PlanItem is a service on the digitisation plan.
type PlanItem struct {
	Service *Service
	Overdue bool
}

// AgencyPlan is one responsible agency's share of the plan.
type AgencyPlan struct {
	Agency  Agency
	Items   int
	Overdue int
}

// plan reads the digitisation plan from the database.
func (r *Registry) plan(ctx context.Context) ([]PlanItem, []AgencyPlan, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, version, updated_at, updated_by, passport FROM catalog_services
		WHERE status IN ('planned', 'digitising') ORDER BY code`)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	defer rows.Close()
	now := r.clock.Now()
	var items []PlanItem
	counts := map[string]*AgencyPlan{}
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, nil, err
		}
		if s.Plan == nil {
			continue
		}
		it := PlanItem{Service: s, Overdue: s.Plan.Deadline.Before(now)}
		items = append(items, it)
		c := counts[s.Plan.ResponsibleID]
		if c == nil {
			c = &AgencyPlan{}
			counts[s.Plan.ResponsibleID] = c
		}
		c.Items++
		if it.Overdue {
			c.Overdue++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Service.Plan.Deadline.Before(items[j].Service.Plan.Deadline) })
	agencies, err := r.Agencies(ctx)
	if err != nil {
		return nil, nil, err
	}
	var per []AgencyPlan
	for _, a := range agencies {
		if c := counts[a.ID]; c != nil {
			c.Agency = a
			per = append(per, *c)
		}
	}
	return items, per, nil
}
