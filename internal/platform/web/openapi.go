package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// problemSchema describes RFC 9457 problem details as every API answers
// errors (writeProblem); modules refer to it as #/components/schemas/Problem.
const problemSchema = `{"type": "object", "description": "RFC 9457 problem details",
	"properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
	"detail": {"type": "string"}, "instance": {"type": "string"}, "code": {"type": "string"},
	"errors": {"type": "object", "description": "Messages per field"}, "request_id": {"type": "string"}}}`

// OpenAPI collects the description of the JSON APIs, module by module, into
// one OpenAPI 3.1 document served at /api/v1/openapi.json.
type OpenAPI struct {
	mu      sync.Mutex
	paths   map[string]json.RawMessage
	schemas map[string]json.RawMessage
	// security holds the security schemes operations name in "security".
	security map[string]json.RawMessage
}

// Describe adds a module's fragment: a JSON object with "paths" and,
// optionally, "components": {"schemas": …, "securitySchemes": …}. A path,
// schema or security scheme named twice is an error, so modules cannot
// overwrite each other.
func (o *OpenAPI) Describe(fragment []byte) error {
	var f struct {
		Paths      map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(fragment, &f); err != nil {
		return fmt.Errorf("openapi fragment: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.paths == nil {
		o.paths, o.schemas = map[string]json.RawMessage{}, map[string]json.RawMessage{"Problem": json.RawMessage(problemSchema)}
		o.security = map[string]json.RawMessage{}
	}
	for k, v := range f.Paths {
		if _, dup := o.paths[k]; dup {
			return fmt.Errorf("openapi: path %s described twice", k)
		}
		o.paths[k] = v
	}
	for k, v := range f.Components.Schemas {
		if _, dup := o.schemas[k]; dup {
			return fmt.Errorf("openapi: schema %s described twice", k)
		}
		o.schemas[k] = v
	}
	for k, v := range f.Components.SecuritySchemes {
		if _, dup := o.security[k]; dup {
			return fmt.Errorf("openapi: security scheme %s described twice", k)
		}
		o.security[k] = v
	}
	return nil
}

func (o *OpenAPI) serve(w http.ResponseWriter, _ *http.Request) error {
	o.mu.Lock()
	components := map[string]any{"schemas": o.schemas}
	if len(o.security) > 0 {
		components["securitySchemes"] = o.security
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "egov API", "version": "1",
			"description": "Public and agency APIs of the egov platform. Errors are RFC 9457 problem details."},
		"servers":    []map[string]string{{"url": "/"}},
		"paths":      o.paths,
		"components": components,
	}
	defer o.mu.Unlock()
	w.Header().Set("Cache-Control", "public, max-age=300")
	return WriteJSON(w, http.StatusOK, doc)
}
