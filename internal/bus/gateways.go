package bus

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/audit"
)

// GatewayUpdate changes a registered gateway: its address when it moves,
// its certificates' serials when they are renewed. Nil fields stay.
type GatewayUpdate struct {
	Address    *string
	AuthSerial *string
	SignSerial *string
}

// UpdateGateway changes the gateway name of member. Peers see the change
// with the registry's next version: a renewed certificate is trusted, and
// the old one refused, from then on.
//
// Errors: EINVALID MsgInvalid with fields "address", "auth_serial" and
// "sign_serial"; ENOTFOUND MsgNoSuchGateway; ECONFLICT MsgGatewayExists
// for an authentication certificate of another gateway.
func (r *Registry) UpdateGateway(ctx context.Context, actor string, member xroad.ClientID, name string, u GatewayUpdate) (*Gateway, error) {
	var g *Gateway
	all, err := r.Gateways(ctx)
	if err != nil {
		return nil, fmt.Errorf("update gateway: %w", err)
	}
	for i := range all {
		if all[i].Member == member && all[i].Name == name {
			g = &all[i]
		}
	}
	if g == nil {
		return nil, notFound(sql.ErrNoRows, MsgNoSuchGateway)
	}
	in := g.GatewayInput
	for _, c := range []struct{ dst, src *string }{{&in.Address, u.Address}, {&in.AuthSerial, u.AuthSerial}, {&in.SignSerial, u.SignSerial}} {
		if c.src != nil {
			*c.dst = *c.src
		}
	}
	in, f := in.normalize()
	if err := invalid(f); err != nil {
		return nil, err
	}
	g.GatewayInput = in
	rec := audit.Record{Actor: actor, Action: "bus.gateway.updated", ObjectType: "bus_gateway", ObjectID: g.ID,
		Details: map[string]any{"member": member.String(), "name": name, "address": in.Address, "auth_serial": in.AuthSerial, "sign_serial": in.SignSerial}}
	err = r.change(ctx, rec, func(tx *sql.Tx, _ time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE bus_gateways SET address = $1, auth_serial = $2, sign_serial = $3 WHERE id = $4`,
			in.Address, in.AuthSerial, in.SignSerial, g.ID)
		if err != nil {
			return conflictAs(err, MsgGatewayExists)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound(orNoRows(err), MsgNoSuchGateway)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update gateway: %w", err)
	}
	return g, nil
}
