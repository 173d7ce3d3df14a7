package events

import "context"

// StreamMessages tells tests how many messages the bus's stream holds.
func StreamMessages(ctx context.Context, b *Bus) (uint64, error) {
	s, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// ConsumerDone tells tests whether the consumer has been given every message
// of its filter and answered all of them for good.
func ConsumerDone(ctx context.Context, b *Bus, name string) (bool, error) {
	c, err := b.js.Consumer(ctx, b.cfg.Stream, name)
	if err != nil {
		return false, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return false, err
	}
	return info.NumPending == 0 && info.NumAckPending == 0, nil
}
