package main

import "flagsuite/common/command"

func main() { command.Main(run) }
