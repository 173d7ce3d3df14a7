package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/workflow"
)

func TestBackOfficeThroughTheSite(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// A demo application of the Ministry of Justice reaches its officer.
	agencyID := ""
	if err := n.app.DB.Reader().QueryRow(`SELECT id FROM catalog_agencies WHERE code = 'adliya'`).Scan(&agencyID); err != nil {
		t.Fatal(err)
	}
	id, err := n.app.Workflow.Start(ctx, workflow.StartRequest{Key: "birth-certificate-duplicate", BusinessKey: "2026-0000777", AgencyID: agencyID,
		Variables: map[string]any{"applicationId": "2026-0000777", "applicant": map[string]any{"pinfl": identity.DemoPeople()[0].PINFL}}})
	if err != nil {
		t.Fatal(err)
	}
	officer := newVisitor(t, n.base)
	officer.login("+998901000011", identity.DemoPassword, "/work")
	var inbox string
	eventually(t, "the task in the officer's inbox", func() bool {
		_, inbox = officer.get("/work")
		return strings.Contains(inbox, "2026-0000777")
	})
	m := regexp.MustCompile(`action="/work/([0-9a-f-]{36})"`).FindStringSubmatch(inbox)
	if m == nil {
		t.Fatal("no task form in the inbox")
	}
	// An officer of the Tax Committee does not see it.
	tax := newVisitor(t, n.base)
	tax.login("+998901000013", identity.DemoPassword, "/work")
	if _, page := tax.get("/work"); strings.Contains(page, "2026-0000777") {
		t.Error("another agency's officer sees the task")
	}
	if resp, _ := tax.post("/work", "/work/"+m[1], map[string][]string{"action": {"claim"}}); resp.StatusCode != 403 {
		t.Errorf("another agency's officer claims: %d", resp.StatusCode)
	}
	if resp, _ := officer.post("/work", "/work/"+m[1], map[string][]string{"action": {"claim"}}); resp.StatusCode != 303 {
		t.Fatalf("claim: %d", resp.StatusCode)
	}
	// The supervisor sees the agency's open work; an officer may not.
	supervisor := newVisitor(t, n.base)
	supervisor.login("+998901000012", identity.DemoPassword, "/work/agency")
	if _, page := supervisor.get("/work/agency"); !strings.Contains(page, "2026-0000777") {
		t.Error("the supervisor does not see the agency's task")
	}
	if resp, _ := officer.get("/work/agency"); resp.StatusCode != 403 {
		t.Errorf("an officer opens the agency's work: %d", resp.StatusCode)
	}
	// She hands it to her supervisor, who completes it.
	_, mine := officer.get("/work")
	jasur := regexp.MustCompile(`<option value="([0-9a-f-]{36})">Jasur Ergashev</option>`).FindStringSubmatch(mine)
	if jasur == nil {
		t.Fatal("the supervisor is not offered as a colleague")
	}
	// Not to someone who may not work on it: the Tax Committee's officer,
	// or nobody at all.
	var taxOfficer string
	if err := n.app.DB.Reader().QueryRow(`SELECT id FROM identity_users WHERE phone = '+998901000013'`).Scan(&taxOfficer); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{taxOfficer, "no-such-person"} {
		if resp, page := officer.post("/work", "/work/"+m[1], map[string][]string{"action": {"delegate"}, "to": {to}}); resp.StatusCode != 400 ||
			!strings.Contains(page, "cannot work on this task") {
			t.Errorf("delegate to %s: %d", to, resp.StatusCode)
		}
	}
	if resp, _ := officer.post("/work", "/work/"+m[1], map[string][]string{"action": {"delegate"}, "to": {jasur[1]}}); resp.StatusCode != 303 {
		t.Fatalf("delegate: %d", resp.StatusCode)
	}
	if _, page := supervisor.get("/work/agency"); !strings.Contains(page, "Jasur Ergashev") {
		t.Error("the agency page does not name the task's holder")
	}
	if resp, _ := supervisor.post("/work", "/work/"+m[1], map[string][]string{"action": {"complete"}, "decision": {"approve"}}); resp.StatusCode != 303 {
		t.Fatalf("complete: %d", resp.StatusCode)
	}
	eventually(t, "the instance to end", func() bool {
		in, err := n.app.Workflow.Instance(ctx, id)
		return err == nil && in.State == "completed"
	})
	if resp, _ := officer.get("/admin/processes"); resp.StatusCode != 403 {
		t.Errorf("an officer opens process operations: %d", resp.StatusCode)
	}

	admin := newVisitor(t, n.base)
	admin.login("+998901000031", identity.DemoPassword, "/admin/processes")
	_, list := admin.get("/admin/processes")
	d := regexp.MustCompile(`href="/admin/processes/([0-9a-f-]{36})">birth-certificate-duplicate<`).FindStringSubmatch(list)
	if d == nil {
		t.Fatal("the demo process is not listed")
	}
	resp, svg := admin.get("/admin/processes/" + d[1] + "/diagram.svg")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "Xodim koʻrib chiqadi") {
		t.Errorf("diagram: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, page := admin.get("/admin/instances/" + id); !strings.Contains(page, "2026-0000777") || !strings.Contains(page, "Event_0zzmt3c") {
		t.Error("the instance page lacks its history")
	}
	// A file with an unsupported element is refused with its ID and line.
	bad := `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
<bpmn:scriptTask id="Script_1"><bpmn:incoming>f</bpmn:incoming></bpmn:scriptTask>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="Script_1"/></bpmn:process></bpmn:definitions>`
	resp, page := admin.upload("/admin/processes", "/admin/processes", nil, []byte(bad))
	if resp.StatusCode != 422 || !strings.Contains(page, "Script_1") || !strings.Contains(page, "line 3") {
		t.Errorf("unsupported element: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, http.DefaultClient, "GET", n.base+"/api/v1/tasks", nil); resp.StatusCode != 401 {
		t.Errorf("task API without signing in: %d", resp.StatusCode)
	}
}

// eventually polls cond until it holds or ten seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sendJSON sends body as JSON with the CSRF token of the page at from, and
// decodes the answer into out when it is JSON.
func (v *visitor) sendJSON(from, method, path, body string, out any) *http.Response {
	v.t.Helper()
	resp, err := callJSON(v.c, v.csrfToken(from), method, v.base+path, body, out)
	if err != nil {
		v.t.Fatal(err)
	}
	return resp
}

// csrfToken is the CSRF token on the page at from.
func (v *visitor) csrfToken(from string) string {
	v.t.Helper()
	_, page := v.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		v.t.Fatalf("no CSRF token on %s", from)
	}
	return m[1]
}

