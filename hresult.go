package wws

import "fmt"

// HRESULT is a WWSAPI result code, with the numeric values of webservices.h
// and winerror.h. Its String method gives "NAME (0xXXXXXXXX)".
type HRESULT uint32

// Result codes. The names are WWSAPI's, verbatim, as golang.org/x/sys/windows
// keeps Windows' names.
//
//revive:disable:var-naming
const (
	S_OK                                HRESULT = 0x00000000
	S_FALSE                             HRESULT = 0x00000001
	WS_S_ASYNC                          HRESULT = 0x003D0000
	WS_S_END                            HRESULT = 0x003D0001
	WS_E_INVALID_FORMAT                 HRESULT = 0x803D0000
	WS_E_OBJECT_FAULTED                 HRESULT = 0x803D0001
	WS_E_NUMERIC_OVERFLOW               HRESULT = 0x803D0002
	WS_E_INVALID_OPERATION              HRESULT = 0x803D0003
	WS_E_OPERATION_ABORTED              HRESULT = 0x803D0004
	WS_E_ENDPOINT_ACCESS_DENIED         HRESULT = 0x803D0005
	WS_E_OPERATION_TIMED_OUT            HRESULT = 0x803D0006
	WS_E_OPERATION_ABANDONED            HRESULT = 0x803D0007
	WS_E_QUOTA_EXCEEDED                 HRESULT = 0x803D0008
	WS_E_NO_TRANSLATION_AVAILABLE       HRESULT = 0x803D0009
	WS_E_SECURITY_VERIFICATION_FAILURE  HRESULT = 0x803D000A
	WS_E_ADDRESS_IN_USE                 HRESULT = 0x803D000B
	WS_E_ADDRESS_NOT_AVAILABLE          HRESULT = 0x803D000C
	WS_E_ENDPOINT_NOT_FOUND             HRESULT = 0x803D000D
	WS_E_ENDPOINT_NOT_AVAILABLE         HRESULT = 0x803D000E
	WS_E_ENDPOINT_FAILURE               HRESULT = 0x803D000F
	WS_E_ENDPOINT_UNREACHABLE           HRESULT = 0x803D0010
	WS_E_ENDPOINT_ACTION_NOT_SUPPORTED  HRESULT = 0x803D0011
	WS_E_ENDPOINT_TOO_BUSY              HRESULT = 0x803D0012
	WS_E_ENDPOINT_FAULT_RECEIVED        HRESULT = 0x803D0013
	WS_E_ENDPOINT_DISCONNECTED          HRESULT = 0x803D0014
	WS_E_PROXY_FAILURE                  HRESULT = 0x803D0015
	WS_E_PROXY_ACCESS_DENIED            HRESULT = 0x803D0016
	WS_E_NOT_SUPPORTED                  HRESULT = 0x803D0017
	WS_E_PROXY_REQUIRES_BASIC_AUTH      HRESULT = 0x803D0018
	WS_E_PROXY_REQUIRES_DIGEST_AUTH     HRESULT = 0x803D0019
	WS_E_PROXY_REQUIRES_NTLM_AUTH       HRESULT = 0x803D001A
	WS_E_PROXY_REQUIRES_NEGOTIATE_AUTH  HRESULT = 0x803D001B
	WS_E_SERVER_REQUIRES_BASIC_AUTH     HRESULT = 0x803D001C
	WS_E_SERVER_REQUIRES_DIGEST_AUTH    HRESULT = 0x803D001D
	WS_E_SERVER_REQUIRES_NTLM_AUTH      HRESULT = 0x803D001E
	WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH HRESULT = 0x803D001F
	WS_E_INVALID_ENDPOINT_URL           HRESULT = 0x803D0020
	WS_E_OTHER                          HRESULT = 0x803D0021
	WS_E_SECURITY_TOKEN_EXPIRED         HRESULT = 0x803D0022
	WS_E_SECURITY_SYSTEM_FAILURE        HRESULT = 0x803D0023

	E_NOTIMPL     HRESULT = 0x80004001
	E_POINTER     HRESULT = 0x80004003
	E_ABORT       HRESULT = 0x80004004
	E_FAIL        HRESULT = 0x80004005
	E_UNEXPECTED  HRESULT = 0x8000FFFF
	E_OUTOFMEMORY HRESULT = 0x8007000E
	E_INVALIDARG  HRESULT = 0x80070057

	// Certificate errors (winerror.h), which WWSAPI passes through unchanged
	// from the TLS layer.
	CERT_E_EXPIRED             HRESULT = 0x800B0101
	CERT_E_ROLE                HRESULT = 0x800B0103
	CERT_E_PATHLENCONST        HRESULT = 0x800B0104
	CERT_E_UNTRUSTEDROOT       HRESULT = 0x800B0109
	CERT_E_CHAINING            HRESULT = 0x800B010A
	CERT_E_REVOKED             HRESULT = 0x800B010C
	CERT_E_CN_NO_MATCH         HRESULT = 0x800B010F
	CERT_E_WRONG_USAGE         HRESULT = 0x800B0110
	CERT_E_INVALID_NAME        HRESULT = 0x800B0114
	CRYPT_E_REVOCATION_OFFLINE HRESULT = 0x80092013
)

