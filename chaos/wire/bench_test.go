package wire

import (
	"bufio"
	"bytes"
	"testing"
)

// BenchmarkReadHeads reads the request and response heads of one typical
// proxied GET, as the proxy does for every request:
//
//	go test -run '^$' -bench ReadHeads ./chaos/wire
func BenchmarkReadHeads(b *testing.B) {
	req := []byte("GET /flags/br/br.gif HTTP/1.1\r\nHost: 127.0.0.1:8002\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 12288\r\nContent-Type: image/gif\r\nDate: Tue, 24 Nov 2026 11:00:00 GMT\r\n\r\n")
	rq, rs := bytes.NewReader(req), bytes.NewReader(resp)
	br1, br2 := bufio.NewReaderSize(rq, 4<<10), bufio.NewReaderSize(rs, 16<<10)
	var r Request
	var s Response
	b.ReportAllocs()
	for b.Loop() {
		rq.Reset(req)
		rs.Reset(resp)
		br1.Reset(rq)
		br2.Reset(rs)
		if err := r.Read(br1, 0); err != nil {
			b.Fatal(err)
		}
		if err := s.Read(br2, "GET", 0); err != nil {
			b.Fatal(err)
		}
	}
}
