package pki

// DecodeSignature exposes the verification service's reading of signature
// files to the fuzz test.
var DecodeSignature = decodeSignature
