// Package toxicompat holds the tests that drive chaos's control plane with
// Toxiproxy's official Go client (github.com/Shopify/toxiproxy/v2/client,
// v2.12.0). It is a module of its own so that the client, a test-only
// dependency, stays out of the main module's go.mod; .ci/run runs it.
package toxicompat
