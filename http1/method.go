package http1

// Method is the request method when it is one haproxy knows by name; the
// comparison is case-sensitive, as in haproxy ("get" is MethodOther).
type Method uint8

// Known methods.
const (
	MethodOther Method = iota
	MethodGET
	MethodHEAD
	MethodPOST
	MethodPUT
	MethodDELETE
	MethodOPTIONS
	MethodTRACE
	MethodCONNECT
)

func methodOf(b []byte) Method {
	switch string(b) {
	case "GET":
		return MethodGET
	case "HEAD":
		return MethodHEAD
	case "POST":
		return MethodPOST
	case "PUT":
		return MethodPUT
	case "DELETE":
		return MethodDELETE
	case "OPTIONS":
		return MethodOPTIONS
	case "TRACE":
		return MethodTRACE
	case "CONNECT":
		return MethodCONNECT
	}
	return MethodOther
}