var hresultNames = map[HRESULT]string{
	S_OK: "S_OK", S_FALSE: "S_FALSE", WS_S_ASYNC: "WS_S_ASYNC", WS_S_END: "WS_S_END",
	WS_E_INVALID_FORMAT: "WS_E_INVALID_FORMAT", WS_E_OBJECT_FAULTED: "WS_E_OBJECT_FAULTED",
	WS_E_NUMERIC_OVERFLOW: "WS_E_NUMERIC_OVERFLOW", WS_E_INVALID_OPERATION: "WS_E_INVALID_OPERATION",
	WS_E_OPERATION_ABORTED: "WS_E_OPERATION_ABORTED", WS_E_ENDPOINT_ACCESS_DENIED: "WS_E_ENDPOINT_ACCESS_DENIED",
	WS_E_OPERATION_TIMED_OUT: "WS_E_OPERATION_TIMED_OUT", WS_E_OPERATION_ABANDONED: "WS_E_OPERATION_ABANDONED",
	WS_E_QUOTA_EXCEEDED: "WS_E_QUOTA_EXCEEDED", WS_E_NO_TRANSLATION_AVAILABLE: "WS_E_NO_TRANSLATION_AVAILABLE",
	WS_E_SECURITY_VERIFICATION_FAILURE: "WS_E_SECURITY_VERIFICATION_FAILURE", WS_E_ADDRESS_IN_USE: "WS_E_ADDRESS_IN_USE",
	WS_E_ADDRESS_NOT_AVAILABLE: "WS_E_ADDRESS_NOT_AVAILABLE", WS_E_ENDPOINT_NOT_FOUND: "WS_E_ENDPOINT_NOT_FOUND",
	WS_E_ENDPOINT_NOT_AVAILABLE: "WS_E_ENDPOINT_NOT_AVAILABLE", WS_E_ENDPOINT_FAILURE: "WS_E_ENDPOINT_FAILURE",
	WS_E_ENDPOINT_UNREACHABLE: "WS_E_ENDPOINT_UNREACHABLE", WS_E_ENDPOINT_ACTION_NOT_SUPPORTED: "WS_E_ENDPOINT_ACTION_NOT_SUPPORTED",
	WS_E_ENDPOINT_TOO_BUSY: "WS_E_ENDPOINT_TOO_BUSY", WS_E_ENDPOINT_FAULT_RECEIVED: "WS_E_ENDPOINT_FAULT_RECEIVED",
	WS_E_ENDPOINT_DISCONNECTED: "WS_E_ENDPOINT_DISCONNECTED", WS_E_PROXY_FAILURE: "WS_E_PROXY_FAILURE",
	WS_E_PROXY_ACCESS_DENIED: "WS_E_PROXY_ACCESS_DENIED", WS_E_NOT_SUPPORTED: "WS_E_NOT_SUPPORTED",
	WS_E_PROXY_REQUIRES_BASIC_AUTH: "WS_E_PROXY_REQUIRES_BASIC_AUTH", WS_E_PROXY_REQUIRES_DIGEST_AUTH: "WS_E_PROXY_REQUIRES_DIGEST_AUTH",
	WS_E_PROXY_REQUIRES_NTLM_AUTH: "WS_E_PROXY_REQUIRES_NTLM_AUTH", WS_E_PROXY_REQUIRES_NEGOTIATE_AUTH: "WS_E_PROXY_REQUIRES_NEGOTIATE_AUTH",
	WS_E_SERVER_REQUIRES_BASIC_AUTH: "WS_E_SERVER_REQUIRES_BASIC_AUTH", WS_E_SERVER_REQUIRES_DIGEST_AUTH: "WS_E_SERVER_REQUIRES_DIGEST_AUTH",
	WS_E_SERVER_REQUIRES_NTLM_AUTH: "WS_E_SERVER_REQUIRES_NTLM_AUTH", WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH: "WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH",
	WS_E_INVALID_ENDPOINT_URL: "WS_E_INVALID_ENDPOINT_URL", WS_E_OTHER: "WS_E_OTHER",
	WS_E_SECURITY_TOKEN_EXPIRED: "WS_E_SECURITY_TOKEN_EXPIRED", WS_E_SECURITY_SYSTEM_FAILURE: "WS_E_SECURITY_SYSTEM_FAILURE",
	E_NOTIMPL: "E_NOTIMPL", E_POINTER: "E_POINTER", E_ABORT: "E_ABORT", E_FAIL: "E_FAIL", E_UNEXPECTED: "E_UNEXPECTED",
	E_OUTOFMEMORY: "E_OUTOFMEMORY", E_INVALIDARG: "E_INVALIDARG",
	CERT_E_EXPIRED: "CERT_E_EXPIRED", CERT_E_ROLE: "CERT_E_ROLE", CERT_E_PATHLENCONST: "CERT_E_PATHLENCONST",
	CERT_E_UNTRUSTEDROOT: "CERT_E_UNTRUSTEDROOT", CERT_E_CHAINING: "CERT_E_CHAINING", CERT_E_REVOKED: "CERT_E_REVOKED",
	CERT_E_CN_NO_MATCH: "CERT_E_CN_NO_MATCH", CERT_E_WRONG_USAGE: "CERT_E_WRONG_USAGE", CERT_E_INVALID_NAME: "CERT_E_INVALID_NAME",
	CRYPT_E_REVOCATION_OFFLINE: "CRYPT_E_REVOCATION_OFFLINE",
}

