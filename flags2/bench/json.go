package bench

import (
	"encoding/json"
	"io"
)

// WriteJSON prints rows as one indented JSON array; efficiency is null where
// it does not apply.
func WriteJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
