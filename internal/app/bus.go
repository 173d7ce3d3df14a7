package app

import (
	"context"
	"errors"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/workflow"
)

// runBusCall runs a bus.call service task through this node's consumer
// gateway. A business answer (a record that does not exist) is thrown
// into the process; anything else is retried by the engine.
func (a *App) runBusCall(ctx context.Context, t workflow.ServiceTask) (map[string]any, error) {
	c := a.busClient.Load()
	if c == nil {
		return nil, errors.New("bus.call: this node has no exchange bus gateway")
	}
	out, err := c.RunTask(ctx, bus.Task{Key: t.Key, InstanceID: t.InstanceID, BusinessKey: t.BusinessKey,
		Headers: t.Headers, Variables: t.Variables})
	var te *bus.TaskError
	if errors.As(err, &te) {
		return nil, &workflow.BPMNError{Code: te.Code, Message: te.Message}
	}
	return out, err
}

// timestampMessageLog has the TSA timestamp the records the gateways of
// any node logged since the last run, one batch per gateway.
func (a *App) timestampMessageLog(ctx context.Context) error {
	n, err := a.MessageLog.TimestampBatch(ctx, a.PKI)
	if n > 0 {
		a.log.InfoContext(ctx, "message log timestamped", "records", n)
	}
	return err
}
