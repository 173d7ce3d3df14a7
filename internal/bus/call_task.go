package bus

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/bus/xroad"
)

// TaskTypeCall is the service-task type of a process step that calls a
// service over the bus. The task's headers (zeebe:taskHeaders) say what to
// call:
//
//	service  the service identifier, e.g. UZ/GOV/200000001/civil-registry/births (required)
//	method   the HTTP method; GET when absent
//	path     the rest of the path, e.g. /{applicant.pinfl}; each {name} is
//	         replaced by the variable's value, percent-encoded as one segment
//	userId   X-Road-UserId, e.g. UZ{pinfl}: whose data the call is about
//	issue    X-Road-Issue, the purpose; the business key or instance when absent
//	body     the variable sent as a JSON body
//	result   the variable that receives the JSON answer; "busResult" when absent
//
// A 404 answer is thrown into the process as the BPMN error NOT_FOUND,
// another 4xx as HTTP_<status>, so that the model can handle them; 5xx
// answers and gateway faults are retried and end in an incident.
const TaskTypeCall = "bus.call"

// Task is a bus.call service task as the workflow engine gives it.
type Task struct {
	// Key is the same for every attempt of one task; it becomes the
	// call's X-Road-Id, so the logs show retries as one exchange.
	Key         string
	InstanceID  string
	BusinessKey string
	Headers     map[string]string
	Variables   map[string]any
}

// TaskError is a business answer the process should handle, such as a
// record that does not exist; the caller throws it as a BPMN error.
type TaskError struct {
	Code    string
	Message string
}

func (e *TaskError) Error() string { return e.Code + ": " + e.Message }

// RunTask performs the call a bus.call task describes and returns the
// variables to merge into the instance.
func (c *Client) RunTask(ctx context.Context, t Task) (map[string]any, error) {
	service, err := xroad.ParseServiceID(t.Headers["service"])
	if err != nil {
		return nil, fmt.Errorf("bus.call: header service: %w", err)
	}
	path, err := expand(t.Headers["path"], t.Variables, url.PathEscape)
	if err != nil {
		return nil, err
	}
	userID, err := expand(t.Headers["userId"], t.Variables, nil)
	if err != nil {
		return nil, err
	}
	issue, err := expand(t.Headers["issue"], t.Variables, nil)
	if err != nil {
		return nil, err
	}
	req := CallRequest{Method: strings.ToUpper(t.Headers["method"]), Path: path, ID: t.Key, UserID: userID,
		Issue: cmp.Or(issue, t.BusinessKey, t.InstanceID), Header: http.Header{"Accept": {"application/json"}}}
	if name := t.Headers["body"]; name != "" {
		v, ok := lookup(t.Variables, name)
		if !ok {
			return nil, fmt.Errorf("bus.call: no variable %q for the body", name)
		}
		if req.Body, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("bus.call: body: %w", err)
		}
		req.ContentType = "application/json"
	}
	resp, err := c.Call(ctx, service, req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.Status == http.StatusNotFound:
		return nil, &TaskError{Code: "NOT_FOUND", Message: fmt.Sprintf("%s%s: not found", service, path)}
	case resp.Status >= 400 && resp.Status < 500:
		return nil, &TaskError{Code: "HTTP_" + strconv.Itoa(resp.Status), Message: fmt.Sprintf("%s%s: %.200s", service, path, resp.Body)}
	case resp.Status >= 300:
		return nil, fmt.Errorf("bus.call %s%s: status %d", service, path, resp.Status)
	}
	var result any
	if len(resp.Body) > 0 {
		if err := resp.JSON(&result); err != nil {
			return nil, err
		}
	}
	return map[string]any{cmp.Or(t.Headers["result"], "busResult"): result}, nil
}

// expand replaces each {name} in tmpl with the value of the variable name
// (a dotted path into objects), passed through escape if given.
func expand(tmpl string, vars map[string]any, escape func(string) string) (string, error) {
	var b strings.Builder
	for {
		start := strings.IndexByte(tmpl, '{')
		if start < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		end := strings.IndexByte(tmpl[start:], '}')
		if end < 0 {
			return "", fmt.Errorf("bus.call: unclosed { in %q", tmpl)
		}
		name := tmpl[start+1 : start+end]
		v, ok := lookup(vars, name)
		if !ok {
			return "", fmt.Errorf("bus.call: no variable %q", name)
		}
		s := scalar(v)
		if escape != nil {
			s = escape(s)
		}
		b.WriteString(tmpl[:start])
		b.WriteString(s)
		tmpl = tmpl[start+end+1:]
	}
}

// lookup finds a dotted path such as applicant.pinfl in vars.
func lookup(vars map[string]any, path string) (any, bool) {
	var cur any = vars
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// scalar writes a variable's value as text: numbers that are whole
// without an exponent, as JSON decoding gives them as float64.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
