package proxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"flagsuite/chaos/fault"
	"flagsuite/chaos/proxy"
)

// A client test puts chaos in front of its backend in-process: every GET
// here draws the error bucket, and Stats agrees with what the client saw.
func ExampleListen() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "flag")
	}))
	defer backend.Close()

	p, err := proxy.Listen(proxy.Config{
		Backend: strings.TrimPrefix(backend.URL, "http://"),
		Faults:  []fault.Config{{Name: "error", Percent: 100, Options: map[string]string{"status": "503"}}},
		Seed:    7, Seeded: true,
	}, "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	resp, err := http.Get(p.URL() + "/flags/br/br.gif")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	s := p.Stats()
	fmt.Println(resp.Status)
	fmt.Println(s.Requests, "request,", s.Faults["error"], "error")
	// Output:
	// 503 Service Unavailable
	// 1 request, 1 error
}
