package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckNew reports, before a run, why name could not be written after it:
// a run never overwrites a file it did not create, so an existing file is
// refused, as is a folder that does not exist.
func CheckNew(name string) error {
	if _, err := os.Lstat(name); err == nil {
		return fmt.Errorf("%s already exists; remove it or choose another name", name)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if fi, err := os.Stat(filepath.Dir(name)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: no folder %s to write it in", name, filepath.Dir(name))
	}
	return nil
}

// WriteNew writes a new file name with write: into a temporary file in the
// same folder, then linked into place only if name does not exist, so
// there is never a half-written file under name and never one overwritten.
func WriteNew(name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; not overwritten", name)
		}
		return err
	}
	return nil
}

// WriteFiles writes the trace to jsonName and the timeline to svgName,
// either of which may be "" for none, as new files (see WriteNew). The two
// are written at once: they only read the Recorder, and a run waits for
// them before it reports.
func (r *Recorder) WriteFiles(jsonName, svgName string) error {
	svgErr := make(chan error, 1)
	go func() {
		if svgName == "" {
			svgErr <- nil
			return
		}
		svgErr <- WriteNew(svgName, r.WriteSVG)
	}()
	var err error
	if jsonName != "" {
		err = WriteNew(jsonName, r.WriteJSON)
	}
	return errors.Join(err, <-svgErr)
}