var hresultTexts = map[HRESULT]string{
	S_OK:                                "the operation succeeded",
	S_FALSE:                             "the operation succeeded with nothing to do",
	WS_S_ASYNC:                          "the operation will complete asynchronously",
	WS_E_NO_TRANSLATION_AVAILABLE:       "no translation of the text is available in the language asked for",
	WS_E_SECURITY_VERIFICATION_FAILURE:  "the security verification of a message or token failed",
	WS_E_PROXY_FAILURE:                  "the HTTP proxy server could not process the request",
	WS_E_PROXY_ACCESS_DENIED:            "the HTTP proxy server denied access",
	WS_E_SECURITY_TOKEN_EXPIRED:         "a security token has expired",
	WS_E_SECURITY_SYSTEM_FAILURE:        "the security system failed",
	E_POINTER:                           "a required pointer was nil",
	E_ABORT:                             "the operation was aborted",
	E_FAIL:                              "an unspecified failure",
	E_UNEXPECTED:                        "an unexpected failure",
	CRYPT_E_REVOCATION_OFFLINE:          "the revocation status of a certificate could not be checked",
	WS_S_END:                            "there are no more messages",
	WS_E_INVALID_FORMAT:                 "the input data was not in the expected format",
	WS_E_OBJECT_FAULTED:                 "the object is faulted and cannot be used",
	WS_E_NUMERIC_OVERFLOW:               "a numeric value was out of range",
	WS_E_INVALID_OPERATION:              "the operation is not allowed in the object's current state",
	WS_E_OPERATION_ABORTED:              "the operation was aborted",
	WS_E_ENDPOINT_ACCESS_DENIED:         "the remote endpoint denied access",
	WS_E_OPERATION_TIMED_OUT:            "the operation did not complete within its time limit",
	WS_E_OPERATION_ABANDONED:            "the operation was abandoned",
	WS_E_QUOTA_EXCEEDED:                 "a quota was exceeded",
	WS_E_ADDRESS_IN_USE:                 "the address is already in use",
	WS_E_ADDRESS_NOT_AVAILABLE:          "the address is not valid on this machine",
	WS_E_ENDPOINT_NOT_FOUND:             "the remote endpoint does not exist or could not be located",
	WS_E_ENDPOINT_NOT_AVAILABLE:         "the remote endpoint is not currently in service",
	WS_E_ENDPOINT_FAILURE:               "the remote endpoint could not process the request",
	WS_E_ENDPOINT_UNREACHABLE:           "the remote endpoint is not reachable",
	WS_E_ENDPOINT_ACTION_NOT_SUPPORTED:  "the remote endpoint does not support the action",
	WS_E_ENDPOINT_TOO_BUSY:              "the remote endpoint is too busy",
	WS_E_ENDPOINT_FAULT_RECEIVED:        "a fault was received from the remote endpoint",
	WS_E_ENDPOINT_DISCONNECTED:          "the connection with the remote endpoint was terminated",
	WS_E_NOT_SUPPORTED:                  "the operation is not supported",
	WS_E_INVALID_ENDPOINT_URL:           "the endpoint address URL is invalid",
	WS_E_OTHER:                          "an unrecognized error occurred",
	E_NOTIMPL:                           "not implemented",
	E_INVALIDARG:                        "one or more arguments are invalid",
	E_OUTOFMEMORY:                       "out of memory",
	WS_E_SERVER_REQUIRES_BASIC_AUTH:     "the server requires HTTP basic authentication",
	WS_E_SERVER_REQUIRES_DIGEST_AUTH:    "the server requires HTTP digest authentication",
	WS_E_SERVER_REQUIRES_NTLM_AUTH:      "the server requires HTTP NTLM authentication",
	WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH: "the server requires HTTP negotiate authentication",
	WS_E_PROXY_REQUIRES_BASIC_AUTH:      "the proxy requires HTTP basic authentication",
	WS_E_PROXY_REQUIRES_DIGEST_AUTH:     "the proxy requires HTTP digest authentication",
	WS_E_PROXY_REQUIRES_NTLM_AUTH:       "the proxy requires HTTP NTLM authentication",
	WS_E_PROXY_REQUIRES_NEGOTIATE_AUTH:  "the proxy requires HTTP negotiate authentication",
	CERT_E_EXPIRED:                      "the certificate has expired or is not yet valid",
	CERT_E_ROLE:                         "a certificate that can only be an end entity is used as a CA, or the reverse",
	CERT_E_PATHLENCONST:                 "the certificate chain is longer than a CA allows",
	CERT_E_UNTRUSTEDROOT:                "the certificate chains to an untrusted root",
	CERT_E_CHAINING:                     "the certificate could not be chained to a trusted root",
	CERT_E_REVOKED:                      "the certificate was revoked by its issuer",
	CERT_E_CN_NO_MATCH:                  "the certificate's name does not match the host",
	CERT_E_WRONG_USAGE:                  "the certificate is not valid for the requested usage",
	CERT_E_INVALID_NAME:                 "the certificate has a name its issuer may not certify",
}

// Name returns the constant's name, e.g. "WS_E_OPERATION_ABORTED", or "" when unknown.
func (h HRESULT) Name() string { return hresultNames[h] }

// String returns "NAME (0xXXXXXXXX)", or just the hexadecimal value for an unknown code.
func (h HRESULT) String() string {
	if n, ok := hresultNames[h]; ok {
		return fmt.Sprintf("%s (0x%08X)", n, uint32(h))
	}
	return fmt.Sprintf("HRESULT 0x%08X", uint32(h))
}

// Text returns a short description of the code.
func (h HRESULT) Text() string { return hresultTexts[h] }

// Failed reports whether h is a failure code (its severity bit is set).
func (h HRESULT) Failed() bool { return h&0x80000000 != 0 }
