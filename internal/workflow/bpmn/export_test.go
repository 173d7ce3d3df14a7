package bpmn

// MessageKeys lists every message key, for the catalog test.
var MessageKeys = messageKeys

// Translate is translate, for its test.
var Translate = translate
