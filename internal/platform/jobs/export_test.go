package jobs

import (
	"context"
	"time"
)

// Backoff exposes backoff to the tests.
func (q *Queue) Backoff(attempt int) time.Duration { return q.backoff(attempt) }

// Cleanup exposes cleanup to the tests, which cannot wait for its timer.
func (q *Queue) Cleanup(ctx context.Context) (int64, error) { return q.cleanup(ctx) }
