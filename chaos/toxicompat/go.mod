module flagsuite/chaos/toxicompat

go 1.26.0

require (
	flagsuite v0.0.0
	github.com/Shopify/toxiproxy/v2 v2.12.0
)

require github.com/spf13/pflag v1.1.0 // indirect

replace flagsuite => ../..
