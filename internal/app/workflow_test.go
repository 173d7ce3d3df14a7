package app_test

import (
	"context"
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
		Variables: map[string]any{"applicationId": "2026-0000777"}})
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
