package api

import (
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// guard is what the control API accepts, and from where. The API can
// point a proxy at any address and open ports, so a web page must not be
// able to drive it: a page's script can send requests to 127.0.0.1, and,
// through DNS rebinding, to a name of its own that resolves there. Browsers
// always send their user agent, an Origin on cross-site writes, and the
// Host they think they talk to, and they cannot send application/json
// across sites without asking first (a CORS preflight, which the API never
// answers). So:
//
//   - a user agent that starts with "Mozilla/" (every browser) gets 403,
//     as Toxiproxy does;
//   - an Origin header other than the API's own gets 403;
//   - a Host other than a loopback name or address, the address the
//     connection came in on, or the name chaos was told to serve the API
//     on gets 403 (DNS rebinding);
//   - a request with a body must say Content-Type: application/json (415);
//   - a body over maxBody gets 413;
//   - without the public option, a client that is not on loopback gets 403.
type guard struct {
	next        http.Handler
	allowRemote bool
	ownHost     string // the host of --api, lower case; "" when none
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := g.check(r); err != nil {
		writeError(w, err.Status, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	g.next.ServeHTTP(w, r)
}

func (g *guard) check(r *http.Request) *apiError {
	if !g.allowRemote {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || !IsLoopback(host) {
			return forbidden("the control API answers loopback clients only (start chaos with --api-public to change that)")
		}
	}
	if strings.HasPrefix(r.UserAgent(), "Mozilla/") {
		return forbidden("browsers may not use the control API")
	}
	if !g.hostAllowed(r.Host, r) {
		return forbidden("Host " + quote(r.Host) + " is not this API's address or a loopback name")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return forbidden("Origin " + quote(o) + " may not use the control API")
		}
	}
	if hasBody(r) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return &apiError{Message: "a request body must be sent as Content-Type: application/json", Status: http.StatusUnsupportedMediaType}
		}
	}
	return nil
}

func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody
}

// hostAllowed reports whether a request's Host names this API: a loopback
// name or address, the local address the connection arrived on, or the
// host chaos was told to serve the API on.
func (g *guard) hostAllowed(hostport string, r *http.Request) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if IsLoopback(host) || strings.HasSuffix(host, ".localhost") || host == g.ownHost {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ta, ok := la.(*net.TCPAddr); ok && ta.IP.Equal(ip) {
			return true
		}
	}
	return false
}

func forbidden(msg string) *apiError { return &apiError{Message: msg, Status: http.StatusForbidden} }

func quote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return `"` + s + `"`
}

// apiError is an error as the API answers it, in Toxiproxy's shape:
// {"error": "proxy not found", "status": 404}.
type apiError struct {
	Message string `json:"error"`
	Status  int    `json:"status"`
}

func (e *apiError) Error() string { return e.Message }

// errTooLarge reports a body cut at maxBody.
func errTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
