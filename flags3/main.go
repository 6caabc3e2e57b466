package main

import (
	"flagsuite/common/cli"
	"flagsuite/common/runner"
)

// family is flags2's command with the two-request task.
var family = runner.Family{
	Command: cli.Command{
		Name:    "flags3",
		Summary: "Download flags and their metadata; save each flag under its country's name.",
	},
	NewTask: countryTask,
}

func main() { runner.Main(family.Run) }
