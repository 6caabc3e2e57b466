package main

import (
	"flagsuite/common/cli"
	"flagsuite/common/command"
	"flagsuite/common/runner"
	"flagsuite/testserver/autoserve"
)

// family is flags2's command with the two-request task.
var family = runner.Family{
	Command: cli.Command{
		Name:    "flags3",
		Summary: "Download flags and their metadata; save each flag under its country's name.",
		PerCode: 2, // the image and metadata.json: -m counts requests
		Extra:   orderOption,
	},
	NewTask: countryTask,
	Serve:   autoserve.Start,
}

func main() {
	runner.TuneGC()
	command.Main(family.Run)
}
