package tsp

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"net/http"
)

// Client asks a remote TSA for timestamp tokens over HTTP (RFC 3161,
// section 3.4): the command line's B-T signatures use it with the
// platform's /pki/tsa.
type Client struct {
	URL string
	// HTTP is the client to use; http.DefaultClient when nil.
	HTTP *http.Client
}

// Timestamp returns a token over digest, made with h, after checking that
// the answer is granted, covers the digest and echoes the nonce.
func (c Client) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	req, err := NewRequest(h, digest)
	if err != nil {
		return nil, err
	}
	der, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(der))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMessage+1))
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tsa: %s", resp.Status)
	}
	r, err := ParseResponse(body)
	if err != nil {
		return nil, err
	}
	if r.Status > 1 || r.Token == nil {
		return nil, fmt.Errorf("tsa refused: status %d %v", r.Status, r.StatusText)
	}
	t, err := ParseToken(r.Token)
	if err != nil {
		return nil, err
	}
	if t.Info.Hash != h || !bytes.Equal(t.Info.HashedMessage, digest) || t.Info.Nonce == nil || t.Info.Nonce.Cmp(req.Nonce) != 0 {
		return nil, fmt.Errorf("tsa: the token does not answer the request")
	}
	return r.Token, nil
}