// callJSON sends body as JSON with a CSRF token and decodes a JSON answer
// into out.
func callJSON(c *http.Client, token, method, u, body string, out any) (*http.Response, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", token)
	req.Header.Set("Accept-Language", "en")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out != nil && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, u, err)
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp, err
}

func TestWorkflowAPI(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin := newVisitor(t, n.base)
	admin.login("+998901000031", identity.DemoPassword, "/admin/processes")
	officer := newVisitor(t, n.base)
	officer.login("+998901000011", identity.DemoPassword, "/work")

	type task struct{ ID, Instance, Element string }
	type instance struct {
		ID, Process, Agency, State string
		BusinessKey                string `json:"business_key"`
		Variables                  map[string]any
		Active                     map[string]int
		Tasks                      []task
	}
	var problem struct {
		Status int
		Code   string
		Detail string
		Errors map[string]string
	}
	const start = "/api/v1/processes/birth-certificate-duplicate/instances"
	for _, c := range []struct{ body, field string }{
		{`{"agency": "adliya", "colour": "red"}`, ""},
		{`{"agency": "adliya"} {}`, ""},
		{`{"agency": "nope"}`, "agency"},
		{`{"variables": [1]}`, ""},
	} {
		problem.Errors = nil
		if resp := admin.sendJSON("/admin/processes", "POST", start, c.body, &problem); resp.StatusCode != 400 || problem.Code != "invalid" ||
			problem.Detail == "" || (c.field != "" && problem.Errors[c.field] == "") {
			t.Errorf("start with %s: %d %+v", c.body, resp.StatusCode, problem)
		}
	}
	if resp := admin.sendJSON("/admin/processes", "POST", "/api/v1/processes/no-such-process/instances", `{}`, &problem); resp.StatusCode != 404 {
		t.Errorf("start of an unknown process: %d", resp.StatusCode)
	}
	if resp := officer.sendJSON("/work", "POST", start, `{"agency": "adliya"}`, nil); resp.StatusCode != 403 {
		t.Errorf("an officer starts a process: %d", resp.StatusCode)
	}
	var started instance
	resp := admin.sendJSON("/admin/processes", "POST", start,
		`{"business_key": "2026-0000888", "agency": "adliya", "variables": {"applicationId": "2026-0000888", "applicant": {"pinfl": "`+
			identity.DemoPeople()[1].PINFL+`"}}}`, &started)
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/instances/"+started.ID || started.State != "active" ||
		started.Agency != "adliya" || started.BusinessKey != "2026-0000888" || started.Variables["applicationId"] != "2026-0000888" {
		t.Fatalf("start: %d %+v", resp.StatusCode, started)
	}

	// The officer finds the review task through the API and completes it.
	var review task
	eventually(t, "the review task in the officer's task list", func() bool {
		var list struct{ Offered []task }
		resp, body := officer.get("/api/v1/tasks")
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil {
			return false
		}
		for _, k := range list.Offered {
			if k.Instance == started.ID {
				review = k
				return true
			}
		}
		return false
	})
	tax := newVisitor(t, n.base)
	tax.login("+998901000013", identity.DemoPassword, "/work")
	if resp := tax.sendJSON("/work", "POST", "/api/v1/tasks/"+review.ID+"/claim", "", nil); resp.StatusCode != 403 {
		t.Errorf("another agency's officer claims: %d", resp.StatusCode)
	}
	if resp := officer.sendJSON("/work", "POST", "/api/v1/tasks/"+review.ID+"/claim", "", nil); resp.StatusCode != 204 {
		t.Fatalf("claim: %d", resp.StatusCode)
	}
	if resp := officer.sendJSON("/work", "POST", "/api/v1/tasks/"+review.ID+"/approve", `{}`, nil); resp.StatusCode != 404 {
		t.Errorf("unknown action: %d", resp.StatusCode)
	}
	if resp := officer.sendJSON("/work", "POST", "/api/v1/tasks/"+review.ID+"/complete", `{"variables": {"decision": "approve"}}`, nil); resp.StatusCode != 204 {
		t.Fatalf("complete: %d", resp.StatusCode)
	}
	if resp := officer.sendJSON("/work", "POST", "/api/v1/tasks/"+review.ID+"/complete", `{"variables": {}}`, &problem); resp.StatusCode != 409 {
		t.Errorf("completing twice: %d", resp.StatusCode)
	}
	eventually(t, "the instance to end", func() bool {
		var in instance
		resp, body := admin.get("/api/v1/instances/" + started.ID)
		return resp.StatusCode == 200 && json.Unmarshal([]byte(body), &in) == nil && in.State == "completed" &&
			in.Variables["decision"] == "approve" && len(in.Tasks) == 0 && len(in.Active) == 0
	})
	if resp, _ := officer.get("/api/v1/instances/" + started.ID); resp.StatusCode != 403 {
		t.Errorf("an officer reads an instance: %d", resp.StatusCode)
	}
	if resp, _ := admin.get("/api/v1/instances/no-such-instance"); resp.StatusCode != 404 {
		t.Errorf("unknown instance: %d", resp.StatusCode)
	}
	// A message for an application nobody waits for yet is kept, if asked.
	if resp := admin.sendJSON("/admin/processes", "POST", "/api/v1/messages", `{"name": "documents-supplied", "correlation_key": "2026-0000999"}`, &problem); resp.StatusCode != 404 {
		t.Errorf("a message nobody waits for: %d", resp.StatusCode)
	}
	var kept struct{ Kept bool }
	if resp := admin.sendJSON("/admin/processes", "POST", "/api/v1/messages", `{"name": "documents-supplied", "correlation_key": "2026-0000999", "ttl_seconds": 3600}`, &kept); resp.StatusCode != 202 || !kept.Kept {
		t.Errorf("a message kept: %d %+v", resp.StatusCode, kept)
	}
	if resp := admin.sendJSON("/admin/processes", "POST", "/api/v1/messages", `{"name": "documents-supplied", "ttl_seconds": -1}`, &problem); resp.StatusCode != 400 || problem.Errors["ttl_seconds"] == "" {
		t.Errorf("a negative TTL: %d %+v", resp.StatusCode, problem)
	}
	// The API is in the OpenAPI document.
	if _, doc := admin.get("/api/v1/openapi.json"); !strings.Contains(doc, `"/api/v1/processes/{key}/instances"`) || !strings.Contains(doc, `"Problem"`) {
		t.Error("the workflow API is not described")
	}
}
