package dataset

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Open looks for the folder that holds the code folders at most searchDepth
// levels down ("flags/" in the book's zip is one level down), reading at
// most searchDirs folders, so pointing it at a big tree fails fast.
const (
	searchDepth = 3
	searchDirs  = 1000
)

// Open opens a real data set: a folder, or a .zip archive read in place.
// Inside it, it finds the folder that holds the code folders (such as
// "flags/" in the book's flags.zip) and returns an fs.FS rooted there. The
// caller closes the io.Closer when done serving.
//
// A folder is opened with os.Root, so a symbolic link cannot lead outside it.
func Open(name string) (fs.FS, io.Closer, error) {
	info, err := os.Stat(name)
	if err != nil {
		return nil, nil, fmt.Errorf("opening data set: %w", err)
	}
	var (
		fsys   fs.FS
		closer io.Closer
	)
	if info.IsDir() {
		root, err := os.OpenRoot(name)
		if err != nil {
			return nil, nil, fmt.Errorf("opening data set: %w", err)
		}
		fsys, closer = root.FS(), root
	} else {
		z, err := zip.OpenReader(name)
		if err != nil {
			return nil, nil, fmt.Errorf("opening data set %s: not a folder or a zip archive: %w", name, err)
		}
		fsys, closer = z, z
	}
	dir, err := locate(fsys)
	if err != nil {
		closer.Close()
		return nil, nil, fmt.Errorf("opening data set %s: %w", name, err)
	}
	if dir != "." {
		if fsys, err = fs.Sub(fsys, dir); err != nil {
			closer.Close()
			return nil, nil, fmt.Errorf("opening data set %s: %w", name, err)
		}
	}
	return fsys, closer, nil
}

// errNoCodes says what Open looked for and did not find.
var errNoCodes = errors.New("no code folders (such as br/br.gif) found")

// locate returns the shallowest folder of fsys that holds at least one code
// folder with its image, searching breadth first.
func locate(fsys fs.FS) (string, error) {
	level := []string{"."}
	read := 0
	for range searchDepth + 1 {
		var below []string
		for _, dir := range level {
			if read++; read > searchDirs {
				return "", errNoCodes
			}
			entries, err := fs.ReadDir(fsys, dir)
			if err != nil {
				return "", err
			}
			for _, e := range entries {
				if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == "__MACOSX" {
					continue
				}
				sub := path.Join(dir, e.Name())
				if IsCode(e.Name()) {
					if _, err := fs.Stat(fsys, path.Join(sub, e.Name()+".gif")); err == nil {
						return dir, nil
					}
				}
				below = append(below, sub)
			}
		}
		level = below
	}
	return "", errNoCodes
}
