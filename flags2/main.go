package main

import (
	"flagsuite/common/command"
	"flagsuite/common/runner"
)

func main() {
	runner.TuneGC()
	command.Main(run)
}
