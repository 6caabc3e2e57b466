package main

import "flagsuite/common/runner"

func main() { runner.Main(run) }
