// Package flagdata knows the shape of the flag data on the server and on
// disk: where a code's image and metadata live, what a valid image looks
// like, and how a country name becomes a safe file name.
package flagdata

import (
	"bytes"
	"fmt"
	"image/gif"
	"net/http"
	"strings"
)

// ImageURL returns {base}/{cc}/{cc}.gif with cc in lower case.
func ImageURL(base, cc string) string {
	lc := strings.ToLower(cc)
	return base + "/" + lc + "/" + lc + ".gif"
}

// MetadataURL returns {base}/{cc}/metadata.json with cc in lower case.
func MetadataURL(base, cc string) string {
	return base + "/" + strings.ToLower(cc) + "/metadata.json"
}

// CheckGIF returns an error unless body is a complete GIF image: the
// signature, a header image/gif can read, and the trailer byte. A server that
// answers 200 with an HTML page or a cut-off image gets no file on disk.
func CheckGIF(body []byte) error {
	if !bytes.HasPrefix(body, []byte("GIF87a")) && !bytes.HasPrefix(body, []byte("GIF89a")) {
		return fmt.Errorf("not a GIF image (%d bytes of %s)", len(body), http.DetectContentType(body))
	}
	if _, err := gif.DecodeConfig(bytes.NewReader(body)); err != nil {
		return fmt.Errorf("damaged GIF image: %w", err)
	}
	if body[len(body)-1] != 0x3B {
		return fmt.Errorf("incomplete GIF image: no trailer after %d bytes", len(body))
	}
	return nil
}
