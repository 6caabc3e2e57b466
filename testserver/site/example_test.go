package site_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

	"flagsuite/testserver/site"
)

// A client test starts the real ERROR behaviour in-process. A seed makes
// the sequence of failures repeatable; here every GET fails, at once.
func ExampleNew() {
	s := site.New(site.Config{Mode: site.Error, ErrorRate: 1, ErrorDelay: -1, Seeded: true, Seed: 1})
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/flags/br/br.gif")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	fmt.Println(s.Stats().InjectedErrors, "injected")
	// Output:
	// 418 I'm a teapot
	// 1 injected
}

func ExampleForLabel() {
	cfg, _ := site.ForLabel("delay")
	fmt.Println(cfg.Mode, cfg.MinDelay, cfg.MaxDelay)
	// Output: DELAY 500ms 5s
}

// A Site served by its own Server, as the testserver command does: the
// fastest way to serve it. Shutdown ends waits in progress with a 503.
func ExampleNewServer() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := site.NewServer(site.New(site.Config{}))
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	resp, err := http.Get("http://" + ln.Addr().String() + "/flags/br/metadata.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(string(body))
	// Output:
	// 200 OK application/json
	// {"tld_cc": ".br", "iso_cc": "BR", "country": "Brazil", "gec_cc": "BR"}
}
