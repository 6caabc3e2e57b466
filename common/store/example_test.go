package store_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"flagsuite/common/store"
)

func ExampleWriteAtomic() {
	dest := filepath.Join(os.TempDir(), "flagsuite-example", "downloaded")
	defer os.RemoveAll(filepath.Dir(dest))
	if err := store.PrepareDir(dest); err != nil {
		log.Fatal(err) // e.g. cannot write to "downloaded": permission denied
	}
	if err := store.WriteAtomic(dest, "BR.gif", []byte("GIF89a…")); err != nil {
		log.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dest, "BR.gif"))
	fmt.Printf("%s\n", data)
	// Output: GIF89a…
}

func ExamplePool() {
	dest, _ := os.MkdirTemp("", "flagsuite-example")
	defer os.RemoveAll(dest)

	writers := store.NewPool(4)
	saved := make(chan string, 2) // room for every result: done never blocks
	for _, cc := range []string{"BR", "CN"} {
		writers.Submit(dest, cc+".gif", []byte("GIF89a…"), func(err error) {
			if err != nil {
				saved <- cc + " " + err.Error()
				return
			}
			saved <- cc + " saved"
		})
	}
	writers.Close() // waits for both writes
	close(saved)
	n := 0
	for range saved {
		n++
	}
	fmt.Println(n, "files written")
	// Output: 2 files written
}
