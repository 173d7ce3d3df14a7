// Package demo holds the BPMN files of the demo services, drawn as Camunda
// Modeler 5 writes them for Camunda 8 (Zeebe):
//
//   - birth-certificate-duplicate.bpmn: duplicate of a birth certificate
//     (registry check with an error boundary, officer review with a
//     non-interrupting working-day reminder, a message wait for missing
//     documents);
//   - building-permit.bpmn: building permit (parallel architecture and fire
//     safety reviews with supervisor escalation, a call to notify-applicant);
//   - notify-applicant.bpmn: the SMS notification called by other processes;
//   - sole-proprietor-registration.bpmn: registration of a sole proprietor
//     (embedded tax sub-process cancelled by a withdrawal message, optional
//     registrations behind an inclusive gateway, a timer wait);
//   - reference-benchmark.bpmn: a small fixed process for benchmarks.
//
// The process IDs are the registry's service codes.
package demo

import "embed"

// Files are the demo BPMN files, at the root of the file system.
//
//go:embed *.bpmn
var Files embed.FS
