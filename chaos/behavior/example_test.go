package behavior_test

import (
	"fmt"

	"flagsuite/chaos/behavior"
	"flagsuite/chaos/fault"
)

// The book's error line, with its delay option, as fault configs.
func ExampleConfigs() {
	items, err := behavior.Parse("25:error,50:delay")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfgs := behavior.Configs(items, map[string]map[string]string{"delay": {"sleep": ".5"}})
	for _, c := range cfgs {
		fmt.Println(c.Percent, c.Name, c.Options)
	}
	toxics, err := fault.Buckets(cfgs)
	if err == nil {
		_, err = fault.NewSet(fault.HTTP, toxics)
	}
	fmt.Println("valid:", err == nil)
	// Output:
	// 25 error map[]
	// 50 delay map[sleep:.5]
	// valid: true
}
