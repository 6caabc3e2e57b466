package site_test

import (
	"fmt"
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
